/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.ini: the parser never crashes, and every policy it accepts dumps
 * (oomguard --check-policy, with and without the comments) to a text that
 * parses back to the same Policy: parser and printer agree on every value
 * the parser accepts. */
#include <stdio.h>

#include "fuzz-common.h"
#include "policy-dump.h"
#include "policy.h"

static Policy p, q;

static char *dump(const Policy *policy, bool comments)
{
        char *text = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&text, &n);

        if (!f)
                return NULL;
        policy_dump(f, policy, comments);
        fclose(f);
        return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        ConfigErrors e;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (policy_parse(text, &p, &e) == 0) {
                for (int comments = 0; comments < 2; comments++) {
                        char *d = dump(&p, comments);

                        if (!d)
                                continue;
                        if (policy_parse(d, &q, &e) != 0 || memcmp(&p, &q, sizeof(p)) != 0) {
                                fprintf(stderr, "round trip broken (line %u: %s) by the dump:\n%s\n", e.n ? e.e[0].line : 0,
                                        e.n ? e.e[0].message : "parsed to another policy", d);
                                __builtin_trap();
                        }
                        free(d);
                }
        }
        free(text);
        return 0;
}
