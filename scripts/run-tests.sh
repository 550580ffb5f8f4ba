#!/bin/bash
# Quick start, part two: installs what is missing, builds, and runs every
# test: the unit, golden, replay and daemon suites in a plain -Werror build
# and again under ASan+UBSan, every libFuzzer target for a while, and the
# end-to-end tests in QEMU (TCG) guests with an inflated balloon, the Debian
# packages built and installed with dpkg in one.
# Ends with one line "N passed, M failed" and exits non-zero if M > 0.
#   scripts/run-tests.sh
#   FUZZ_SECONDS=5 VM_TESTS=0 scripts/run-tests.sh     quicker, no VM
set -uo pipefail
cd "$(dirname "$0")/.."
fuzz_seconds=${FUZZ_SECONDS:-20}
vm_tests=${VM_TESTS:-1}
passed=0
failed=0

scripts/install-deps.sh --test || exit 1

section() { printf '\n=== %s\n' "$*"; }

setup() { # DIR [meson options...]: set up, or reconfigure an existing build
	local dir=$1
	shift
	if [ -f "$dir/build.ninja" ]; then
		meson configure "$dir" "$@" >/dev/null
	else
		meson setup "$dir" "$@" >/dev/null
	fi
}

# meson_suite DIR [env...]: builds and tests, then counts meson's results.
meson_suite() {
	local dir=$1 counts
	shift
	if ! ninja -C "$dir"; then
		failed=$((failed + 1))
		return
	fi
	env "$@" meson test -C "$dir" --print-errorlogs
	counts=$(python3 - "$dir/meson-logs/testlog.json" <<'PY'
import json, sys
ok = bad = 0
for line in open(sys.argv[1]):
    r = json.loads(line)["result"]
    if r in ("OK", "EXPECTEDFAIL", "SKIP"):
        ok += 1
    else:
        bad += 1
print(ok, bad)
PY
)
	passed=$((passed + ${counts% *}))
	failed=$((failed + ${counts#* }))
}

# step NAME CMD...: one more passed or failed test; returns 1 if it failed.
step() {
	local name=$1
	shift
	if "$@"; then
		passed=$((passed + 1))
	else
		echo "FAILED: $name" >&2
		failed=$((failed + 1))
		return 1
	fi
}

section "build (gcc, -Werror) and unit + golden tests"
setup build -Dwerror=true -Dtests=true
meson_suite build

section "the same under AddressSanitizer and UndefinedBehaviorSanitizer"
setup build-asan -Dwerror=true -Dtests=true -Db_sanitize=address,undefined -Db_lundef=false
meson_suite build-asan ASAN_OPTIONS=detect_leaks=1

section "libFuzzer targets, ${fuzz_seconds} s each"
step "libFuzzer targets" scripts/run-fuzzers.sh "$fuzz_seconds"

if [ "$vm_tests" = 1 ]; then
	section "oomguardctl zones inside a TCG guest with an inflated balloon"
	step "zones in a TCG guest" tests/vm/zones-in-guest.sh build
	section "the guard in a Debian 12 guest: journald records, oom_score_adj steering"
	step "guard in a Debian guest" tests/vm/guard-in-guest.sh build
	section "guard, agent and host relay (QMP mode) in a Debian 12 guest: the balloon deflates on request"
	step "relay in a Debian guest" tests/vm/relay-in-guest.sh build
	section "the Debian packages, built with dpkg-buildpackage"
	if step "Debian packages" scripts/build-debs.sh build-debs; then
		for scenario in squeeze norelay leak twobursts flatout pod-limit; do
			section "end to end, the package installed with dpkg in a Debian 12 guest: $scenario"
			step "e2e $scenario" tests/vm/e2e.sh "$scenario" build-debs
		done
	fi
fi

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
