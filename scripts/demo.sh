#!/usr/bin/env bash
# The demo command: installs what it needs, then runs the embedded broker, a worker, the
# simulator (with the demo scenarios) and Prometheus until Ctrl-C or --duration SECONDS.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
exec .venv/bin/ioc demo "$@"
