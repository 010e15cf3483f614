#!/usr/bin/env bash
# Vendors the dashboard's chart library from the npm registry into the service's static
# directory (the page loads nothing from the internet). The copy is committed; run this only
# to change the version: deploy/chart_assets.sh [VERSION]
set -euo pipefail
VERSION=${1:-4.6.1}
HERE=$(cd "$(dirname "$0")/.." && pwd)
DEST=$HERE/services/dashboard/static/vendor
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
(cd "$WORK" && npm pack --silent "chart.js@$VERSION" >/dev/null)
tar -xzf "$WORK"/chart.js-*.tgz -C "$WORK"
mkdir -p "$DEST"
cp "$WORK/package/dist/chart.umd.min.js" "$DEST/chart.umd.min.js"
cp "$WORK/package/LICENSE.md" "$DEST/chart.js.LICENSE.md"
echo "chart.js $VERSION -> $DEST" >&2
