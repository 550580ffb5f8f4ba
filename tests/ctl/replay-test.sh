#!/bin/bash
# The decision over real captured sequences (tests/fixtures/sequences, from
# a 6.1 guest under TCG), through oomguardctl replay:
#   replay-test.sh OOMGUARDCTL SEQUENCES_DIR
# rising-pressure: a hog takes the guest to its min watermark at 100 MiB/s
#   until the kernel kills it: the guard must reach act from the predicted
#   time to min at least 5 s before headroom falls under the act threshold,
#   and be back to normal at the end;
# balloon-inflation: the host inflates the balloon by 384 MiB and deflates
#   it: the guard must ask for memory back while the balloon grows, ask
#   again once it has grown past the first request, and never plan a kill;
# fragmentation: free memory ends up in small blocks; with order = 9 the
#   guard must compact where no order-9 block is left, and only there.
set -uo pipefail
ctl=$1 seqs=$2
failures=0
check() { # DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$ctl" replay "$seqs/rising-pressure" > "$work/rising" || exit 1
# seconds of the first snapshot at act/critical, and of the first with
# headroom above min under 64 MiB (act_headroom_min_kb)
t_act=$(awk '$3 == "act" || $3 == "critical" { sub("s", "", $2); print $2; exit }' "$work/rising")
t_low=$(awk '$5 == "min" && $6 + 0 < 64 { sub("s", "", $2); print $2; exit }' "$work/rising")
check "rising pressure: act from the time to min ($t_act s) >= 5 s before headroom < 64 MiB ($t_low s)" \
	awk -v a="$t_act" -v l="$t_low" 'BEGIN { exit !(a != "" && l != "" && l - a >= 5) }'
check "rising pressure: act first by time_to_min" \
	bash -c 'awk '\''$3 == "act" { print $4; exit }'\'' "$0" | grep -qx time_to_min' "$work/rising"
check "rising pressure: back to normal at the end" bash -c 'tail -n 1 "$0" | grep -q " normal "' "$work/rising"

"$ctl" replay "$seqs/balloon-inflation" > "$work/balloon" || exit 1
requests=$(grep -c -- '-> .*balloon_deflate' "$work/balloon")
first=$(grep -m 1 -- '-> .*balloon_deflate' "$work/balloon")
check "balloon inflation: asks while the balloon grows ($requests requests)" test "$requests" -ge 2
held=$(awk '{ for (i = 1; i <= NF; i++) if ($i == "balloon") print $(i + 1) }' <<<"$first")
asked=$(sed -n 's/.*balloon_deflate(\([0-9]*\) MiB).*/\1/p' <<<"$first")
check "balloon inflation: the first request ($asked MiB) is at most what the balloon held ($held MiB)" \
	awk -v a="$asked" -v h="$held" 'BEGIN { exit !(a != "" && a <= h + 0.5) }'
check "balloon inflation: no kill planned" bash -c '! grep -q "kill" "$0"' "$work/balloon"

printf '[levels]\norder = 9\n' > "$work/order9.ini"
"$ctl" replay --policy "$work/order9.ini" "$seqs/fragmentation" > "$work/frag9" || exit 1
"$ctl" replay "$seqs/fragmentation" > "$work/frag3" || exit 1
check "fragmentation, order 9: compacts where order 9 is gone" grep -q 'order-fail -> compact' "$work/frag9"
check "fragmentation, order 9: only there" \
	bash -c '! grep -- "-> .*compact" "$0" | grep -vq order-fail' "$work/frag9"
check "fragmentation, order 3: blocks of order 3+ remain, no compaction" bash -c '! grep -q compact "$0"' "$work/frag3"

[ $failures -eq 0 ]
