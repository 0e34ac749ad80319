#!/usr/bin/env bash
# The test suite under a fake wall clock, to show that no result depends on the hour, the
# weekday or the date it runs at (issue 11). Usage:
#   scripts/test-at.sh "2026-12-06 05:00:00" [pytest arguments]     (UTC)
# faketime (Debian) shifts the clock of this process tree: pytest, the workers, the simulator
# and Tansu. Prometheus and Alertmanager are Go programs and keep the real clock; the tests
# read Prometheus' clock from Prometheus, and alert delivery writes endsAt on Alertmanager's.
set -euo pipefail
cd "$(dirname "$0")/.."
when="${1:?usage: scripts/test-at.sh 'YYYY-MM-DD HH:MM:SS' [pytest args]}"
shift
scripts/bootstrap.sh
if ! command -v faketime >/dev/null; then
  echo "test-at: apt-get install faketime"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends faketime >/dev/null
fi
export PATH="$PWD/.venv/bin:$PATH"
# An offset from the real clock, not faketime's "@time": with "@" every process starts at that
# time when it starts, so a worker started 10 minutes into the run would be 10 minutes behind
# pytest. An offset keeps every process of the run on one (fake) clock.
offset=$(( $(date -u -d "$when" +%s) - $(date -u +%s) ))
echo "== pytest at a fake wall clock: $when UTC (offset ${offset} s)"
exec faketime -f "$(printf '%+d' "$offset")" pytest -p no:cacheprovider \
  -n "${IOC_TEST_PROCESSES:-2}" --dist loadfile --durations=12 -rxX "$@"
