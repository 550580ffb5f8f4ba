#!/bin/bash
# systemd-analyze security of oomguard's units next to the units Debian
# ships for earlyoom, nohang and systemd-oomd (downloaded with
# apt-get download, unpacked, never installed):
#
#   tests/bench/unit-security.sh BUILD_DIR
#
# BUILD_DIR holds the generated packaging/*.service. Uses --offline=true
# (systemd 252+): the unit files are scored as written, no service runs.
# Lower is better; systemd calls under 2.0 "OK", 1.0 or less "SAFE".
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

(cd "$work" && apt-get download earlyoom nohang systemd-oomd > /dev/null 2>&1) || {
	apt-get update -qq && (cd "$work" && apt-get download earlyoom nohang systemd-oomd > /dev/null)
}
for d in "$work"/*.deb; do dpkg-deb -x "$d" "$work/x"; done

score() { # UNIT_FILE -> "N.N LABEL"
	systemd-analyze security --offline=true "$1" 2>/dev/null |
		sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p'
}
version() { dpkg-deb -f "$(ls "$work"/"$1"_*.deb)" Version; }

echo "| unit | package | exposure (systemd-analyze security) |"
echo "|---|---|---|"
for u in oomguard oomguard-agent oomguard-host; do
	echo "| $u.service | oomguard (this tree) | $(score "$build/packaging/$u.service") |"
done
echo "| earlyoom.service | earlyoom $(version earlyoom) | $(score "$work/x/lib/systemd/system/earlyoom.service") |"
echo "| nohang-desktop.service | nohang $(version nohang) | $(score "$work/x/lib/systemd/system/nohang-desktop.service") |"
echo "| systemd-oomd.service | systemd-oomd $(version systemd-oomd) | $(score "$work/x/lib/systemd/system/systemd-oomd.service") |"
