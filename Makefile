# The two commands of the README: `make run` (demo system on SQLite) and `make test` (the whole suite).
PY := .venv/bin/python
PORT ?= 8000

.PHONY: setup run test lint format demo bench

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
	$(PY) -m pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .
