#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The real oomguard-host in QMP mode against a fake QEMU (fake-qemu.py):
# resync, malformed input, a grant, a repeated id after a reconnect, a rate
# refusal, the metrics file and --check-policy's errors.
#   qmp-relay-test.sh OOMGUARD_HOST FAKE_QEMU_PY
set -euo pipefail
host=$1
fake=$2
command -v python3 >/dev/null || exit 77

dir=$(mktemp -d)
fake_pid= relay_pid=
cleanup() {
	[ -n "$relay_pid" ] && kill "$relay_pid" 2>/dev/null || true
	[ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; echo "--- relay log"; cat "$dir/relay.log" || true; exit 1; }

mkdir "$dir/proc"
printf 'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    8000000 kB\n' >"$dir/proc/meminfo"
cat >"$dir/host.ini" <<INI
[host]
floor_available_mb = 100
release_below_mb = 0
metrics_path = $dir/metrics.prom
metrics_interval_s = 1
[defaults]
step_mb = 64
rate_s = 10
INI

# --check-policy: the shipped defaults pass, errors name file, line and key.
"$host" --check-policy --policy "$dir/host.ini" || fail "--check-policy rejected a valid file"
printf '[host]\n\nfloor_availabel_mb = 1\n' >"$dir/bad.ini"
if "$host" --check-policy --policy "$dir/bad.ini" 2>"$dir/check.err"; then fail "--check-policy accepted an unknown key"; fi
grep -q "bad.ini:3: \[host\] floor_availabel_mb: unknown key" "$dir/check.err" || fail "error text: $(cat "$dir/check.err")"

python3 "$fake" "$dir" >"$dir/fake.log" 2>&1 &
fake_pid=$!
for _ in $(seq 50); do [ -S "$dir/channel.sock" ] && break; sleep 0.1; done
[ -S "$dir/channel.sock" ] || fail "fake QEMU did not start"

start=$(date +%s.%N)
"$host" --qmp "$dir/qmp.sock" --channel "$dir/channel.sock" --name testvm --policy "$dir/host.ini" \
	--proc "$dir/proc" --state-dir "$dir/state" --verbose >"$dir/relay.log" 2>&1 &
relay_pid=$!

status=0
wait "$fake_pid" || status=$?
fake_pid=
cat "$dir/fake.log"
[ "$status" = 0 ] || fail "fake QEMU reported failures"
echo "script done in $(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo '?') s"

kill -TERM "$relay_pid"
status=0
wait "$relay_pid" || status=$?
relay_pid=
[ "$status" = 0 ] || fail "oomguard-host exited $status on SIGTERM"

m=$dir/metrics.prom
[ -f "$m" ] || fail "no metrics file"
cat "$m"
grep -qx 'oomguard_host_grants_total{domain="testvm"} 1' "$m" || fail "grants_total"
grep -qx 'oomguard_host_refusals_total{domain="testvm",reason="rate-limit"} 1' "$m" || fail "refusals_total"
grep -qx 'oomguard_host_level{domain="testvm"} 2' "$m" || fail "level"
grep -qx 'oomguard_host_balloon_kb{domain="testvm"} 851968' "$m" || fail "balloon_kb"
grep -qE '^oomguard_host_malformed_total\{domain="testvm",kind="malformed"\} [2-9]' "$m" || fail "malformed_total"
[ ! -e "$m.tmp" ] || fail "temporary metrics file left behind"
grep -q "request 1 granted 65536 kB" "$dir/relay.log" || fail "grant not logged"
echo "--- relay log"
cat "$dir/relay.log"
