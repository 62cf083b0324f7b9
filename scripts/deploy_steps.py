"""The deploy sequence of docs/deploy.md in one process, each step timed (used by scripts/cluster.sh):

    .venv/bin/python scripts/deploy_steps.py [--skip-collectstatic] [--skip-manual]

``check --deploy`` (stops on an error), ``migrate``, ``load_reference_data``, ``bootstrap_roles``,
``collectstatic --noinput``, ``build_manual`` — in that order, the same commands an operator runs one by one, here
with Django set up once (each ``manage.py`` start costs seconds on a busy machine). Exit status 1 on the first
failure, naming the step.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--skip-collectstatic", action="store_true")
    parser.add_argument("--skip-manual", action="store_true")
    args = parser.parse_args()
    started = time.monotonic()
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import SystemCheckError

    steps: list[tuple[str, tuple, dict]] = [
        ("check --deploy", ("check",), {"deploy": True, "fail_level": "ERROR"}),
        ("migrate", ("migrate",), {"interactive": False, "verbosity": 0}),
        ("load_reference_data", ("load_reference_data",), {}),
        ("bootstrap_roles", ("bootstrap_roles",), {}),
    ]
    if not args.skip_collectstatic:
        steps.append(("collectstatic", ("collectstatic",), {"interactive": False, "verbosity": 0}))
    if not args.skip_manual:
        steps.append(("build_manual", ("build_manual",), {}))
    print(f"  django set up in {time.monotonic() - started:.1f} s", flush=True)
    for label, command, options in steps:
        step_started = time.monotonic()
        out = io.StringIO()
        try:
            call_command(*command, stdout=out, stderr=out, **options)
        except SystemCheckError as error:
            print(f"  {label}: FAILED\n{error}", file=sys.stderr)
            return 1
        except Exception as error:
            print(out.getvalue(), file=sys.stderr)
            print(f"  {label}: FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            raise
        lines = [line for line in out.getvalue().strip().splitlines() if line.strip()]
        last = lines[-1][:150] if lines else ""
        print(f"  {label}: {time.monotonic() - step_started:.1f} s {last}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
