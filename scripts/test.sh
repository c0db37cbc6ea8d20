#!/usr/bin/env bash
# Run every test: set up (scripts/setup.sh --tests: the system packages, Chromium included, and
# .venv), then one pytest run with the unit tests, nbval over every chapter (strict mode,
# tests/nbval_sanitize.cfg), the strict site build and the browser tests. nbval runs over the
# chapters twice: with this machine's math kernels, and in the background with another kernel
# family (tests/notebooks/test_other_kernels.py, the run's last test). Extra arguments go to
# pytest instead of the default selection (e.g. `tests/unit -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests
export CNN_BOOK_OFFLINE=1
if [ $# -eq 0 ]; then
  # docstring examples of the helpers, the tests, then every chapter under nbval
  set -- --doctest-modules src/helpers tests chapters
fi
exec .venv/bin/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
  --nbval-cell-timeout=600 "$@"
