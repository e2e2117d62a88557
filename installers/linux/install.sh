#!/usr/bin/env bash
# Install the one-folder app built by installers/build-linux.sh for the current user (or under PREFIX), with its
# launcher, icons and AppStream metadata, so that it appears in the desktop's application menu.
#
# Usage: installers/linux/install.sh [BUNDLE_FOLDER]   (default: dist/mediarec)
#        PREFIX=/usr/local installers/linux/install.sh  (system-wide; run as root)
#        installers/linux/install.sh --uninstall
# Installs: PREFIX/lib/mediarec/ (the bundle), PREFIX/bin/mediarec (a link to it), the .desktop file, the icons
# (hicolor theme) and the metainfo. The library itself (database, thumbnails, models) is never touched.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
prefix="${PREFIX:-$HOME/.local}"
app_id=org.mediarec.MediaRec
share="$prefix/share"

if [ "${1:-}" = "--uninstall" ]; then
  rm -rf "$prefix/lib/mediarec"
  rm -f "$prefix/bin/mediarec" "$share/applications/$app_id.desktop" "$share/metainfo/$app_id.metainfo.xml"
  rm -f "$share"/icons/hicolor/*/apps/"$app_id".png "$share/icons/hicolor/scalable/apps/$app_id.svg"
  echo "mediarec removed from $prefix (your library is kept; see the README's Install section for where it is)"
  exit 0
fi

bundle="${1:-$root/dist/mediarec}"
if [ ! -x "$bundle/mediarec" ]; then
  echo "No built app in $bundle: run installers/build-linux.sh first." >&2
  exit 1
fi
mkdir -p "$prefix/lib" "$prefix/bin" "$share/applications" "$share/metainfo"
rm -rf "$prefix/lib/mediarec.new"
cp -a "$bundle" "$prefix/lib/mediarec.new"  # copied beside, then swapped, so a failed copy leaves the old one
rm -rf "$prefix/lib/mediarec"
mv "$prefix/lib/mediarec.new" "$prefix/lib/mediarec"
ln -sfn "$prefix/lib/mediarec/mediarec" "$prefix/bin/mediarec"
# The launcher names the program by its full path: a desktop session's PATH often lacks ~/.local/bin.
sed -e "s|^Exec=mediarec|Exec=$prefix/bin/mediarec|" -e "s|^TryExec=mediarec|TryExec=$prefix/bin/mediarec|" \
  "$here/$app_id.desktop" > "$share/applications/$app_id.desktop"
install -m 644 "$here/$app_id.metainfo.xml" "$share/metainfo/$app_id.metainfo.xml"
for png in "$root"/resources/icons/png/mediarec-*.png; do
  size="${png##*-}"
  size="${size%.png}"
  install -D -m 644 "$png" "$share/icons/hicolor/${size}x${size}/apps/$app_id.png"
done
install -D -m 644 "$root/resources/icons/mediarec.svg" "$share/icons/hicolor/scalable/apps/$app_id.svg"
command -v update-desktop-database >/dev/null && update-desktop-database -q "$share/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q -t "$share/icons/hicolor" || true
echo "mediarec installed in $prefix/lib/mediarec; run it from the application menu or as $prefix/bin/mediarec"
case ":$PATH:" in *":$prefix/bin:"*) ;; *) echo "($prefix/bin is not on your PATH)";; esac
