#!/bin/bash
# Builds the Debian packages oomguard and oomguard-host from this checkout,
# working tree as it is (uncommitted edits included), into OUTDIR:
#
#   scripts/build-debs.sh [OUTDIR]      (default: build-debs/)
#
# The build runs in a copy of the tree's tracked and untracked-but-not-
# ignored files, so that dpkg-buildpackage's debian/ output, its
# obj-*/ build directory and the ../*.deb it writes stay out of the
# checkout. Installs the build dependencies first when run as root
# (scripts/install-deps.sh, plus debhelper). Prints the .deb paths.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$top/build-debs}")

if [ "$(id -u)" = 0 ]; then
	"$top/scripts/install-deps.sh"
	dpkg-query -W -f='${Status}\n' debhelper 2>/dev/null | grep -q "ok installed" ||
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q debhelper > /dev/null
fi
command -v dpkg-buildpackage > /dev/null || { echo "build-debs: no dpkg-buildpackage (apt-get install debhelper)" >&2; exit 1; }

work=$(mktemp -d /tmp/oomguard-debs.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/src"
# debian -> packaging/debian is a symlink in the tree; tar keeps it.
(cd "$top" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) |
	tar -C "$work/src" -xf -
(cd "$work/src" && dpkg-buildpackage -us -uc -b > "$work/build.log" 2>&1) || {
	tail -n 40 "$work/build.log" >&2
	echo "build-debs: dpkg-buildpackage failed (last lines above)" >&2
	exit 1
}
mkdir -p "$out"
rm -f "$out"/oomguard_*.deb "$out"/oomguard-host_*.deb
mv "$work"/oomguard_*.deb "$work"/oomguard-host_*.deb "$out"/
ls "$out"/oomguard_*.deb "$out"/oomguard-host_*.deb
