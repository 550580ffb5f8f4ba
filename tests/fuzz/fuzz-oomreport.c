/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kernel log text through the OOM report parser and the explanation: any
 * bytes, any mix of reports, never a crash or a read past the end. The same
 * bytes fed to the streaming parser in pieces (explain reading a pipe) give
 * the same reports. */
#include <stdio.h>

#include "explain-render.h"
#include "explain.h"
#include "fuzz-common.h"
#include "oomreport-parse.h"

static Explanation x;

static int each(const OomReport *r, void *userdata)
{
        FILE *null = userdata;

        explain(r, &x);
        explain_render_text(null, 1, r, &x);
        explain_render_json(null, 1, r, &x);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static FILE *null;
        char *b = fuzz_copy(data, size);
        OomParseStats st;

        if (!null)
                null = fopen("/dev/null", "w");
        if (!b || !null) {
                free(b);
                return 0;
        }
        (void)oom_parse_buffer(b, size, 0, each, null, &st);
        {
                /* piece size from the first byte: 1..256 */
                size_t piece = size ? (size_t)data[0] + 1 : 1;
                OomParseStats st2;
                OomStream *o = oom_stream_new(0, each, null, &st2, NULL);

                if (o) {
                        for (size_t at = 0; at < size; at += piece)
                                (void)oom_stream_feed(o, b + at, size - at < piece ? size - at : piece);
                        (void)oom_stream_finish(o);
                        if (st2.reports != st.reports || st2.lines_skipped != st.lines_skipped)
                                __builtin_trap();
                }
        }
        free(b);
        return 0;
}
