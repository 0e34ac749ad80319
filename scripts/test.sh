#!/usr/bin/env bash
# The test command: installs what it needs, then lint, type check, unit and integration tests
# (the integration tests start the embedded broker, workers and Prometheus themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== ruff"; ruff check . && ruff format --check .
echo "== mypy"; mypy ioc streams benchmarks dashboards tests
echo "== pytest"
set +e
# Two processes, each test file in one of them (module fixtures are set up once); each has
# its own embedded broker. IOC_TEST_PROCESSES=0 runs everything in this process.
pytest -p no:cacheprovider -n "${IOC_TEST_PROCESSES:-2}" --dist loadfile --durations=12 -rxX "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: the suite is missing or mis-configured" >&2
  exit 1
fi
exit "$status"
