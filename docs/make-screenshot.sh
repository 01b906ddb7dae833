#!/bin/sh
# Makes docs/comment.png: the bundled example's report as a pull-request comment, rendered with
# GitHub-flavoured Markdown (micromark + GFM, a devDependency) and docs/comment.css, then
# screenshot by headless Chromium (Debian: apt-get install chromium fonts-noto-color-emoji).
# Run by hand from anywhere; not run by the tests.
set -eu
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
npm run build
./node_modules/.bin/node dist/cli.js check --policy-file examples/policy.yaml --attestors examples/attestors.json \
  --attestations examples/attestations.json --format markdown --fail-on never examples/manifests > "$work/comment.md"
./node_modules/.bin/node docs/render-comment.mjs < "$work/comment.md" > "$work/comment.html"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --disable-sync --no-first-run --hide-scrollbars --user-data-dir="$work/profile" \
  --screenshot="$PWD/docs/comment.png" --window-size=900,1200 "file://$work/comment.html"
