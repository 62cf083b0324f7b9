def pytest_configure(config):
    config.addinivalue_line(
        "markers",
        "pg_restart: restarts the local PostgreSQL cluster mid-test (pg_ctlcluster); leaves it running",
    )
