#!/usr/bin/env bash
# One-time (idempotent) set-up used by `make run` and `make test`:
# finds Python >= 3.12, creates .venv, installs the locked Python packages, the Debian packages the PDFs and the
# browser tests need, and the front-end assets from the npm registry (package-lock.json).
set -euo pipefail
cd "$(dirname "$0")/.."

find_python() {
  local candidates=("${PYTHON:-}" python3.13 python3.12 python3
    /root/.pyenv/versions/3.13.0/bin/python3.13 /usr/local/bin/python3.13 /usr/bin/python3.13 /usr/bin/python3.12)
  if [ -d "$HOME/.pyenv/versions" ]; then
    for d in "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3; do candidates+=("$d"); done
  fi
  for c in "${candidates[@]}"; do
    [ -n "$c" ] || continue
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  return 1
}

if [ ! -x .venv/bin/python ] || ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)'; then
  PY=$(find_python) || {
    echo "Python 3.12 or newer is required (Django 6.1). Install it, e.g. 'apt-get install python3.13' or" >&2
    echo "'pyenv install 3.13', then run this again (or set PYTHON=/path/to/python3.13)." >&2
    exit 1
  }
  echo "setup: creating .venv with $PY"
  rm -rf .venv
  "$PY" -m venv .venv
fi

stamp=.venv/.requirements.lock.sha
want=$(sha256sum requirements.lock | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: installing Python packages from requirements.lock"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip 2>/dev/null || true
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
  echo "$want" > "$stamp"
fi

# Debian packages: CJK fonts + HarfBuzz subsetting for WeasyPrint, poppler for PDF checks, Chromium for browser tests,
# HAProxy for the local cluster.
need=()
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
dpkg -s libharfbuzz-subset0 >/dev/null 2>&1 || need+=(libharfbuzz-subset0)
dpkg -s poppler-utils >/dev/null 2>&1 || need+=(poppler-utils)
[ -x /usr/bin/chromium ] || need+=(chromium)
# The local cluster (`make cluster`, the CI's cluster smoke test): HAProxy as the load balancer, curl for its probes.
command -v haproxy >/dev/null 2>&1 || need+=(haproxy)
command -v curl >/dev/null 2>&1 || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "setup: apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "setup: please install the Debian packages: ${need[*]}" >&2
  fi
fi

# Front-end assets (Bootstrap, htmx, ECharts) from the npm registry, exactly as package-lock.json pins them.
lockhash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -d node_modules ] || [ "$(cat node_modules/.lock.sha 2>/dev/null)" != "$lockhash" ]; then
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is required (apt-get install npm)" >&2; exit 1; }
  echo "setup: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lockhash" > node_modules/.lock.sha
fi
mkdir -p var
