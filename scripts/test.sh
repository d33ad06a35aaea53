#!/usr/bin/env bash
# Installs what the test suite needs and runs all of it: system packages (Chromium for the browser
# tests, Alertmanager and Prometheus as real peers) when missing, a running PostgreSQL, the project's
# own virtual environment (.venv) with the test extras, then ruff, mypy --strict and pytest.
# Arguments go to pytest (after `-n auto`). FIREBREAK_FRESH_VENV=1 rebuilds .venv from nothing first.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
command -v prometheus >/dev/null 2>&1 || need_apt+=(prometheus)
if [ ${#need_apt[@]} -gt 0 ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "installing system packages: ${need_apt[*]}" >&2
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

# PostgreSQL: the machine's server; start it when it is down.
if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
fi

# A virtual environment of the project's own: works where the system Python refuses global
# installs (PEP 668), and keeps packages left on the machine out of the run.
if [ "${FIREBREAK_FRESH_VENV:-0}" = 1 ]; then rm -rf .venv; fi
[ -x .venv/bin/python ] || python3 -m venv .venv
py=.venv/bin/python
"$py" -m pip install -q --disable-pip-version-check --upgrade pip
"$py" -m pip install -q --disable-pip-version-check -e '.[test]'
"$py" -m pip list --disable-pip-version-check 2>/dev/null \
  | grep -iE '^(pytest|pytest-xdist|schemathesis|hypothesis|playwright|mypy|ruff|fastapi|starlette|sqlalchemy|pydantic) ' \
  | tr -s ' ' | paste -sd ';' | sed 's/^/versions: /' >&2 || true
# The code stays as STYLE.md asks: ruff clean, mypy --strict clean (configured in pyproject.toml).
"$py" -m ruff check --quiet src tests benchmarks
"$py" -m mypy --no-error-summary
# Every test, on all cores (pytest-xdist); `-m "not slow"` gives the fast lane, `-n 0` one process.
"$py" -m pytest -n auto "$@"
