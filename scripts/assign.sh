#!/usr/bin/env bash
# For instructors: turn every chapter (or the ones named) into a student assignment and an
# autograder. Writes dist/student/ (hand out) and dist/autograder/ (keep private).
#   bash scripts/assign.sh                  # every chapter
#   bash scripts/assign.sh 03_convolution   # one chapter
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python scripts/make_assignments.py "$@"
