# The two commands of the README: `make run` (demo system on SQLite) and `make test` (the whole suite).
PY := .venv/bin/python
PORT ?= 8000
# The suite runs on every core (pytest-xdist, at most 4 processes); the test that restarts PostgreSQL runs alone after.
TEST_WORKERS ?= auto

.PHONY: setup run test lint format demo bench cluster cluster-stop cluster-status cluster-seed cluster-smoke load

setup:
	@bash scripts/setup.sh

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_reference_data
	DEBUG=1 $(PY) manage.py load_demo_data
	@echo ""
	@echo "按比例就业网报系统: http://127.0.0.1:$(PORT)/"
	@echo "  用人单位登录: demo / demo-pass-2026"
	@echo "  残联审核人员: reviewer / review-pass-2026  (后台 http://127.0.0.1:$(PORT)/admin/)"
	DEBUG=1 $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: setup
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	.venv/bin/lint-imports
	$(PY) -m pytest -n $(TEST_WORKERS) --maxprocesses 4 --dist worksteal -m "not pg_restart" $(PYTEST_ARGS)
	PG_RESTART_ALLOWED=1 $(PY) -m pytest -m pg_restart $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# The local production-like cluster (issue 16; README "Production"): haproxy on :8180 in front of two gunicorn nodes
# (DEBUG=0), two supervised db_workers, PostgreSQL database wangbao_cluster, Redis db 5, moto as S3. Run folder
# var/cluster (pids/, logs/, env). `make cluster-stop` ends exactly what `make cluster` started.
cluster: setup
	@bash scripts/cluster.sh start

cluster-stop:
	@bash scripts/cluster.sh stop

cluster-status:
	@bash scripts/cluster.sh status

# The demo units and accounts in the cluster's database (for bench/load.py)
cluster-seed:
	@bash scripts/cluster.sh seed

# Start, one request per node, one task through a worker, one upload through S3, stop (.ci/run runs it)
cluster-smoke: setup
	@bash scripts/cluster_smoke.sh

# Load against the running cluster's balancer: `make load ARGS="--concurrency 1,4,16 --duration 60"`
load:
	$(PY) bench/load.py $(ARGS)
