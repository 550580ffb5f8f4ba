#!/bin/bash
# Peak RSS of `oomguardctl explain -` reading a pipe, at two input sizes:
#   tests/ctl/explain-stdin-rss.sh OOMGUARDCTL [SMALL_MIB] [LARGE_MIB] [RUNS]
# The input is other log lines with every report of tests/fixtures/oom-reports/
# inserted every ~8 MiB, fed through a pipe (no file to map). Reading in
# bounded pieces, the peak must not follow the input: the script prints the
# median peak of RUNS runs at each size and their ratio, and fails when the
# large input's peak exceeds the small one's by more than 16 MiB.
set -euo pipefail
ctl=$(realpath "$1")
small=${2:-20}
large=${3:-200}
runs=${4:-3}
here=$(cd "$(dirname "$0")/../.." && pwd)
filler=$(mktemp /tmp/oomguard-rss-filler.XXXXXX)
trap 'rm -f "$filler"' EXIT

# about one MiB of ordinary kernel lines
awk 'BEGIN { for (i = 0; i < 11600; i++)
	printf "Dec  3 10:%02d:%02d vm kernel: [%d.%06d] e1000: eth0 NIC Link is Up 1000 Mbps Full Duplex\n",
		i % 60, i * 7 % 60, i, i * 977 % 1000000 }' > "$filler"

# MIB of input on stdout: filler, and a real report every 8 MiB
feed() {
	local mib=$1 k=0 reports=("$here"/tests/fixtures/oom-reports/*.log)

	for ((m = 0; m < mib; m++)); do
		cat "$filler"
		if ((m % 8 == 7)); then
			cat "${reports[k % ${#reports[@]}]}"
			k=$((k + 1))
		fi
	done
}

peak_kib() {
	local mib=$1 out

	out=$(mktemp)
	feed "$mib" | /usr/bin/time -f '%M' -o "$out" "$ctl" explain - > /dev/null || [ $? -eq 3 ]
	cat "$out"
	rm -f "$out"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

small_kib=$(for ((r = 0; r < runs; r++)); do peak_kib "$small"; done | median)
large_kib=$(for ((r = 0; r < runs; r++)); do peak_kib "$large"; done | median)
echo "explain - on ${small} MiB: peak RSS $((small_kib / 1024)) MiB (${small_kib} KiB), median of $runs"
echo "explain - on ${large} MiB: peak RSS $((large_kib / 1024)) MiB (${large_kib} KiB), median of $runs"
awk -v s="$small_kib" -v l="$large_kib" 'BEGIN { printf "ratio large/small: %.2f\n", l / s }'
if ((large_kib > small_kib + 16384)); then
	echo "FAIL: peak RSS grows with the input" >&2
	exit 1
fi
