#!/usr/bin/env bash
# Copies the web page's third-party browser code from npm into services/web/static/vendor/, served at /web/vendor/:
# marked (Markdown in answer points), DOMPurify (sanitises marked's output), pdf.js (the in-page PDF preview) and, for
# the browser tests only, axe-core (accessibility). Versions are pinned by package-lock.json; `npm ci --offline` takes
# them from npm's cache, fetching only what the cache lacks (PERIMETER_NPM_OFFLINE=1: the cache only, never the network).
# The page never loads code from a CDN. Run by `make install`; the copies are not committed.
set -euo pipefail
cd "$(dirname "$0")"
mode=--prefer-offline
if [ "${PERIMETER_NPM_OFFLINE:-0}" = 1 ]; then mode=--offline; fi
npm ci "$mode" --no-audit --no-fund --loglevel=error
out=../static/vendor
rm -rf "$out" && mkdir -p "$out"
cp node_modules/marked/lib/marked.umd.js "$out/marked.js"
cp node_modules/dompurify/dist/purify.min.js "$out/purify.js"
cp node_modules/pdfjs-dist/build/pdf.min.mjs "$out/pdf.mjs"
cp node_modules/pdfjs-dist/build/pdf.worker.min.mjs "$out/pdf.worker.mjs"
cp node_modules/axe-core/axe.min.js "$out/axe.js"
for pkg in marked dompurify pdfjs-dist axe-core; do
  cp "$(find "node_modules/$pkg" -maxdepth 1 -iname 'licen[sc]e*' | head -1)" "$out/LICENSE.$pkg"
done
echo "vendored: $(ls "$out" | tr '\n' ' ')"
