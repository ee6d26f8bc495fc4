#!/usr/bin/env bash
# Packs dist/Desktop CRM.app into a compressed DMG with an Applications link (macOS only).
# Usage: make_dmg.sh VERSION DIST_DIR
set -euo pipefail
version="$1"; dist="$2"
staging="$(mktemp -d)"
cp -R "$dist/Desktop CRM.app" "$staging/"
ln -s /Applications "$staging/Applications"
if [ -n "${MACOS_SIGNING_IDENTITY:-}" ]; then
  codesign --deep --force --options runtime --sign "$MACOS_SIGNING_IDENTITY" "$staging/Desktop CRM.app"
fi
hdiutil create -volname "Desktop CRM $version" -srcfolder "$staging" -ov -format UDZO \
  "$dist/DesktopCRM-$version.dmg"
rm -rf "$staging"
