/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "helpers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample-read.h"
#include "sysroot.h"

char *fixture_read(const char *relpath, size_t *ret_len)
{
        char path[1024];
        FILE *f;
        char *buf;
        long n;

        snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, relpath);
        f = fopen(path, "rb");
        if (!f)
                fail_msg("cannot open fixture %s", path);
        fseek(f, 0, SEEK_END);
        n = ftell(f);
        fseek(f, 0, SEEK_SET);
        buf = malloc((size_t)n + 1);
        assert_non_null(buf);
        assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
        buf[n] = '\0';
        fclose(f);
        *ret_len = (size_t)n;
        return buf;
}

Sample *fixture_sample(const char *root)
{
        SysRoot *r = NULL;
        Sample *s = calloc(1, sizeof(*s));
        SampleError e;
        char msg[256];

        assert_non_null(s);
        assert_int_equal(sysroot_open(root, &r), 0);
        if (sample_read_static(r, s, &e) < 0 || sample_read(r, s, SAMPLE_PAGETYPEINFO, &e) < 0) {
                sample_error_format(&e, msg, sizeof(msg));
                fail_msg("%s: %s", root, msg);
        }
        sysroot_free(r);
        return s;
}

const ZoneSample *fixture_zone(const Sample *s, int node, const char *name)
{
        const NodeSample *n = sample_node(s, node);

        if (n)
                for (unsigned j = 0; j < n->n_zones; j++)
                        if (strcmp(n->zones[j].name, name) == 0)
                                return &n->zones[j];
        fail_msg("no zone %d/%s", node, name);
        return &s->nodes[0].zones[0];   /* not reached: fail_msg() jumps out */
}
