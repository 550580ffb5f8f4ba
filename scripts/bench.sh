#!/bin/bash
# Sampling cost: median time per sample (parse + model) and instructions per
# sample under callgrind, for each fixture tree named (default: the 6.18
# development machine and the 6.1 TCG guest).
#   scripts/bench.sh [TREE...]
# Instructions are counted as (run of 1001 samples - run of 1 sample) / 1000,
# so start-up work drops out; callgrind counts are repeatable, times are not.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
[ -f "$build/build.ninja" ] || meson setup "$build" >/dev/null
ninja -C "$build" tests/bench/bench-sample >/dev/null
bench=$build/tests/bench/bench-sample
[ $# -gt 0 ] || set -- host-6.18-firecracker tcg-6.1-balloon-384

instructions() { # TREE VARIANT ITERATIONS
	valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bench" --runs 1 --only "$2" \
		--iterations "$3" "tests/fixtures/roots/$1" 2>&1 >/dev/null |
		awk '/refs:/ { gsub(",", "", $NF); print $NF }'
}

for t in "$@"; do
	echo "== $t"
	"$bench" --runs 7 --iterations 20000 "tests/fixtures/roots/$t"
	if command -v valgrind >/dev/null; then
		for v in 0 1; do
			a=$(instructions "$t" $v 1)
			b=$(instructions "$t" $v 1001)
			echo "variant $v: $(( (b - a) / 1000 )) instructions per sample (callgrind)"
		done
	fi
done
