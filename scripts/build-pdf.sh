#!/usr/bin/env bash
# Write the whole book as one PDF: _build/pdf/book.pdf (and _build/html/book.pdf, the file the
# site's "Book PDF" button links to, when a site has been built). The README's build command
# calls this too; on its own it is the quick way to remake only the PDF.
# TeX comes from Debian/Ubuntu packages: scripts/setup.sh --pdf installs them with apt-get as
# root (or with passwordless sudo), and otherwise stops at once with the exact command to run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --pdf
export CNN_BOOK_OFFLINE=1
exec .venv/bin/python scripts/book_pdf.py "$@"
