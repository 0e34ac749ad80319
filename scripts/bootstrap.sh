#!/usr/bin/env bash
# Install what the demo and the tests need on a fresh Debian machine: a virtualenv with the
# project, and Prometheus + Alertmanager from Debian's packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v prometheus >/dev/null || need_apt+=(prometheus)
command -v promtool >/dev/null || need_apt+=(prometheus)
command -v prometheus-alertmanager >/dev/null || need_apt+=(prometheus-alertmanager)
# The report's test turns its PDF into PNG pages (pdftoppm).
command -v pdftoppm >/dev/null || need_apt+=(poppler-utils)
if ((${#need_apt[@]})); then
  if [ "$(id -u)" -ne 0 ]; then
    echo "bootstrap: need ${need_apt[*]} from Debian: run as root or apt-get install them" >&2
    exit 1
  fi
  echo "bootstrap: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "bootstrap: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "bootstrap: pip install -e .[dev]"
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null
  # grafana-client's niquests brings urllib3-future, whose wheel overwrites urllib3 itself
  # (a .pth rewrites it at every start) and breaks requests' users (schemathesis). Built
  # from source with URLLIB3_NO_OVERRIDE it lives beside urllib3 as urllib3_future.
  URLLIB3_NO_OVERRIDE=1 .venv/bin/python -m pip install -q --no-binary urllib3-future -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
