"""Demo and synthetic data for development, tests and benchmarks (docs/adr/0008-devdata-app.md).

The top layer: it builds data through the domain apps' services; no domain app imports it. Installed only in
development (``DEBUG=1``), with ``DEVDATA=1``, and under pytest (``config/settings.py``).
"""
