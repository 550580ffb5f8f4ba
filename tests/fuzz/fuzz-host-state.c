/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arbitrary bytes as oomguard-host's state file (host/state.c). Besides
 * crashes, the parser and the printer must agree: whatever the parser
 * accepts prints to a text that parses to the same state and prints the
 * same again, and restoring it into a domain keeps every answer findable. */
#include <stdio.h>

#include "fuzz-common.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *copy = fuzz_copy(data, size), err[200];
        static char text[STATE_MAX_BYTES], again[STATE_MAX_BYTES];
        DomainState st, back;
        GrantDomain g;
        StatePending p;
        DomainPolicy dp = { 0 };
        int len;

        if (!copy)
                return 0;
        if (state_parse(copy, size, &st, err, sizeof(err)) == 0) {
                len = state_format(&st, text, sizeof(text));
                if (len < 0 || state_parse(text, (size_t)len, &back, err, sizeof(err)) < 0 ||
                    state_format(&back, again, sizeof(again)) != len || memcmp(text, again, (size_t)len) != 0) {
                        fprintf(stderr, "state round trip broken: %s\n", err);
                        __builtin_trap();
                }
                grant_domain_init(&g, &dp, 1);
                state_restore(&st, &g, &p, st.boot_id, 1);
                for (unsigned i = 0; i < st.n_answers; i++)
                        if (!grant_lookup(&g, st.answers[i].id))
                                __builtin_trap();
        }
        free(copy);
        return 0;
}
