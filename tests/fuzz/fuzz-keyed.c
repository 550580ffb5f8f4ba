/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/meminfo, /proc/vmstat and /proc/pressure/memory. */
#include "fuzz-common.h"
#include "kernel-parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size);
        MeminfoSample m;
        VmstatSample v;
        PsiSample p;
        ParseError e;

        if (!b)
                return 0;
        (void)parse_meminfo(b, size, &m, &e);
        (void)parse_vmstat(b, size, &v, &e);
        (void)parse_psi(b, size, &p, &e);
        free(b);
        return 0;
}
