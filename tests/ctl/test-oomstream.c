/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The streaming parser (explain reading a pipe) finds exactly what the
 * whole-buffer parser finds, whatever the size of the pieces it is fed,
 * including reports that straddle its window and inputs far longer than it. */
#include "helpers.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomreport-parse.h"

#define MAX_SEEN 64

typedef struct Seen {
        unsigned n;
        struct {
                unsigned first_line, last_line, lines_used, lines_skipped;
                int killed_pid, order;
                uint32_t gfp_mask;
                unsigned n_zones, n_tasks;
                KernelVersion kernel;
        } r[MAX_SEEN];
} Seen;

static int seen(const OomReport *r, void *userdata)
{
        Seen *s = userdata;

        if (s->n < MAX_SEEN) {
                s->r[s->n].first_line = r->first_line;
                s->r[s->n].last_line = r->last_line;
                s->r[s->n].lines_used = r->lines_used;
                s->r[s->n].lines_skipped = r->lines_skipped;
                s->r[s->n].killed_pid = r->killed_pid;
                s->r[s->n].order = r->order;
                s->r[s->n].gfp_mask = r->gfp_mask;
                s->r[s->n].n_zones = r->n_zones;
                s->r[s->n].n_tasks = r->n_tasks;
                s->r[s->n].kernel = r->kernel;
        }
        s->n++;
        return 0;
}

static void by_buffer(const char *text, size_t len, Seen *s)
{
        OomParseStats st;

        memset(s, 0, sizeof(*s));
        assert_int_equal(oom_parse_buffer(text, len, 0, seen, s, &st), 0);
}

static void by_stream(const char *text, size_t len, size_t piece, Seen *s)
{
        OomParseStats st;
        OomStream *o;

        memset(s, 0, sizeof(*s));
        o = oom_stream_new(0, seen, s, &st, NULL);
        assert_non_null(o);
        for (size_t at = 0; at < len; at += piece)
                assert_int_equal(oom_stream_feed(o, text + at, len - at < piece ? len - at : piece), 0);
        assert_int_equal(oom_stream_finish(o), 0);
        assert_int_equal(st.reports, s->n);
}

static void same(const Seen *a, const Seen *b)
{
        assert_int_equal(a->n, b->n);
        assert_memory_equal(a->r, b->r, sizeof(a->r[0]) * (a->n < MAX_SEEN ? a->n : MAX_SEEN));
}

static void every_fixture_in_pieces(void **state)
{
        static const char *const dirs[] = { "oom-reports", "oom-reports-public", "oom-reports-tcg",
                                            "oom-reports-pasted" };
        static const size_t pieces[] = { 1, 13, 4096, 1u << 20 };
        unsigned files = 0;

        (void)state;
        for (size_t d = 0; d < sizeof(dirs) / sizeof(dirs[0]); d++) {
                char path[512];
                DIR *dir;
                struct dirent *de;

                snprintf(path, sizeof(path), "%s/%s", FIXTURES_DIR, dirs[d]);
                if (!(dir = opendir(path)))
                        continue;
                while ((de = readdir(dir))) {
                        char rel[512];
                        size_t n, len = strlen(de->d_name);
                        char *text;
                        Seen *whole = malloc(sizeof(*whole)), *piecewise = malloc(sizeof(*piecewise));

                        if (len < 5 || strcmp(de->d_name + len - 4, ".log") != 0) {
                                free(whole);
                                free(piecewise);
                                continue;
                        }
                        snprintf(rel, sizeof(rel), "%s/%s", dirs[d], de->d_name);
                        text = fixture_read(rel, &n);
                        by_buffer(text, n, whole);
                        for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
                                by_stream(text, n, pieces[p], piecewise);
                                same(whole, piecewise);
                        }
                        files++;
                        free(text);
                        free(whole);
                        free(piecewise);
                }
                closedir(dir);
        }
        assert_true(files >= 10);
}

/* A report at every distance from the 1 MiB window's edge, after megabytes
 * of other messages, and a headerless excerpt whose release line sits just
 * before it: the same reports at the same line numbers. */
static void straddling_the_window(void **state)
{
        size_t n, n2;
        char *report = fixture_read("oom-reports/kvm-balloon-4.9-global.log", &n);
        char *other = fixture_read("oom-reports/numa-fragmentation-3.10-excerpt.log", &n2);
        size_t cap = (3u << 20) + 4 * (n + n2) + 4096;
        char *text = malloc(cap);
        Seen *whole = malloc(sizeof(*whole)), *piecewise = malloc(sizeof(*piecewise));

        (void)state;
        for (size_t shift = 0; shift < 6000; shift += 997) {
                size_t used = 0;
                unsigned k = 0;

                while (used < (1u << 20) - 3000 + shift)
                        used += (size_t)sprintf(text + used, "[%6u.000000] eth0: link flap %u\n", k, k), k++;
                memcpy(text + used, report, n);
                used += n;
                while (used < (2u << 20) + shift)
                        used += (size_t)sprintf(text + used, "[%6u.000000] eth0: link flap %u\n", k, k), k++;
                memcpy(text + used, other, n2);        /* the same report again would be the same incident */
                used += n2;
                by_buffer(text, used, whole);
                assert_int_equal(whole->n, 2);
                by_stream(text, used, 65536, piecewise);
                same(whole, piecewise);
                by_stream(text, used, 7, piecewise);
                same(whole, piecewise);
        }
        free(whole);
        free(piecewise);
        free(text);
        free(report);
        free(other);
}

/* An excerpt without its header finds the release on the "CPU: .. Comm:"
 * line before it, even when that line was in the window before; the last
 * line counts when the input does not end in a newline. */
static void look_back_across_the_window(void **state)
{
        static const char excerpt[] =
                "[53542.948251] CPU: 0 PID: 1439 Comm: tor Not tainted 4.9.0-4-amd64 #1 Debian 4.9.65-3+deb9u1\n"
                "[53542.948300] Hardware name: QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.10.2-1 04/01/2014\n"
                "[53542.948342] Out of memory: Kill process 1439 (tor) score 368 or sacrifice child\n"
                "[53542.948364] Killed process 1439 (tor) total-vm:557104kB, anon-rss:374956kB, file-rss:0kB\n"
                "[53542.966776] oom_reaper: reaped process 1439 (tor), now anon-rss:0kB, file-rss:0kB";
        size_t cap = (2u << 20) + sizeof(excerpt);
        char *text = malloc(cap);
        Seen *whole = malloc(sizeof(*whole)), *piecewise = malloc(sizeof(*piecewise));

        (void)state;
        for (size_t shift = 0; shift < 600; shift += 11) {
                size_t used = 0;
                unsigned k = 0;

                while (used < (1u << 20) + (1u << 16) - 300 + shift)
                        used += (size_t)sprintf(text + used, "[%6u.000000] eth0: link flap %u\n", k, k), k++;
                memcpy(text + used, excerpt, sizeof(excerpt) - 1);
                used += sizeof(excerpt) - 1;
                by_buffer(text, used, whole);
                assert_int_equal(whole->n, 1);
                assert_true(whole->r[0].kernel != 0);
                by_stream(text, used, 4096, piecewise);
                same(whole, piecewise);
        }
        free(whole);
        free(piecewise);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_fixture_in_pieces),
                cmocka_unit_test(straddling_the_window),
                cmocka_unit_test(look_back_across_the_window),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
