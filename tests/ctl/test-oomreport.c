/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The OOM report parser on one real report in every form a log takes:
 * dmesg, dmesg -T, syslog/journalctl, kmsg, rsyslog #012, wrapped at 80
 * columns, interleaved with other messages, several in one stream; and
 * truncated or garbage input that must never crash it. */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain-render.h"
#include "oomreport-collect.h"

/* The report's own text without its "[   24.661838] " stamps. */
static char **report_lines(unsigned *ret_n)
{
        size_t n;
        char *buf = fixture_read("oom-reports/qemu-tcg-balloon-6.1-global.log", &n), *save = NULL, *l;
        char **lines = calloc(256, sizeof(char *));
        unsigned k = 0;

        for (l = strtok_r(buf, "\n", &save); l && k < 255; l = strtok_r(NULL, "\n", &save)) {
                const char *t = l;

                if (t[0] == '[' && strchr(t, ']'))
                        t = strchr(t, ']') + 2;
                lines[k++] = strdup(t);
        }
        free(buf);
        *ret_n = k;
        return lines;
}

static void same_figures(const Collected *c, unsigned i)
{
        const OomReport *r = &c->r[i];
        const OomZone *dma32 = &r->zones[0];
        bool found = false;

        for (unsigned z = 0; z < r->n_zones; z++)
                if (strcmp(r->zones[z].name, "DMA32") == 0) {
                        dma32 = &r->zones[z];
                        found = true;
                }
        assert_true(r->has_header);
        assert_int_equal(r->gfp_mask, 0x140cca);
        assert_string_equal(r->gfp_names, "GFP_HIGHUSER_MOVABLE|__GFP_COMP");
        assert_int_equal(r->order, 0);
        if (strcmp(r->release, "6.1.0-56-cloud-amd64") != 0)
                fail_msg("report %u: release \"%s\", lines %u-%u, header %d", i, r->release, r->first_line, r->last_line, r->has_header);
        assert_true(found);
        assert_int_equal(dma32->free_kb, 44196);
        assert_int_equal(dma32->min_kb, 44352);
        assert_int_equal(dma32->managed_kb, 587792);
        assert_int_equal(dma32->n_reserve, 5);
        assert_int_equal(dma32->buddy[10], 4);
        assert_int_equal(r->mem.slab_unreclaimable, 2883);
        assert_int_equal(r->mem.free, 12172);
        assert_true(r->has_killed);
        assert_true(explain_has_cause(&c->x[i], CAUSE_BELOW_MIN_WATERMARK));
        /* present - managed is large, but nothing in the report names the
         * balloon: the cause is worded as memory outside the allocator */
        assert_true(explain_has_cause(&c->x[i], CAUSE_HIDDEN_MEMORY));
        assert_false(explain_has_cause(&c->x[i], CAUSE_BALLOON));
}

/* Builds the log text: each line through fmt(prefix), joined with sep. */
static char *build(char **lines, unsigned n, const char *(*prefix)(unsigned i, char *buf), const char *sep)
{
        size_t cap = 1 << 20, used = 0;
        char *out = malloc(cap), pbuf[128];

        for (unsigned i = 0; i < n; i++)
                used += (size_t)snprintf(out + used, cap - used, "%s%s%s", prefix(i, pbuf), lines[i],
                                         i + 1 < n ? sep : "\n");
        return out;
}

static const char *p_dmesg(unsigned i, char *b)
{
        sprintf(b, "[   24.%06u] ", 661838 + i);
        return b;
}

static const char *p_dmesg_later(unsigned i, char *b)
{
        sprintf(b, "[   31.%06u] ", 100000 + i);
        return b;
}

static const char *p_dmesg_t(unsigned i, char *b)
{
        sprintf(b, "[dim. 19 avril 18:03:%02u 2026] ", i % 60);
        return b;
}

static const char *p_syslog(unsigned i, char *b)
{
        sprintf(b, "Nov 22 01:00:%02u guest kernel: ", i % 60);
        return b;
}

static const char *p_kmsg(unsigned i, char *b)
{
        sprintf(b, "4,%u,%u,-;", 1200 + i, 24661838 + i);
        return b;
}

static const char *p_none(unsigned i, char *b)
{
        (void)i;
        b[0] = '\0';
        return b;
}

