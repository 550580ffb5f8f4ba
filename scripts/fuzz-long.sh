#!/bin/bash
# Every libFuzzer target for MINUTES each (default 10), outside CI, with the
# build and the seeds of scripts/run-fuzzers.sh; prints per target the
# executions, the coverage and whether it found anything, and a summary
# line. A crash leaves crash-* in build-fuzz/ and makes the script fail.
#   scripts/fuzz-long.sh [MINUTES [TARGET...]]
# Example: scripts/fuzz-long.sh 10 fuzz-host-session fuzz-host-state
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-10}
shift || true
case $minutes in ''|*[!0-9]*) echo "MINUTES must be a whole number" >&2; exit 2 ;; esac
start=$(date +%s)
status=0
scripts/run-fuzzers.sh $((minutes * 60)) "$@" || status=$?
echo "fuzz-long: ${minutes} min per target, $(( $(date +%s) - start )) s in all, $([ $status = 0 ] && echo "no crash" || echo "FAILED")"
exit $status
