#!/bin/sh
# check.sh GOLDEN [--json] -- CMD...: runs CMD and diffs its stdout with
# GOLDEN; with --json the output must also parse as JSON. Golden files are
# rewritten only by `ninja -C build update-golden`, never by a test.
set -eu
golden=$1; shift
json=no
if [ "$1" = --json ]; then json=yes; shift; fi
[ "$1" = -- ] && shift
out=$("$@")
if [ "$json" = yes ]; then
	# one JSON object per line (explain prints one per report)
	printf '%s\n' "$out" | python3 -c 'import json, sys
for line in sys.stdin:
    if line.strip():
        json.loads(line)' || {
		echo "not valid JSON: $*" >&2; exit 1; }
fi
printf '%s\n' "$out" | diff -u "$golden" - && echo "ok: $golden"
