#!/bin/bash
# Installs the Debian packages of scripts/build-deps.txt that are missing:
# the [build] section, and with --test the [test] section too. Quick when
# everything is there: it asks dpkg, not the network.
#   scripts/install-deps.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."

sections=build
[ "${1:-}" = --test ] && sections="build test"
mapfile -t wanted < <(awk -v want=" $sections " '
	{ sub(/#.*/, ""); gsub(/[[:space:]]/, "") }
	/^\[.*\]$/ { section = substr($0, 2, length($0) - 2); next }
	$0 != "" && index(want, " " section " ") { print }' scripts/build-deps.txt)
missing=()
for p in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "missing packages: ${missing[*]}; run as root or: sudo apt-get install ${missing[*]}" >&2
	exit 1
fi
echo "installing: ${missing[*]}" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