static void every_prefix_form(void **state)
{
        const char *(*forms[])(unsigned, char *) = { p_dmesg, p_dmesg_t, p_syslog, p_kmsg };
        unsigned n;
        char **lines = report_lines(&n);

        for (size_t f = 0; f < sizeof(forms) / sizeof(forms[0]); f++) {
                char *text = build(lines, n, forms[f], "\n");
                Collected *c = parse(text, strlen(text));

                if (getenv("OOMGUARD_TEST_DUMP")) {
                        char dp[256];
                        FILE *d;

                        snprintf(dp, sizeof(dp), "%s.%zu", getenv("OOMGUARD_TEST_DUMP"), f);
                        d = fopen(dp, "w");

                        fputs(text, d);
                        fclose(d);
                }

                assert_int_equal(c->n, 1);
                same_figures(c, 0);
                free(c);
                free(text);
        }
        /* rsyslog: one line, "#012" between the report's lines */
        {
                char *joined = build(lines, n, p_none, "#012"), *text = malloc(strlen(joined) + 64);
                Collected *c;

                if (!text)
                        fail();
                else
                        sprintf(text, "Nov 22 01:00:00 guest kernel: %s", joined);
                c = parse(text, strlen(text));
                assert_int_equal(c->n, 1);
                same_figures(c, 0);
                free(c);
                free(text);
                free(joined);
        }
        for (unsigned i = 0; i < n; i++)
                free(lines[i]);
        free(lines);
}

/* A web page that wrapped every line at 80 columns, cutting mid-word. */
static void wrapped_at_80_columns(void **state)
{
        unsigned n;
        char **lines = report_lines(&n), *text = build(lines, n, p_syslog, "\n"), *wrapped;
        size_t w;
        Collected *c;

        wrapped = wrap_at(text, 80, &w);
        c = parse(wrapped, w);
        assert_int_equal(c->n, 1);
        same_figures(c, 0);
        free(c);
        free(wrapped);
        free(text);
        for (unsigned i = 0; i < n; i++)
                free(lines[i]);
        free(lines);
}

static void interleaved_and_several(void **state)
{
        unsigned n;
        char **lines = report_lines(&n);
        char *one = build(lines, n, p_dmesg, "\n"), *later = build(lines, n, p_dmesg_later, "\n");
        char *text = malloc(strlen(one) * 4 + 65536);
        size_t used = 0;
        Collected *c;

        used += (size_t)sprintf(text + used, "[    1.000000] Linux version 6.1.0\n[    2.000000] usb 1-1: new device\n");
        /* the report with other messages between its lines */
        for (char *s = one, *nl; (nl = strchr(s, '\n')); s = nl + 1) {
                used += (size_t)sprintf(text + used, "%.*s\n", (int)(nl - s), s);
                if (strstr(s, "lowmem_reserve") && strstr(s, "lowmem_reserve") < nl)
                        used += (size_t)sprintf(text + used, "[   24.700000] e1000: eth0 link up\n");
        }
        /* a second incident: the same text at a later time */
        used += (size_t)sprintf(text + used, "[   30.000000] systemd[1]: something else\n%s", later);
        c = parse(text, used);
        assert_int_equal(c->n, 2);
        same_figures(c, 0);
        same_figures(c, 1);
        assert_true(c->r[0].lines_skipped >= 1);        /* the interleaved line is counted */
        free(c);
        free(text);
        free(one);
        free(later);
        for (unsigned i = 0; i < n; i++)
                free(lines[i]);
        free(lines);
}

/* A page pastes the log twice, an answer quotes some of its lines, and a
 * sentence quotes the kill line: one incident, one report. */
static void same_incident_pasted_again(void **state)
{
        unsigned n;
        char **lines = report_lines(&n);
        char *one = build(lines, n, p_dmesg, "\n"), *plain = build(lines, n, p_none, "\n");
        char *text = malloc(strlen(one) * 3 + strlen(plain) + 4096), *kill = NULL;
        size_t used = 0;
        Collected *c;

        (void)state;
        for (unsigned i = 0; i < n && !kill; i++)
                if (strstr(lines[i], "Killed process"))
                        kill = lines[i];
        assert_non_null(kill);
        used += (size_t)sprintf(text + used, "Help! My server keeps dying, dmesg says:\n\n%s\nThanks.\n\n", one);
        used += (size_t)sprintf(text + used, "Answer: the line that matters is\n\n    %s\n\nread it as follows.\n", kill);
        used += (size_t)sprintf(text + used, "Edit: here is the log again, full:\n%s", one);
        used += (size_t)sprintf(text + used, "and without timestamps, as the journal showed it:\n%s", plain);
        c = parse(text, used);
        assert_int_equal(c->n, 1);
        same_figures(c, 0);
        free(c);
        /* the sentence alone is no report */
        used = (size_t)sprintf(text, "I only see `%s` in the log and nothing else.\n", kill);
        c = parse(text, used);
        assert_int_equal(c->n, 0);
        free(c);
        free(text);
        free(one);
        free(plain);
        for (unsigned i = 0; i < n; i++)
                free(lines[i]);
        free(lines);
}

