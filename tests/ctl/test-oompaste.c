/* SPDX-License-Identifier: GPL-2.0-or-later */
/* explain on reports as pages and mails carry them: behind a shell prompt,
 * with records a mail client joined and wrapped, with digits a page hid,
 * with a vendor's wording, cut short. Checked through what explain prints
 * (text and JSON), on the real fixtures. */
#include "helpers.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain-render.h"
#include "oomreport-collect.h"

static Collected *parse_fixture(const char *relpath)
{
        size_t n;
        char *text = fixture_read(relpath, &n);
        Collected *c = parse(text, n);

        free(text);
        return c;
}

static char *render(const Collected *c, unsigned i, bool json)
{
        char *out = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&out, &len);

        assert_non_null(f);
        if (json)
                explain_render_json(f, i + 1, &c->r[i], &c->x[i]);
        else
                explain_render_text(f, i + 1, &c->r[i], &c->x[i]);
        assert_int_equal(fclose(f), 0);
        return out;
}

typedef struct Expect {
        unsigned report;                /* 0-based */
        const char *json_has[8], *text_has[4];
        const char *lacks[4];           /* in neither the text nor the JSON */
} Expect;

static void has(const char *text, const char *needle)
{
        if (!text || !strstr(text, needle))
                fail_msg("missing \"%s\" in:\n%s", needle, text ? text : "(nothing)");
}

static void lacks(const char *text, const char *needle)
{
        if (!text || strstr(text, needle))
                fail_msg("unexpected \"%s\" in:\n%s", needle, text ? text : "(nothing)");
}

static void expect(const Collected *c, const Expect *w)
{
        char *json, *text;

        assert_true(w->report < c->n);
        json = render(c, w->report, true);
        text = render(c, w->report, false);
        for (unsigned i = 0; i < 8 && w->json_has[i]; i++)
                has(json, w->json_has[i]);
        for (unsigned i = 0; i < 4 && w->text_has[i]; i++)
                has(text, w->text_has[i]);
        for (unsigned i = 0; i < 4 && w->lacks[i]; i++) {
                lacks(json, w->lacks[i]);
                lacks(text, w->lacks[i]);
        }
        free(text);
        free(json);
}

/* Parses a fixture, expects n_reports, and each of want[]. */
static void check_fixture(const char *relpath, unsigned n_reports, const Expect *want, size_t n_want)
{
        Collected *c = parse_fixture(relpath);

        assert_int_equal(c->n, n_reports);
        for (size_t i = 0; i < n_want; i++)
                expect(c, &want[i]);
        free(c);
}

#define CHECK(path, n, ...)                                                             \
        do {                                                                            \
                const Expect want_[] = { __VA_ARGS__ };                                 \
                check_fixture(path, n, want_, sizeof(want_) / sizeof(want_[0]));       \
        } while (0)

/* A mail (linux-mm, 2019) whose client wrapped at 72 columns, dropping the
 * blank at each cut, and joined records ("... no [  776.233602] Normal"),
 * its first line behind the root prompt "# ". */
static void mail_wrapped_and_joined(void **state)
{
        (void)state;
        CHECK("oom-reports-public/linux-4.9.123-arm-page-alloc-failure-atomic-all-highatomic-wrapped-lkml.log", 1,
              { .json_has = {
                        /* the prompt and the stamp are not part of the task's name */
                        "\"trigger\":{\"comm\":\"nc.traditional\",\"pid\":1288",
                        /* "Tainted: G" / "   O    4.9.123-pic6-g31a13de-dirty #19" */
                        "\"release\":\"4.9.123-pic6-g31a13de-dirty\"",
                        /* "[  776.233602] Normal" / "free:1492kB min:964kB ..." is one zone line */
                        "\"node\":0,\"zone\":\"Normal\",\"free_kb\":1492,\"min_kb\":964",
                        "\"lowmem_reserve_pages\":[0,0]",
                        /* GFP_ATOMIC, order 0, every free block highatomic:
                         * before 6.3 the per-cpu refill never takes from that reserve */
                        "\"causes\":[\"highatomic_reserve\"]" },
                .text_has = { "FAIL: free blocks only on lists it may not take" },
                /* a request that cannot sleep never reclaims: swap is no cause */
                .lacks = { "no_swap" } });
}

/* A page that wraps long lines at its width cuts inside words
 * ("present:1032064kB manag" / "ed:999552kB"): nothing is inserted there. */
