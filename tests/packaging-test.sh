#!/bin/bash
# The Debian maintainer scripts agree with the files they stand in for: the
# preinst creates the agent's user with exactly the line of
# packaging/oomguard-agent.sysusers (it runs before that file is unpacked).
#   tests/packaging-test.sh PACKAGING_DIR
set -euo pipefail
dir=$1
want=$(grep -v '^#' "$dir/oomguard-agent.sysusers" | grep -v '^$')
got=$(sed -n "s/^.*printf '%s\\\\n' '\(.*\)' | systemd-sysusers.*$/\1/p" "$dir/debian/oomguard.preinst")
if [ "$want" != "$got" ]; then
	echo "FAIL: oomguard.preinst creates '$got', oomguard-agent.sysusers says '$want'" >&2
	exit 1
fi
echo "ok: oomguard.preinst and oomguard-agent.sysusers agree: $want"
