#!/bin/sh
# Rewrites the golden files from the current oomguardctl. Review the diff!
set -eu
ctl=$1 roots=$2 dir=$3; shift 3
for t in "$@"; do
	"$ctl" zones --root "$roots/$t" > "$dir/zones-$t.txt"
	"$ctl" zones --json --root "$roots/$t" > "$dir/zones-$t.json"
done
for q in rising-pressure balloon-inflation fragmentation; do
	"$ctl" replay "$roots/../sequences/$q" > "$dir/replay-$q.txt"
done
for log in "$roots"/../oom-reports*/*.log; do
	name=$(basename "$log" .log)
	# 3: no report in the file, which a golden records too
	"$ctl" explain "$log" > "$dir/explain/$name.txt" || [ $? -eq 3 ]
	"$ctl" explain --json "$log" > "$dir/explain/$name.json" || [ $? -eq 3 ]
done
echo "golden files rewritten in $dir: review with git diff"