/* Names in UTF-8 come out in --json as UTF-8, not as one \u00XX escape
 * per byte; a byte that is not UTF-8 becomes U+FFFD; the node list stops
 * where the kernel's format does. */
static void json_keeps_utf8(void **state)
{
        static const char text[] =
                "[  10.000001] caf\xc3\xa9 invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), order=0, oom_score_adj=0\n"
                "[  10.000002] caf\xc3\xa9 cpuset=/ mems_allowed=0-1 (o n\xc3\xb3 \xc3\xa9 o problema)\n"
                "[  10.000003] CPU: 1 PID: 4242 Comm: caf\xc3\xa9 Not tainted 5.10.0 #1\n"
                "[  10.000004] Killed process 4242 (\xe6\x97\xa5\xe6\x9c\xac\xff) total-vm:1kB, anon-rss:1kB, file-rss:0kB\n";
        Collected *c = parse(text, sizeof(text) - 1);
        char *json = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&json, &len);

        (void)state;
        assert_int_equal(c->n, 1);
        assert_string_equal(c->r[0].mems_allowed, "0-1");
        assert_int_equal(c->r[0].trigger_pid, 4242);
        explain_render_json(f, 1, &c->r[0], &c->x[0]);
        fclose(f);
        assert_non_null(strstr(json, "\"comm\":\"caf\xc3\xa9\""));
        assert_non_null(strstr(json, "\"comm\":\"\xe6\x97\xa5\xe6\x9c\xac\\ufffd\""));
        assert_null(strstr(json, "\\u00c3"));
        free(json);
        free(c);
}

/* Markdown emphasis and mail quotes around pasted lines stay out of the
 * names; prose after the log stays out of the fields. */
static void markup_stays_out_of_fields(void **state)
{
        static const char text[] =
                "_beam.smp invoked oom-killer: gfp_mask=0xd0, order=0, oom_score_adj=0_\n"
                "> beam.smp cpuset=/ mems_allowed=0 and that is all I could copy\n"
                "> **Memory cgroup out of memory: Kill process 20911 (beam.smp) score 1001 or sacrifice child**\n"
                "> `Killed process 20977 (sh) total-vm:4kB, anon-rss:0kB, file-rss:0kB`\n"
                "\n"
                "Why was sh killed and not beam.smp?\n";
        Collected *c = parse(text, sizeof(text) - 1);

        (void)state;
        assert_int_equal(c->n, 1);
        assert_string_equal(c->r[0].comm, "beam.smp");
        assert_string_equal(c->r[0].mems_allowed, "0");
        assert_string_equal(c->r[0].chosen_comm, "beam.smp");
        assert_string_equal(c->r[0].killed_comm, "sh");
        assert_int_equal(c->r[0].killed_pid, 20977);
        free(c);
}

/* out_of_memory() before 2.6.36 named a CONSTRAINT_MEMORY_POLICY OOM only
 * in its kill line (text built from the kernel's format strings). */
static void mpol_bind_is_mempolicy(void **state)
{
        static const char text[] =
                "[   10.100000] numactl invoked oom-killer: gfp_mask=0x280da, order=0, oom_adj=0, oom_score_adj=0\n"
                "[   10.200000] Pid: 4242, comm: numactl Not tainted 2.6.32-5-amd64 #1\n"
                "[   10.300000] No available memory (MPOL_BIND): Kill process 4242 (numactl) score 0 or a child\n"
                "[   10.400000] Killed process 4242 (numactl)\n";
        Collected *c = parse(text, sizeof(text) - 1);

        (void)state;
        assert_int_equal(c->n, 1);
        assert_int_equal(c->r[0].trigger_pid, 4242);
        assert_true(explain_has_cause(&c->x[0], CAUSE_MEMPOLICY));
        free(c);
}

/* Every prefix of the report parses without reading past its end. */
static void every_truncation(void **state)
{
        size_t n;
        char *full = fixture_read("oom-reports/kvm-balloon-4.9-global.log", &n);

        for (size_t cut = 0; cut <= n; cut += 7) {
                Collected *c = parse(full, cut);

                assert_true(c->n <= 1);
                free(c);
        }
        free(full);
}

