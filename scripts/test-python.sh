#!/usr/bin/env bash
# Runs the training package's tests with Debian's system python3 (python3-torch from apt).
set -euo pipefail
cd "$(dirname "$0")/../training"
PY=/usr/bin/python3
if ! "$PY" -c 'import torch, numpy, pytest' 2>/dev/null; then
  echo "test:python: Debian's python3-torch, python3-numpy and python3-pytest are needed (see README)." >&2
  exit 1
fi
if ! "$PY" -m flake8 --version >/dev/null 2>&1; then
  echo "test:python: Debian's python3-flake8 is needed (see README)." >&2
  exit 1
fi
# lint first (training/.flake8), then the tests
"$PY" -m flake8
exec "$PY" -m pytest -q -p no:cacheprovider tests
