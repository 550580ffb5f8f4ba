#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The generated oomguard.ini(5) names every key and section of the shipped
# policy, and every man page formats without a warning.
#   man-test.sh OOMGUARD GENERATED_OOMGUARD_INI_5 MAN_DIR
set -u
oomguard=$1 page=$2 mandir=$3
fail=0

policy=$("$oomguard" --print-default-policy) || { echo "oomguard --print-default-policy failed"; exit 1; }
[ -s "$page" ] || { echo "$page: missing or empty"; exit 1; }
regenerated=$("$oomguard" --print-policy-man) || { echo "oomguard --print-policy-man failed"; exit 1; }
if [ "$regenerated" != "$(cat "$page")" ]; then
    echo "$page: differs from oomguard --print-policy-man"
    fail=1
fi

# "section key" pairs, from the policy and from the page's .SS and .TP entries.
pairs=$(printf '%s\n' "$policy" | awk '/^\[/ { s = substr($1, 2, length($1) - 2) } /^[a-z_0-9]+ = / { print s, $1 }')
# (a heading may name several sections: .SS "[protect] and [prefer]")
described=$(awk '/^\.SS / { n = 0; t = $0; while (match(t, /\[[a-z_]+\]/)) {
                                 sec[++n] = substr(t, RSTART + 1, RLENGTH - 2); t = substr(t, RSTART + RLENGTH) } }
                 /^\\fB[a-z_0-9]+\\fR = / { k = $0; sub(/^\\fB/, "", k); sub(/\\fR.*/, "", k)
                                           for (i = 1; i <= n; i++) print sec[i], k }' "$page")
n=0
for pair in $(printf '%s\n' "$pairs" | tr ' ' ':'); do
    n=$((n + 1))
    printf '%s\n' "$described" | tr ' ' ':' | grep -qxF "$pair" ||
        { echo "$page: [${pair%%:*}] ${pair#*:} not described"; fail=1; }
done
[ "$n" -ge 40 ] || { echo "only $n keys in --print-default-policy?"; fail=1; }
echo "$n keys of --print-default-policy described in $page"

if command -v man >/dev/null 2>&1 && command -v groff >/dev/null 2>&1; then
    for f in "$page" "$mandir"/*.[1-8]; do
        out=$(LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$f" 2>&1 >/dev/null)
        if [ -n "$out" ]; then
            echo "$f: man warnings:"
            printf '%s\n' "$out"
            fail=1
        else
            echo "$f: formats without warnings"
        fi
    done
else
    echo "man or groff missing: formatting not checked"
fi
exit $fail
