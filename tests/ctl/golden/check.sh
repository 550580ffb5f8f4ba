#!/bin/sh
# check.sh GOLDEN [--json] [--status N] -- CMD...: runs CMD and diffs its
# stdout with GOLDEN; with --json the output must also parse as JSON; CMD
# must exit with N (default 0). Golden files are rewritten only by
# `ninja -C build update-golden`, never by a test.
set -eu
golden=$1; shift
json=no
status=0
if [ "$1" = --json ]; then json=yes; shift; fi
if [ "$1" = --status ]; then status=$2; shift 2; fi
[ "$1" = -- ] && shift
rc=0
out=$("$@") || rc=$?
if [ "$rc" -ne "$status" ]; then
	echo "exit status $rc, expected $status: $*" >&2
	exit 1
fi
if [ "$json" = yes ]; then
	# one JSON object per line (explain prints one per report)
	printf '%s\n' "$out" | python3 -c 'import json, sys
for line in sys.stdin:
    if line.strip():
        json.loads(line)' || {
		echo "not valid JSON: $*" >&2; exit 1; }
fi
# no output (explain --json on a page without a report) is an empty golden
if [ -z "$out" ]; then
	diff -u "$golden" /dev/null && echo "ok: $golden"
else
	printf '%s\n' "$out" | diff -u "$golden" - && echo "ok: $golden"
fi
