#!/usr/bin/env bash
# Write the whole book as one PDF: _build/pdf/book.pdf (and _build/html/book.pdf, the file the
# site's "Book PDF" button links to, when a site has been built).
#   bash scripts/build-pdf.sh              set up, then build the PDF
#   bash scripts/build-pdf.sh --setup-only only check for (and install) the TeX packages
# TeX comes from Debian/Ubuntu packages: as root (or with passwordless sudo) this installs what
# is missing with apt-get; otherwise it stops at once with the exact command to run.
set -euo pipefail
cd "$(dirname "$0")/.."

TEX_PACKAGES="texlive-xetex texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended latexmk fonts-freefont-otf lmodern poppler-utils"
missing=()
command -v xelatex >/dev/null 2>&1 || missing+=(xelatex)
command -v latexmk >/dev/null 2>&1 || missing+=(latexmk)
command -v pdftotext >/dev/null 2>&1 || missing+=(pdftotext)
kpsewhich fncychap.sty >/dev/null 2>&1 || missing+=(texlive-latex-extra)
[ -e /usr/share/fonts/opentype/freefont/FreeSerif.otf ] || missing+=(FreeSerif)
if [ ${#missing[@]} -gt 0 ]; then
  cmd="apt-get update && apt-get install -y --no-install-recommends $TEX_PACKAGES"
  if [ "$(id -u)" = 0 ]; then sudo=""; elif sudo -n true 2>/dev/null; then sudo="sudo"; else
    echo "build-pdf: missing ${missing[*]}; install the TeX packages first (as root):" >&2
    echo "  $cmd" >&2
    exit 1
  fi
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "build-pdf: missing ${missing[*]}; this is not a Debian/Ubuntu system: install" >&2
    echo "  XeLaTeX, latexmk, the LaTeX extra packages, the FreeFont fonts and poppler-utils" >&2
    exit 1
  fi
  echo "build-pdf: installing TeX with apt-get (missing: ${missing[*]}; about 2 minutes)"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  # shellcheck disable=SC2086
  $sudo apt-get install -y -qq --no-install-recommends $TEX_PACKAGES >/dev/null
fi
[ "${1:-}" = "--setup-only" ] && exit 0

bash scripts/setup.sh
export CNN_BOOK_OFFLINE=1
exec .venv/bin/python scripts/book_pdf.py "$@"
