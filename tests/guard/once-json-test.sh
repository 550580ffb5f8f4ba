#!/bin/bash
# oomguard --once --json on every fixture tree, against the schema:
#   once-json-test.sh OOMGUARD FIXTURES_ROOTS_DIR
# Also the figures it must carry, and that the checker refuses a document
# that breaks the schema (so the check can fail).
set -uo pipefail
oomguard=$1 roots=$2
here=$(dirname "$0")
work=$(mktemp -d /tmp/oomguard-once-json.XXXXXX)
trap 'rm -rf "$work"' EXIT
failures=0
check() { # check DESCRIPTION COMMAND...
	if "${@:2}"; then echo "ok: $1"; else echo "FAIL: $1"; failures=$((failures + 1)); fi
}
: > "$work/empty.ini"
for root in "$roots"/*/; do
	name=$(basename "$root")
	"$oomguard" --once --json --root "$root" --policy "$work/empty.ini" > "$work/$name.json" 2>/dev/null
	check "$name: exit 0" test $? -eq 0
	check "$name: the schema" python3 "$here/check-schema.py" "$here/status.schema.json" "$work/$name.json"
done
get() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$@"; }
j=$work/format-5.4-balloon-384.json
check "critical at min, the zone that decided" test "$(get "$j" 'd["level"], d["deciding_zone"]["zone"]')" = "('critical', 'DMA32')"
check "the balloon request would be made" test "$(get "$j" '[a["outcome"] for a in d["actions"] if a["action"] == "balloon_deflate"]')" = "['would']"
check "the skips carry their reasons" test "$(get "$j" 'sorted(a["skip_reason"] for a in d["actions"] if a["skip_reason"])')" = "['cache_small', 'disabled', 'nothing_free']"
check "PSI and the rates are there" test "$(get "$j" 'd["figures"]["psi_full_avg10"], d["figures"]["time_to_min_ms"]')" = "(0.87, None)"
check "a 24 GiB host whose zones manage 5 GiB says so" \
	grep -q "the zones manage 5210 MiB but MemTotal is 24105 MiB" "$work/host-6.18-firecracker.json"
check "a normal guest: no actions" test "$(get "$work/host-6.18-firecracker.json" 'd["level"], d["actions"]')" = "('normal', [])"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); d["figures"]["extra"] = 1; d["zones"][0]["free_kb"] = "x"; json.dump(d, open(sys.argv[2], "w"))' "$j" "$work/broken.json"
python3 "$here/check-schema.py" "$here/status.schema.json" "$work/broken.json" > "$work/broken.out"
check "the checker refuses a document that breaks the schema" test $? -eq 1
check "... naming both faults" bash -c 'grep -q "extra is not in the schema" "$0" && grep -q "zones\[0\].free_kb" "$0"' "$work/broken.out"
[ $failures -eq 0 ]