/* Fragments of report lines, and lines that only look like them: a
 * trigger line alone makes one report holding what the line says and
 * nothing invented (no process name from "invoked" alone, no kill
 * without a pid); everything else makes none. */
static void garbage(void **state)
{
        static const struct {
                const char *in;
                unsigned reports;
                bool header, killed;
                const char *comm;
                int killed_pid;
        } cases[] = {
                { "", 0, false, false, "", 0 },
                { "\n\n\n", 0, false, false, "", 0 },
                { "invoked oom-killer:", 1, true, false, "", 0 },
                { "oom-killer: gfp_mask=0x", 1, true, false, "", 0 },
                { "Killed process (", 0, false, false, "", 0 },        /* no pid: no kill */
                { "Killed process 1 (x", 0, false, false, "", 0 },      /* unprefixed, alone: a quote */
                { "[    1.000000] Killed process 1 (x", 1, false, true, "", 1 },     /* the comm is cut: left empty */
                { "[    1.000000] Killed process (", 0, false, false, "", 0 },      /* no pid: no kill */
                { "Node 0 DMA32: 1*4kB (", 0, false, false, "", 0 },
                { "Node 0 DMA32 free:99999999999999999999999kB min:", 0, false, false, "", 0 },
                { "lowmem_reserve[]: 1 2 3 4 5 6 7 8 9 10 11", 0, false, false, "", 0 },
                { "[ pid ]\n[", 0, false, false, "", 0 },
                { "oom-kill:constraint=", 0, false, false, "", 0 },
                { "#012#012#012", 0, false, false, "", 0 },
                { "\\x0a\\x0a", 0, false, false, "", 0 },
                { "memory: usage 1kB, limit", 0, false, false, "", 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Collected *c = parse(cases[i].in, strlen(cases[i].in));
                const OomReport *r = &c->r[0];

                if (c->n != cases[i].reports)
                        fail_msg("\"%s\": %u reports, expected %u", cases[i].in, c->n, cases[i].reports);
                if (c->n == 0) {
                        free(c);
                        continue;
                }
                assert_int_equal(r->has_header, cases[i].header);
                assert_int_equal(r->has_killed, cases[i].killed);
                assert_string_equal(r->comm, cases[i].comm);
                assert_int_equal(r->killed_pid, cases[i].killed_pid);
                assert_string_equal(r->killed_comm, "");
                assert_int_equal(r->kind, OOM_KIND_GLOBAL);
                assert_int_equal(r->first_line, 1);
                assert_int_equal(r->last_line, 1);
                /* nothing the line did not say */
                assert_false(r->has_gfp);
                assert_false(r->has_order);
                assert_false(r->mem.present);
                assert_false(r->kernel_known);
                assert_int_equal(r->n_zones, 0);
                assert_int_equal(r->n_tasks, 0);
                assert_int_equal(r->killed_total_vm_kb, 0);
                free(c);
        }
}

static void prefixes(void **state)
{
        static const struct {
                const char *in, *out;
                bool prefix;
        } cases[] = {
                { "[   24.661838] text", "text", true },
                { "[Wed Jun 15 06:37:51 2022] text", "text", true },
                { "Mar  7 02:43:11 myhost kernel: text", "text", true },
                { "2026-11-22T01:00:00+00:00 host kernel: [ 1.5] text", "text", true },
                { "6,1234,5678,-;text", "text", true },
                { "<4>[  1.0] text", "text", true },
                { "    [731411.303808] text", "text", true },
                { "[ pid ]   uid  tgid", "[ pid ]   uid  tgid", false },
                { "[<ffffffff81>] dump_stack", "[<ffffffff81>] dump_stack", false },
                { "text", "text", false },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                bool had;
                const char *t = oom_strip_prefix(cases[i].in, cases[i].in + strlen(cases[i].in), &had);

                assert_string_equal(t, cases[i].out);
                assert_int_equal(had, cases[i].prefix);
        }
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(every_prefix_form),
                cmocka_unit_test(wrapped_at_80_columns),
                cmocka_unit_test(interleaved_and_several),
                cmocka_unit_test(same_incident_pasted_again),
                cmocka_unit_test(json_keeps_utf8),
                cmocka_unit_test(markup_stays_out_of_fields),
                cmocka_unit_test(mpol_bind_is_mempolicy),
                cmocka_unit_test(every_truncation),
                cmocka_unit_test(garbage),
                cmocka_unit_test(prefixes),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
