#!/usr/bin/env bash
# Run every test: set up (scripts/setup.sh), then one pytest run with the unit tests, nbval over
# every chapter (strict mode, tests/nbval_sanitize.cfg), the strict site build and the browser
# tests. Extra arguments go to pytest instead of the default selection (e.g. `tests/unit -x`).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build-pdf.sh --setup-only   # TeX for the PDF test (apt, when permitted)
export CNN_BOOK_OFFLINE=1
if [ $# -eq 0 ]; then
  # docstring examples of the helpers, the tests, then every chapter under nbval
  set -- --doctest-modules src/helpers tests chapters
fi
exec .venv/bin/python -m pytest --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg \
  --nbval-cell-timeout=600 "$@"