static void page_wrap_inside_words(void **state)
{
        (void)state;
        CHECK("oom-reports/linode-4.4-swap-highmem.log", 1,
              { .json_has = { "\"zone\":\"DMA32\",\"free_kb\":3948,\"min_kb\":3956", "\"managed_kb\":999552" } });
}

/* A help page that hid the mask's low digits ("0x240****(GFP_KERNEL)") and
 * quotes a vendor kernel whose machine-wide OOM says "limit of host". */
static void hidden_digits_and_limit_of_host(void **state)
{
        (void)state;
        CHECK("oom-reports-pasted/en-alibabacloud-help-three-cases-masked-gfp-limit-of-host.log", 3,
              /* the kernel's own names stand, not a decoding of "0x240" */
              { .json_has = { "\"gfp_mask\":\"0x240****\",\"gfp_flags\":\"GFP_KERNEL\",\"gfp_flags_from_kernel\":true",
                              "\"can_reclaim\":true" },
                .text_has = { "may reclaim" },
                .lacks = { "__GFP_NOWARN" } },
              { .report = 2,
                .json_has = { "\"kind\":\"global\"", "\"gfp_flags\":\"GFP_HIGHUSER_MOVABLE|__GFP_ZERO\"" },
                /* the zone line stops before present: and managed:, which
                 * is not a zone without pages */
                .text_has = { "DMA32        155160     152412" },
                .lacks = { "memcg_limit", "no managed pages" } });
}

/* A header names only what it prints: no oom_score_adj where the kernel
 * printed oom_adj (2.6.29-2.6.35) or nothing (2005), no reclaim verdict
 * without a mask. */
static void header_says_what_it_printed(void **state)
{
        static const char cut[] =
                "Aug 21 14:42:49 freecinc kernel: [2169057.156353] taskd invoked oom-killer: \n";
        const Expect want = { .text_has = { "gfp_mask not in the text" },
                              .lacks = { "cannot sleep", "oom_score_adj" } };
        Collected *c;

        (void)state;
        CHECK("oom-reports-public/linux-2.6.30-x86_64-swap-exhausted-lkml.log", 1,
              { .text_has = { "(pid 23105, oom_adj 0)" }, .lacks = { "oom_score_adj 0", "\"oom_score_adj\"" } });
        CHECK("oom-reports-public/linux-2.6-2005-i386-lowmem-dentry-slab-highmem-free-lkml.log", 1,
              { .lacks = { "oom_score_adj 0", "\"oom_score_adj\"" } });
        c = parse(cut, sizeof(cut) - 1);
        assert_int_equal(c->n, 1);
        expect(c, &want);
        free(c);
}

/* The min check passes by a margin inside the counters' drift: the verdict
 * says so, not that no free block of the order exists (it had order 8). */
static void drift_verdict_is_not_fragmentation(void **state)
{
        (void)state;
        CHECK("oom-reports-public/linux-4.18.0-477-el8-mempolicy-rsyslog-012.log", 1,
              { .text_has = { "1732 kB above min, inside the drift of the printed counters" },
                .lacks = { "no free block of order 0" } });
}

/* A raw mail body (LKML, 2021) in quoted-printable: "=3D" is '=', "=7C"
 * is '|', and a line broken at 76 columns ends in '=' ("o=" / "rder=3D3"). */
static void quoted_printable_mail(void **state)
{
        (void)state;
        CHECK("oom-reports-public/linux-5.10ish-arm64-oom-order3-devkmsg-quoted-printable-lkml.log", 1,
              { .json_has = { "\"oom_score_adj\":-1000", "\"gfp_mask\":\"0x40cc0\",\"gfp_flags\":\"GFP_KERNEL|__GFP_COMP\"",
                              "\"order\":3",
                              /* 0xcc0 is GFP_KERNEL from 5.1 on: that era's layout, which may reclaim */
                              "\"version\":\"5.1.0\"", "\"can_reclaim\":true",
                              "\"zone\":\"Normal\",\"free_kb\":12640,\"free_blocks_by_order\":[2490,277,27,1," } });
}

/* A vendor printk puts "[cpu:  comm:pid]" after the stamp, two blanks
 * apart (LKML, 2020); cut before its zone lines, the report tells no RAM. */
