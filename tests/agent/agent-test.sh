#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The real oomguard-agent between a fake host and fake guards:
#   agent-test.sh OOMGUARD_AGENT AGENT_PEER_PY
set -eu
command -v python3 >/dev/null || { echo "python3 missing: skipped"; exit 77; }
exec python3 "$2" "$1"
