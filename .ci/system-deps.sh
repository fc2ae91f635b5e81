#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages the terminal and its tests need, when they are missing.
# As root it installs them with apt-get; otherwise it prints the command to run and fails.
set -euo pipefail

PACKAGES=(
  python3-venv                      # the project's virtual environment
  libzbar0                          # pyzbar, the fallback barcode decoder
  libgl1 libegl1 libxkbcommon0 libfontconfig1 libglib2.0-0 libdbus-1-3   # Qt, offscreen
  libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 xvfb xauth  # Qt on X11/Xvfb
  libpulse0                         # QtMultimedia (scan sounds)
  fonts-wqy-microhei                # Chinese glyphs for screens, receipt previews and PDFs
)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  echo "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "These system packages are missing: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
