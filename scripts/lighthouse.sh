#!/usr/bin/env bash
# Lighthouse (npm `lighthouse`, run with Debian's Chromium, offline) on the intro and a chapter
# page of the built site, served with gzip as GitHub Pages serves it. Build the site first
# (scripts/build-book.sh). Lighthouse is installed on first use into .cache/lighthouse/ (git-ignored).
# Prints the performance and accessibility scores; the JSON reports go to _build/lighthouse/.
# Scores measured on a loaded machine are lower than on a reader's: compare runs on one machine.
# RUNS=N (default 3) audits each page N times and prints every score and the median, since
# one run on a busy machine can be off by 20 points.
set -euo pipefail
cd "$(dirname "$0")/.."
LIGHTHOUSE_VERSION=13.5.0
PORT=${PORT:-8765}
RUNS=${RUNS:-3}
PAGES=${*:-book/intro.html chapters/04_conv_layers.html}
lh=.cache/lighthouse/node_modules/.bin/lighthouse
if [ ! -x "$lh" ]; then
  npm install --silent --no-audit --no-fund --prefix .cache/lighthouse "lighthouse@$LIGHTHOUSE_VERSION"
fi
[ -f _build/html/index.html ] || { echo "no site in _build/html: run scripts/build-book.sh"; exit 1; }
.venv/bin/python scripts/serve_compressed.py _build/html "$PORT" >/dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
mkdir -p _build/lighthouse
for page in $PAGES; do
  name=$(echo "$page" | tr '/' '_' | sed 's/\.html$//')
  for run in $(seq 1 "$RUNS"); do
    "$lh" "http://127.0.0.1:$PORT/$page" --chrome-path=/usr/bin/chromium \
      --chrome-flags="--headless=new --no-sandbox --disable-gpu" \
      --only-categories=performance,accessibility --output=json \
      --output-path="_build/lighthouse/$name-$run.json" --quiet
  done
  .venv/bin/python -c "
import json, statistics, sys
runs = [json.load(open(f)) for f in sys.argv[2:]]
for key in ('performance', 'accessibility'):
    scores = [round(100 * r['categories'][key]['score']) for r in runs]
    print(sys.argv[1], key, 'median', statistics.median(scores), 'runs', scores)" \
    "$page" $(seq -f "_build/lighthouse/$name-%g.json" 1 "$RUNS")
done