static void vendor_prefix_and_no_ram(void **state)
{
        static const char path[] =
                "oom-reports-public/linux-4.14-android-binder-page-alloc-failure-atomic-all-highatomic-cpu-comm-prefix-lkml.log";
        const Expect want = { .text_has = { "memory, MiB: RAM not in the text" }, .lacks = { "not in any counter" } };
        char *full, *cut;
        Collected *c;
        size_t n;

        (void)state;
        CHECK(path, 1, { .json_has = { "\"trigger\":{\"comm\":\"Binder:9343_3\"}", "\"causes\":[\"highatomic_reserve\"]" } });
        /* up to the Mem-Info's "free:" line, before "Node 0 ..." */
        full = fixture_read(path, &n);
        cut = strstr(full, "<4>[ 6207.637616]");
        assert_non_null(cut);
        c = parse(full, (size_t)(cut - full));
        assert_int_equal(c->n, 1);
        expect(c, &want);
        free(c);
        free(full);
}

/* A page numbered its log lines ("565 [Sat Sep 11 ...] "); another quoted
 * one kill before its excerpt and again after it, with no Mem-Info. */
static void numbered_lines_and_kill_quoted_again(void **state)
{
        (void)state;
        CHECK("oom-reports-pasted/ja-alibabacloud-help-line-numbered-masked-gfp.log", 1,
              { .json_has = { "\"release\":\"4.19.91-24.1.al7.x86_64\"", "\"trigger\":{\"comm\":\"test\",\"pid\":29748",
                              "\"mems_allowed\":\"0\"" } });
        /* swap is none; how much anon there was, the excerpt does not say */
        CHECK("oom-reports-pasted/zh-ecomnet-java-kill-quoted-before-and-after.log", 1,
              { .text_has = { "no swap: anonymous memory cannot be reclaimed (how much there was, the text does not show)" },
                .lacks = { "(0 kB)" } });
}

/* A page with two logs: one whose lines are long, then one a terminal cut
 * at 80 columns inside words ("GFP_HIGHUSER_" / "MOVABLE", "cloud-am" /
 * "d64"). The first one's width is not the second's: nothing is inserted at
 * its cuts. */
static void second_log_wrapped_at_80(void **state)
{
        size_t n_long, n_short, n_wrapped;
        char *longer = fixture_read("oom-reports/linode-4.4-swap-highmem.log", &n_long);
        char *shorter = fixture_read("oom-reports/qemu-tcg-balloon-6.1-global.log", &n_short);
        char *wrapped = wrap_at(shorter, 80, &n_wrapped), *both = malloc(n_long + n_wrapped + 1);
        const Expect want = { .report = 1,
                              .json_has = { "\"release\":\"6.1.0-56-cloud-amd64\"",
                                            "\"gfp_flags\":\"GFP_HIGHUSER_MOVABLE|__GFP_COMP\"",
                                            "\"zone\":\"DMA32\",\"free_kb\":44196" } };
        Collected *c;

        (void)state;
        assert_non_null(both);
        memcpy(both, longer, n_long);
        memcpy(both + n_long, wrapped, n_wrapped);
        c = parse(both, n_long + n_wrapped);
        assert_int_equal(c->n, 2);
        expect(c, &want);
        free(c);
        free(both);
        free(wrapped);
        free(shorter);
        free(longer);
}

/* A failure quoted from its cpuset line on (LKML, 2020): the header that
 * says "page allocation failure" was left out, warn_alloc in its trace says
 * what it is. */
static void failure_without_its_header(void **state)
{
        (void)state;
        CHECK("oom-reports-public/linux-4.14.113-android-kswapd-page-alloc-failure-headerless-all-highatomic-cpu-comm-prefix-lkml.log",
              1, { .json_has = { "\"kind\":\"page_allocation_failure\"", "\"trigger\":{\"comm\":\"\",\"pid\":1209}",
                                 "\"causes\":[\"highatomic_reserve\"]" } });
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(mail_wrapped_and_joined),
                cmocka_unit_test(page_wrap_inside_words),
                cmocka_unit_test(hidden_digits_and_limit_of_host),
                cmocka_unit_test(header_says_what_it_printed),
                cmocka_unit_test(drift_verdict_is_not_fragmentation),
                cmocka_unit_test(quoted_printable_mail),
                cmocka_unit_test(vendor_prefix_and_no_ram),
                cmocka_unit_test(numbered_lines_and_kill_quoted_again),
                cmocka_unit_test(second_log_wrapped_at_80),
                cmocka_unit_test(failure_without_its_header),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
