#!/usr/bin/env bash
# Installs what the test suite needs and runs all of it: system packages (Chromium for the browser
# tests, Alertmanager as a real peer) when missing, a running PostgreSQL, the Python package with
# its test extras, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
command -v prometheus-alertmanager >/dev/null 2>&1 || need_apt+=(prometheus-alertmanager)
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

python3 -m pip install -q --disable-pip-version-check -e '.[test]'
# The code stays as STYLE.md asks: ruff clean, mypy --strict clean (configured in pyproject.toml).
python3 -m ruff check --quiet src tests benchmarks
python3 -m mypy --no-error-summary
python3 -m pytest "$@"
