#!/usr/bin/env sh
# Refresh the verifier page's QR decoder (jsQR, Apache-2.0) from npm: install the pinned version
# into a scratch folder, minify it with terser, and copy it with its licence into the package.
# The result is committed; nothing is fetched at run time (`make vendor-js`).
set -eu
JSQR_VERSION="${JSQR_VERSION:-1.4.0}"
TERSER_VERSION="${TERSER_VERSION:-5.51.4}"
here="$(cd "$(dirname "$0")/.." && pwd)"
dest="$here/verifier/service/static/vendor"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
npm init -y >/dev/null
npm install --no-audit --no-fund --loglevel=error "jsqr@$JSQR_VERSION" "terser@$TERSER_VERSION"
{
  printf '/*! jsQR %s | (c) Cosmo Wolfe | Apache-2.0 | https://github.com/cozmo/jsQR */\n' "$JSQR_VERSION"
  npx terser node_modules/jsqr/dist/jsQR.js --compress --mangle
} >"$dest/jsQR.min.js"
cp node_modules/jsqr/LICENSE "$dest/jsQR.LICENSE"
echo "jsQR $JSQR_VERSION -> $dest/jsQR.min.js ($(wc -c <"$dest/jsQR.min.js") bytes)"
