#!/usr/bin/env bash
# Installs the unpacked bundle for the current user: a launcher in ~/.local/bin and a menu entry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mkdir -p "$HOME/.local/bin" "$HOME/.local/share/applications" "$HOME/.local/share/icons/hicolor/512x512/apps"
ln -sf "$here/desktop-crm" "$HOME/.local/bin/desktop-crm"
sed "s|^Exec=.*|Exec=$here/desktop-crm|" "$here/desktop-crm.desktop" > "$HOME/.local/share/applications/desktop-crm.desktop"
cp "$here/desktop-crm.png" "$HOME/.local/share/icons/hicolor/512x512/apps/desktop-crm.png"
echo "Desktop CRM installed: run 'desktop-crm' or open it from the applications menu."
