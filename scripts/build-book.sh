#!/usr/bin/env bash
# Build the book: set up (scripts/setup.sh), execute every chapter, write the website to
# _build/html with the chapters' lecture slides (_build/html/slides/) and the book as a PDF
# (_build/html/book.pdf; scripts/setup.sh --pdf installs TeX with apt when it may).
#
#   bash scripts/build-book.sh            offline: the data policy's stand-ins (the default)
#   bash scripts/build-book.sh --online   real datasets (full MNIST, UCI concrete, PneumoniaMNIST),
#                                         downloaded once into CNN_BOOK_DATA (~/.cache/cnn-book)
#   bash scripts/build-book.sh --no-pdf   skip the PDF (no TeX needed)
# Other arguments go to `jupyter-book build` (the tests add -W -n --keep-going).
#
# Offline, Jupyter Book executes every chapter while it builds the site; the slides and the PDF
# render the committed outputs, which the tests re-compute (nbval). Online, the chapters are
# first executed in place (so the site, the slides and the PDF all show the real data: do not
# commit them), then everything is rendered from them.
set -euo pipefail
cd "$(dirname "$0")/.."

online=0
pdf=1
args=()
for arg in "$@"; do
  case "$arg" in
    --online) online=1 ;;
    --no-pdf) pdf=0 ;;
    *) args+=("$arg") ;;
  esac
done

if [ "$pdf" = 1 ]; then bash scripts/setup.sh --pdf; else bash scripts/setup.sh; fi

if [ "$online" = 1 ]; then
  unset CNN_BOOK_OFFLINE
  echo "build: online data; executing every chapter in place"
  for nb in chapters/[0-9][0-9]_*.ipynb; do
    .venv/bin/jupyter nbconvert --to notebook --execute --inplace \
      --ExecutePreprocessor.timeout=3600 "$nb"
  done
  .venv/bin/python scripts/colab_notebooks.py
  config=$(mktemp --suffix=.yml)
  sed 's/execute_notebooks: force/execute_notebooks: "off"/' _config.yml > "$config"
  .venv/bin/jupyter-book build . --builder html --all --config "$config" "${args[@]}"
  rm -f "$config"
else
  export CNN_BOOK_OFFLINE=1   # builds never touch the network: the data policy's stand-ins
  .venv/bin/jupyter-book build . --builder html --all "${args[@]}"
fi

.venv/bin/python scripts/slides.py build
if [ "$pdf" = 1 ]; then .venv/bin/python scripts/book_pdf.py; fi
echo "The site is in _build/html (open _build/html/index.html); slides in _build/html/slides/."
