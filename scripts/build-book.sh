#!/usr/bin/env bash
# Build the book: set up (scripts/setup.sh), execute every chapter, write the site to _build/html.
# Extra arguments go to `jupyter-book build` (the tests add -W -n --keep-going for a strict build).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export CNN_BOOK_OFFLINE=1   # builds never touch the network: the data policy's stand-ins are used
.venv/bin/jupyter-book build . --builder html --all "$@"
echo "The site is in _build/html (open _build/html/index.html)."
