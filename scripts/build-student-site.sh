#!/usr/bin/env bash
# For instructors: build the website without any solution into _build/html-student.
# Extra arguments go to `jupyter-book build` (the tests add -W -n --keep-going).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CNN_BOOK_OFFLINE=1
exec .venv/bin/python scripts/student_site.py "$@"
