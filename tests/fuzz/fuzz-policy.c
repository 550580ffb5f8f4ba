/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.ini: whatever parses must dump and parse back to the same policy. */
#include <stdio.h>

#include "fuzz-common.h"
#include "policy-dump.h"
#include "policy.h"

static Policy p, q;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *text = malloc(size + 1);
        ConfigErrors e;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (policy_parse(text, &p, &e) == 0) {
                char *dump = NULL;
                size_t n = 0;
                FILE *f = open_memstream(&dump, &n);

                if (f) {
                        policy_dump(f, &p, true);
                        fclose(f);
                        if (policy_parse(dump, &q, &e) != 0 || memcmp(&p, &q, sizeof(p)) != 0)
                                __builtin_trap();
                        free(dump);
                }
        }
        free(text);
        return 0;
}
