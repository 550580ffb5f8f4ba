/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "oomreport-parse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse-util.h"

#define RECORD_MAX 16384        /* one logical record (a line and its continuations) */
#define MAX_UNKNOWN_RUN 200     /* this many unknown lines in a row end a report */

typedef enum Section {
        SEC_NONE,
        SEC_MEMCG_STATS,        /* "Memory cgroup stats for": v2 "key value" lines follow */
        SEC_SLAB,               /* "Unreclaimable slab info:" rows follow */
} Section;

typedef struct Parser {
        const char *buf, *end;
        KernelVersion kernel_override;
        OomReportFn fn;
        void *userdata;
        OomParseStats *stats;

        OomReport *r;
        bool open;
        bool prefixed;          /* the report's lines carry prefixes: unprefixed ones continue */
        bool terminal;          /* the report's last line has been seen */
        bool record_is_header;
        bool header_paf;
        unsigned unknown_run;
        Section section;
        int task_cols[8];       /* column of rss, swapents, oom_score_adj, name after ']' */
        bool have_task_cols;

        char record[RECORD_MAX];
        size_t record_len;
        unsigned record_line;
        unsigned lineno;
        int error;
        FILE *skipped;
} Parser;

enum { COL_RSS, COL_SWAP, COL_ADJ, COL_NAME, _COL_MAX };

/* ---- small scanners over [p, e) ---- */

static const char *find(const char *p, const char *e, const char *needle)
{
        size_t n = strlen(needle);

        /* !p: callers pass the result of an earlier find() */
        if (!p || p >= e || (size_t)(e - p) < n)
                return NULL;
        return memmem(p, (size_t)(e - p), needle, n);
}

static bool starts(const char *p, const char *e, const char *lit)
{
        size_t n = strlen(lit);

        return (size_t)(e - p) >= n && memcmp(p, lit, n) == 0;
}

static void copy_str(char *dst, size_t size, const char *p, const char *e)
{
        size_t n = (size_t)(e - p);

        if (n >= size)
                n = size - 1;
        memcpy(dst, p, n);
        dst[n] = '\0';
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)dst[i] < 0x20)
                        dst[i] = '?';
}

static bool is_digit(char c)
{
        return c >= '0' && c <= '9';
}

/* A number after "name=" or "name:" anywhere in [p, e). */
static bool value_after(const char *p, const char *e, const char *name, uint64_t *v)
{
        const char *q = find(p, e, name);

        if (!q)
                return false;
        q += strlen(name);
        skip_blanks(&q, e);
        return take_u64(&q, e, UINT64_MAX / 2, v) == 0;
}

static bool int_after(const char *p, const char *e, const char *name, int *v)
{
        const char *q = find(p, e, name);

        if (!q)
                return false;
        q += strlen(name);
        skip_blanks(&q, e);
        return take_int(&q, e, 1 << 30, v) == 0;
}

/* "key:value" pairs in a kernel print, tolerant of wraps that glued tokens
 * ("0kBdirty:0kB") or split a space ("shmem_thp: 0kB"). */
typedef struct Kv {
        const char *key;
        size_t key_len;
        uint64_t value;
        bool number;
        bool yes;
} Kv;

static bool key_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '(' || c == ')' || c == '?' ||
               c == '+';
}

static bool kv_next(const char **pp, const char *e, Kv *kv)
{
        const char *p = *pp;

        while (p < e) {
                const char *k, *q;

                while (p < e && !key_char(*p))
                        p++;
                k = p;
                while (p < e && (key_char(*p) || (p > k && is_digit(*p))))
                        p++;
                if (p >= e || *p != ':' || p == k)
                        continue;
                kv->key = k;
                kv->key_len = (size_t)(p - k);
                q = p + 1;
                skip_blanks(&q, e);
                kv->number = take_u64(&q, e, UINT64_MAX / 2, &kv->value) == 0;
                kv->yes = !kv->number && starts(q, e, "yes");
                *pp = q;
                return true;
        }
        *pp = e;
        return false;
}

static bool kv_is(const Kv *kv, const char *name)
{
        size_t n = strlen(name);

        return kv->key_len == n && memcmp(kv->key, name, n) == 0;
}

/* ---- prefixes ---- */

/* "[  123.456789] ", "[Wed Jun 15 06:37:51 2022] ", "[dim. 19 avril 18:03:30 2026] " */
static const char *skip_bracket_stamp(const char *p, const char *e)
{
        const char *close;

        if (p >= e || *p != '[')
                return NULL;
        close = memchr(p, ']', (size_t)(e - p) < 64 ? (size_t)(e - p) : 64);
        if (!close)
                return NULL;
        /* a timestamp has a digit and no '=': not "[ pid ]" or "[<ffff...>]" */
        for (const char *s = p + 1; s < close; s++)
                if (*s == '<' || *s == '=')
                        return NULL;
        {
                bool digit = false, colon_or_dot = false, alpha_pid = false;

                for (const char *s = p + 1; s < close; s++) {
                        digit |= is_digit(*s);
                        colon_or_dot |= *s == ':' || *s == '.';
                }
                alpha_pid = find(p, close, "pid") != NULL;
                if (!digit || !colon_or_dot || alpha_pid)
                        return NULL;
        }
        p = close + 1;
        if (p < e && *p == ' ')
                p++;
        return p;
}

const char *oom_strip_prefix(const char *s, const char *e, bool *had_prefix)
{
        const char *p = s, *k, *q;

        *had_prefix = false;
        /* copied from a page: "    [731411.303808] ..." */
        {
                const char *t = s;

                skip_blanks(&t, e);
                if (t > s && t < e && *t == '[' && skip_bracket_stamp(t, e))
                        p = t;
        }
        /* /dev/kmsg: "6,1234,56789012,-;text" (and syslog "<6>") */
        if (p < e && is_digit(*p)) {
                const char *semi = memchr(p, ';', (size_t)(e - p) < 48 ? (size_t)(e - p) : 48);

                if (semi && memchr(p, ',', (size_t)(semi - p))) {
                        bool ok = true;

                        for (q = p; q < semi && ok; q++)
                                ok = is_digit(*q) || *q == ',' || *q == '-' || *q == 'c' || *q == '+';
                        if (ok) {
                                p = semi + 1;
                                *had_prefix = true;
                        }
                }
        }
        if (p + 2 < e && *p == '<' && is_digit(p[1])) {
                q = memchr(p, '>', 5);
                if (q && q < e) {
                        p = q + 1;
                        *had_prefix = true;
                }
        }
        /* syslog and journalctl: "... host kernel: text" within the first
         * 120 characters */
        k = find(p, e - p > 120 ? p + 120 : e, "kernel:");
        if (k && (memchr(p, '=', (size_t)(k - p)) || find(p, k, "invoked") || find(p, k, "oom")))
                k = NULL;       /* "kernel:" inside the message, not a syslog prefix */
        if (k && k + 7 < e && k[7] == ' ') {
                p = k + strlen("kernel: ");
                *had_prefix = true;
        } else if (k && k + 7 == e) {
                p = e;
                *had_prefix = true;
        }
        /* one or two bracketed stamps ("[  1.2] [T123] " on newer kernels) */
        for (int i = 0; i < 2; i++) {
                q = skip_bracket_stamp(p, e);
                if (!q)
                        break;
                p = q;
                *had_prefix = true;
        }
        if (starts(p, e, "[T") || starts(p, e, "[C")) {
                /* CONFIG_PRINTK_CALLER: "[T1234] " or "[C2] " */
                q = memchr(p, ']', (size_t)(e - p) < 12 ? (size_t)(e - p) : 12);
                if (q) {
                        bool ok = true;

                        for (const char *c = p + 2; c < q && ok; c++)
                                ok = is_digit(*c);
                        if (ok) {
                                p = q + 1;
                                skip_blanks(&p, e);
                        }
                }
        }
        return p;
}

/* ---- the report ---- */

static void begin_report(Parser *ps)
{
        memset(ps->r, 0, sizeof(*ps->r));
        ps->r->order = 0;
        ps->r->first_line = ps->lineno;
        ps->r->last_line = ps->lineno;
        ps->open = true;
        ps->terminal = false;
        ps->record_is_header = false;
        ps->unknown_run = 0;
        ps->section = SEC_NONE;
        ps->have_task_cols = false;
        ps->record_len = 0;
}

static void end_report(Parser *ps)
{
        OomReport *rep = ps->r;
        int r;

        if (!ps->open)
                return;
        ps->open = false;
        ps->terminal = false;
        /* a Mem-Info dump on its own (SysRq-m, a WARN) is not an OOM report */
        if (!rep->has_header && !rep->has_killed && !rep->constraint[0] && !rep->has_memcg_usage)
                return;
        if (ps->kernel_override) {
                ps->r->kernel = ps->kernel_override;
                ps->r->kernel_known = true;
        }
        ps->stats->reports++;
        ps->stats->lines_skipped += ps->r->lines_skipped;
        r = ps->fn(ps->r, ps->userdata);
        if (r < 0 && !ps->error)
                ps->error = r;
}

static OomZone *zone_for(OomReport *r, int node, const char *name, size_t len, bool create)
{
        for (unsigned i = 0; i < r->n_zones; i++)
                if (r->zones[i].node == node && strlen(r->zones[i].name) == len &&
                    memcmp(r->zones[i].name, name, len) == 0)
                        return &r->zones[i];
        if (!create || r->n_zones >= OOM_MAX_ZONES || len == 0 || len >= OG_ZONE_NAME_MAX)
                return NULL;
        {
                OomZone *z = &r->zones[r->n_zones++];

                memset(z, 0, sizeof(*z));
                z->node = node;
                memcpy(z->name, name, len);
                z->name[len] = '\0';
                return z;
        }
}

/* "[Node N ]ZONE" at p: the zone's name and node. */
static bool zone_head(const char *p, const char *e, int *node, const char **name, size_t *len, const char **after)
{
        static const char *const names[] = { "DMA32", "DMA", "Normal", "HighMem", "Movable", "Device" };

        *node = 0;
        if (starts(p, e, "Node ")) {
                p += 5;
                if (take_int(&p, e, 4095, node) < 0 || p >= e || *p != ' ')
                        return false;
                p++;
        }
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                if (starts(p, e, names[i])) {
                        *name = p;
                        *len = strlen(names[i]);
                        *after = p + *len;
                        return true;
                }
        return false;
}

static bool parse_zone_line(Parser *ps, const char *p, const char *e)
{
        const char *name, *after;
        size_t len;
        int node;
        OomZone *z;
        Kv kv;

        if (!zone_head(p, e, &node, &name, &len, &after) || !starts(after, e, " free:"))
                return false;
        z = zone_for(ps->r, node, name, len, true);
        if (!z)
                return true;
        z->has_line = true;
        p = after;
        while (kv_next(&p, e, &kv)) {
                if (!kv.number)
                        continue;
                if (kv_is(&kv, "free"))
                        z->free_kb = kv.value;
                else if (kv_is(&kv, "boost"))
                        z->boost_kb = kv.value, z->has_boost = true;
                else if (kv_is(&kv, "min"))
                        z->min_kb = kv.value;
                else if (kv_is(&kv, "low"))
                        z->low_kb = kv.value;
                else if (kv_is(&kv, "high"))
                        z->high_kb = kv.value;
                else if (kv_is(&kv, "present"))
                        z->present_kb = kv.value;
                else if (kv_is(&kv, "managed"))
                        z->managed_kb = kv.value, z->has_managed = true;
                else if (kv_is(&kv, "reserved_highatomic"))
                        z->reserved_highatomic_kb = kv.value, z->has_reserved_highatomic = true;
                else if (kv_is(&kv, "free_highatomic"))
                        z->free_highatomic_kb = kv.value, z->has_free_highatomic = true;
                else if (kv_is(&kv, "free_cma"))
                        z->free_cma_kb = kv.value;
                else if (kv_is(&kv, "kernel_stack"))
                        ps->r->zone_kernel_stack_kb += kv.value;        /* per zone up to 5.4 */
                else if (kv_is(&kv, "pagetables"))
                        ps->r->zone_pagetables_kb += kv.value;          /* per zone up to 5.10 */
        }
        if (!z->has_managed)
                z->managed_kb = z->present_kb;  /* kernels before 3.8 print no managed */
        return true;
}

/* "Node 0 DMA32: 2150*4kB (UMEH) 2083*8kB (UMEH) ... = 44288kB" */
static bool parse_buddy_line(Parser *ps, const char *p, const char *e)
{
        const char *name, *after;
        size_t len;
        int node;
        OomZone *z;
        uint64_t base = 0;

        if (!zone_head(p, e, &node, &name, &len, &after) || !starts(after, e, ": ") || !find(after, e, "*"))
                return false;
        z = zone_for(ps->r, node, name, len, true);
        if (!z)
                return true;
        p = after + 2;
        z->n_orders = 0;
        while (p < e) {
                uint64_t count, size;
                unsigned order = 0;

                skip_blanks(&p, e);
                if (p < e && *p == '=') {
                        p++;
                        skip_blanks(&p, e);
                        (void)take_u64(&p, e, UINT64_MAX / 2, &z->buddy_total_kb);
                        break;
                }
                if (take_u64(&p, e, UINT64_MAX / 2, &count) < 0 || !take_literal(&p, e, "*") ||
                    take_u64(&p, e, UINT64_C(1) << 40, &size) < 0 || !take_literal(&p, e, "kB"))
                        break;
                if (!base)
                        base = size;
                while (base && (base << order) < size && order < OG_MAX_ORDERS)
                        order++;
                if (order >= OG_MAX_ORDERS || (base << order) != size)
                        break;
                z->buddy[order] = count;
                if (order + 1 > z->n_orders)
                        z->n_orders = order + 1;
                skip_blanks(&p, e);
                if (p < e && *p == '(') {
                        const char *c = memchr(p, ')', (size_t)(e - p));

                        for (const char *l = p + 1; c && l < c; l++)
                                switch (*l) {
                                case 'U':
                                        z->types[order] |= 1u << MT_UNMOVABLE;
                                        break;
                                case 'M':
                                        z->types[order] |= 1u << MT_MOVABLE;
                                        break;
                                case 'E':
                                        z->types[order] |= 1u << MT_RECLAIMABLE;
                                        break;
                                case 'H':
                                        z->types[order] |= 1u << MT_HIGHATOMIC;
                                        break;
                                case 'R':
                                        z->types[order] |= 1u << MT_RESERVE;
                                        break;
                                case 'C':
                                        z->types[order] |= 1u << MT_CMA;
                                        break;
                                case 'I':
                                        z->types[order] |= 1u << MT_ISOLATE;
                                        break;
                                default:
                                        break;
                                }
                        p = c ? c + 1 : e;
                }
        }
        z->has_buddy = z->n_orders > 0;
        return true;
}

static bool parse_lowmem_reserve(Parser *ps, const char *p, const char *e)
{
        OomZone *z = NULL;
        const char *q = find(p, e, "lowmem_reserve[]:");

        if (!q)
                q = find(p, e, "protections[]:");       /* 2.6 */
        if (!q)
                return false;
        q = (const char *)memchr(q, ':', (size_t)(e - q)) + 1;
        for (unsigned i = ps->r->n_zones; i-- > 0;)
                if (ps->r->zones[i].has_line) {
                        z = &ps->r->zones[i];
                        break;
                }
        if (!z)
                return true;
        z->n_reserve = 0;
        for (;;) {
                uint64_t v;

                skip_blanks(&q, e);
                if (z->n_reserve >= OG_MAX_ZONES || take_u64(&q, e, UINT64_MAX / 2, &v) < 0)
                        break;
                z->reserve_pages[z->n_reserve++] = v;
        }
        return true;
}

static void header_line(Parser *ps, const char *p, const char *e, bool paf)
{
        OomReport *r = ps->r;
        const char *k = find(p, e, paf ? "page allocation failure" : "oom-killer:"), *q;
        uint64_t v;

        r->has_header = true;
        r->kind = paf ? OOM_KIND_PAGE_ALLOC_FAILURE : OOM_KIND_GLOBAL;
        /* the comm: "tor invoked oom-killer:" / "kswapd0: page allocation failure" */
        q = k;
        while (q > p && (q[-1] == ' ' || q[-1] == ':'))
                q--;
        if (!paf && q - p > 8 && memcmp(q - 7, "invoked", 7) == 0)
                q -= 8;
        skip_blanks(&p, q);
        copy_str(r->comm, sizeof(r->comm), p, q);
        q = find(k, e, paf ? "mode:" : "gfp_mask=");
        if (q) {
                q += paf ? 5 : 9;
                if (take_literal(&q, e, "0x")) {
                        uint32_t m = 0;
                        unsigned digits = 0;

                        for (; q < e && digits < 8; q++, digits++) {
                                char c = *q;
                                unsigned d = is_digit(c) ? (unsigned)(c - '0') :
                                             (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10) :
                                                                      (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10) : 16;

                                if (d > 15)
                                        break;
                                m = m << 4 | d;
                        }
                        r->gfp_mask = m;
                        r->has_gfp = digits > 0;
                        if (q < e && *q == '(') {
                                const char *c = memchr(q, ')', (size_t)(e - q));

                                if (c)
                                        copy_str(r->gfp_names, sizeof(r->gfp_names), q + 1, c);
                        }
                }
        }
        /* -1 is a SysRq OOM; anything beyond the largest buddy order is not
         * a kernel's, and is not believed */
        if (int_after(k, e, paf ? "order:" : "order=", &r->order))
                r->has_order = r->order >= -1 && r->order < OG_MAX_ORDERS;
        if (!r->has_order)
                r->order = 0;
        if (!int_after(k, e, "oom_score_adj=", &r->oom_score_adj))
                (void)int_after(k, e, "oomkilladj=", &r->oom_score_adj);
        q = find(k, e, "nodemask=");
        if (q) {
                const char *s = q + 9, *t = s;

                while (t < e && *t != ',' && *t != ' ')
                        t++;
                copy_str(r->nodemask, sizeof(r->nodemask), s, t);
        }
        (void)v;
}

/* "CPU: 0 PID: 1439 Comm: tor Not tainted 4.9.0-4-amd64 #1 Debian ..." and
 * 2.6's "Pid: 2481, comm: foo Not tainted 2.6.32-5-amd64 #1" */
static bool release_line(Parser *ps, const char *p, const char *e)
{
        const char *q = find(p, e, "Comm: "), *w;
        size_t wl;

        if (!q)
                q = find(p, e, "comm: ");
        if (!q || (!find(p, q, "PID:") && !find(p, q, "Pid:")))
                return false;
        q += 6;
        (void)take_word(&q, e, &w, &wl);       /* the comm */
        while (take_word(&q, e, &w, &wl)) {
                KernelVersion kv;

                if (is_digit(w[0]) && memchr(w, '.', wl) && kernel_version_parse(w, wl, &kv) == 0) {
                        copy_str(ps->r->release, sizeof(ps->r->release), w, w + wl);
                        ps->r->kernel = kv;
                        ps->r->kernel_known = true;
                        break;
                }
        }
        return true;
}

static void meminfo_kv(Parser *ps, const char *p, const char *e)
{
        OomMemInfo *m = &ps->r->mem;
        static const struct {
                const char *key;
                size_t offset;
        } keys[] = {
#define K(k, f) { k, offsetof(OomMemInfo, f) }
                K("active_anon", active_anon), K("inactive_anon", inactive_anon), K("isolated_anon", isolated_anon),
                K("active_file", active_file), K("inactive_file", inactive_file), K("isolated_file", isolated_file),
                K("unevictable", unevictable), K("dirty", dirty), K("writeback", writeback),
                K("slab_reclaimable", slab_reclaimable), K("slab_unreclaimable", slab_unreclaimable),
                K("mapped", mapped), K("shmem", shmem), K("pagetables", pagetables), K("bounce", bounce),
                K("free", free), K("free_pcp", free_pcp), K("free_cma", free_cma),
                /* before 2.6.28 the LRU was not split into anon and file */
                K("Active", lru_active), K("inactive", lru_inactive), K("slab", slab),
#undef K
        };
        Kv kv;

        while (kv_next(&p, e, &kv))
                for (size_t i = 0; kv.number && i < sizeof(keys) / sizeof(keys[0]); i++)
                        if (kv_is(&kv, keys[i].key)) {
                                *(uint64_t *)((char *)m + keys[i].offset) = kv.value;
                                m->present = true;
                        }
}

/* "Node 0 active_anon:500748kB inactive_anon:... all_unreclaimable? yes" */
static bool node_line(Parser *ps, const char *p, const char *e)
{
        int node;
        Kv kv;

        if (!starts(p, e, "Node ") || !find(p, e, "active_anon:") || !find(p, e, "kB"))
                return false;
        p += 5;
        if (take_int(&p, e, 4095, &node) < 0)
                return false;
        while (kv_next(&p, e, &kv)) {
                if (kv_is(&kv, "all_unreclaimable?"))
                        ps->r->all_unreclaimable |= kv.yes;
                else if (!kv.number)
                        continue;
                else if (kv_is(&kv, "kernel_stack"))
                        ps->r->node_kernel_stack_kb += kv.value;
                else if (kv_is(&kv, "pagetables"))
                        ps->r->node_pagetables_kb += kv.value;
                else if (kv_is(&kv, "shmem"))
                        ps->r->node_shmem_kb += kv.value;
                else if (kv_is(&kv, "anon_thp"))
                        ps->r->node_anon_thp_kb += kv.value;
                else if (kv_is(&kv, "Balloon")) {
                        ps->r->node_balloon_kb += kv.value;
                        ps->r->has_balloon_field = true;
                }
        }
        return true;
}

static void tasks_header(Parser *ps, const char *p, const char *e)
{
        const char *q = memchr(p, ']', (size_t)(e - p)), *w;
        size_t wl;
        int col = 0;

        for (int i = 0; i < _COL_MAX; i++)
                ps->task_cols[i] = -1;
        if (!q)
                return;
        q++;
        while (take_word(&q, e, &w, &wl)) {
                if (WORD_IS(w, wl, "rss"))
                        ps->task_cols[COL_RSS] = col;
                else if (WORD_IS(w, wl, "swapents"))
                        ps->task_cols[COL_SWAP] = col;
                else if (WORD_IS(w, wl, "oom_score_adj") || WORD_IS(w, wl, "oom_adj"))
                        ps->task_cols[COL_ADJ] = col;
                else if (WORD_IS(w, wl, "name"))
                        ps->task_cols[COL_NAME] = col;
                col++;
        }
        ps->have_task_cols = ps->task_cols[COL_RSS] >= 0 && ps->task_cols[COL_NAME] >= 0;
}

static void task_row(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        OomTask t = { 0 };
        const char *q = p + 1, *w;
        size_t wl;
        int col = 0;

        skip_blanks(&q, e);
        if (take_int(&q, e, 1 << 30, &t.pid) < 0 || !take_literal(&q, e, "]"))
                return;
        while (take_word(&q, e, &w, &wl)) {
                const char *n = w;
                uint64_t v = 0;
                int adj;

                if (col == ps->task_cols[COL_NAME]) {
                        copy_str(t.name, sizeof(t.name), w, e);
                        break;
                }
                if (col == ps->task_cols[COL_ADJ] && take_int(&n, w + wl, 1000, &adj) == 0)
                        t.oom_score_adj = adj;
                else if (take_u64(&n, w + wl, UINT64_MAX / 2, &v) == 0) {
                        if (col == ps->task_cols[COL_RSS])
                                t.rss_pages = v;
                        else if (col == ps->task_cols[COL_SWAP])
                                t.swapents = v;
                }
                col++;
        }
        r->n_tasks++;
        r->tasks_rss_pages += t.rss_pages;
        for (unsigned i = 0; i < OOM_MAX_TOP_TASKS; i++)
                if (!r->top[i].pid || t.rss_pages > r->top[i].rss_pages) {
                        memmove(&r->top[i + 1], &r->top[i], (OOM_MAX_TOP_TASKS - 1 - i) * sizeof(OomTask));
                        r->top[i] = t;
                        break;
                }
}

/* "N (comm)" after "process " */
static void pid_and_comm(const char *p, const char *e, int *pid, char *comm, size_t size)
{
        const char *open, *close = NULL;

        skip_blanks(&p, e);
        if (take_int(&p, e, 1 << 30, pid) < 0)
                return;
        open = memchr(p, '(', (size_t)(e - p));
        if (!open)
                return;
        /* the comm may hold ')': take the last ')' before the next ", " or " " field */
        for (const char *c = open + 1; c < e; c++)
                if (*c == ')' && (c + 1 == e || c[1] == ' ' || c[1] == ','))
                        close = c;
        if (close)
                copy_str(comm, size, open + 1, close);
}

static void kill_lines(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *q;
        uint64_t v;

        if ((q = find(p, e, "Killed process "))) {
                r->has_killed = true;
                pid_and_comm(q + 15, e, &r->killed_pid, r->killed_comm, sizeof(r->killed_comm));
                if (value_after(q, e, "total-vm:", &v))
                        r->killed_total_vm_kb = v;
                if (value_after(q, e, "anon-rss:", &v))
                        r->killed_anon_rss_kb = v;
                if (value_after(q, e, "file-rss:", &v))
                        r->killed_file_rss_kb = v;
                if (value_after(q, e, "shmem-rss:", &v))
                        r->killed_shmem_rss_kb = v;
                if (find(p, q, "Memory cgroup"))
                        r->kind = OOM_KIND_MEMCG;
                ps->terminal = true;
        } else if ((q = find(p, e, "ill process "))) {
                /* "Kill process 20911 (beam.smp) score 8 or sacrifice child", 2.6 "kill process" */
                r->has_chosen = true;
                pid_and_comm(q + 12, e, &r->chosen_pid, r->chosen_comm, sizeof(r->chosen_comm));
                if (find(p, q, "Memory cgroup"))
                        r->kind = OOM_KIND_MEMCG;
        }
}

/* "memory: usage 1048576kB, limit 1048576kB, failcnt 123" and friends */
static bool memcg_usage(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        uint64_t u, l, f = 0;

        if (!value_after(p, e, "usage", &u) || !value_after(p, e, "limit", &l))
                return false;
        (void)value_after(p, e, "failcnt", &f);
        if (starts(p, e, "memory:")) {
                r->has_memcg_usage = true;
                r->memcg_usage_kb = u, r->memcg_limit_kb = l, r->memcg_failcnt = f;
        } else if (starts(p, e, "memory+swap:")) {
                r->has_memsw = true;
                r->memsw_usage_kb = u, r->memsw_limit_kb = l;
        } else if (starts(p, e, "swap:")) {
                r->has_swap_usage = true;
                r->swap_usage_kb = u, r->swap_limit_kb = l;
        }
        return true;
}

static void memcg_stats_kv(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        Kv kv;

        /* v1 inline, KB: "cache:12KB rss:34KB ... shmem:0KB" */
        while (kv_next(&p, e, &kv)) {
                if (!kv.number)
                        continue;
                if (kv_is(&kv, "rss"))
                        r->memcg_anon_kb = kv.value, r->has_memcg_stats = true;
                else if (kv_is(&kv, "cache"))
                        r->memcg_file_kb = kv.value;
                else if (kv_is(&kv, "shmem"))
                        r->memcg_shmem_kb = kv.value;
        }
}

/* v2: one "name bytes" pair per line */
static bool memcg_stat_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *w, *q = p;
        size_t wl;
        uint64_t v;

        if (!take_word(&q, e, &w, &wl))
                return false;
        skip_blanks(&q, e);
        if (take_u64(&q, e, UINT64_MAX / 2, &v) < 0 || !at_end(q, e))
                return false;
        for (size_t i = 0; i < wl; i++)
                if (!(w[i] == '_' || (w[i] >= 'a' && w[i] <= 'z')))
                        return false;
        if (WORD_IS(w, wl, "anon"))
                r->memcg_anon_kb = v / 1024, r->has_memcg_stats = true;
        else if (WORD_IS(w, wl, "file"))
                r->memcg_file_kb = v / 1024;
        else if (WORD_IS(w, wl, "shmem"))
                r->memcg_shmem_kb = v / 1024;
        else if (WORD_IS(w, wl, "slab"))
                r->memcg_slab_kb = v / 1024;
        return true;
}

static bool slab_row(Parser *ps, const char *p, const char *e)
{
        const char *w, *q = p, *n;
        size_t wl;
        uint64_t used;

        if (!take_word(&q, e, &w, &wl))
                return false;
        skip_blanks(&q, e);
        n = q;
        if (take_u64(&n, e, UINT64_MAX / 2, &used) < 0 || !take_literal(&n, e, "KB"))
                return false;
        if (used > ps->r->slab_top_kb) {
                ps->r->slab_top_kb = used;
                copy_str(ps->r->slab_top_name, sizeof(ps->r->slab_top_name), w, w + wl);
        }
        return true;
}

static bool summary_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *q = find(p, e, "oom-kill:");

        if (!q)
                return false;
        q += 9;
        while (q < e) {
                const char *c = memchr(q, ',', (size_t)(e - q)), *f = c ? c : e;

                if (starts(q, f, "constraint="))
                        copy_str(r->constraint, sizeof(r->constraint), q + 11, f);
                else if (starts(q, f, "oom_memcg="))
                        copy_str(r->oom_memcg, sizeof(r->oom_memcg), q + 10, f);
                else if (starts(q, f, "task_memcg="))
                        copy_str(r->task_memcg, sizeof(r->task_memcg), q + 11, f);
                else if (starts(q, f, "cpuset="))
                        copy_str(r->cpuset, sizeof(r->cpuset), q + 7, f);
                else if (starts(q, f, "mems_allowed="))
                        copy_str(r->mems_allowed, sizeof(r->mems_allowed), q + 13, f);
                else if (starts(q, f, "nodemask=") && !starts(q, f, "nodemask=(null)"))
                        copy_str(r->nodemask, sizeof(r->nodemask), q + 9, f);
                q = c ? c + 1 : e;
        }
        if (strcmp(r->constraint, "CONSTRAINT_MEMCG") == 0)
                r->kind = OOM_KIND_MEMCG;
        return true;
}

static bool numbers_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *q = p;
        uint64_t v;

        if (find(p, e, "hugepages_total=")) {
                uint64_t total = 0, freep = 0, size = 0;

                (void)value_after(p, e, "hugepages_total=", &total);
                (void)value_after(p, e, "hugepages_free=", &freep);
                (void)value_after(p, e, "hugepages_size=", &size);
                r->hugepages_kb += total * size;
                r->hugepages_free_kb += freep * size;
                return true;
        }
        if (starts(p, e, "Free swap")) {
                r->has_swap_lines = true;
                return value_after(p, e, "=", &r->free_swap_kb), true;
        }
        if (starts(p, e, "Total swap")) {
                r->has_swap_lines = true;
                return value_after(p, e, "=", &r->total_swap_kb), true;
        }
        if (take_u64(&q, e, UINT64_MAX / 2, &v) < 0 || q >= e || *q != ' ')
                return false;
        q++;
        if (starts(q, e, "total pagecache pages"))
                r->pagecache_pages = v;
        else if (starts(q, e, "pages in swap cache"))
                r->swapcache_pages = v;
        else if (starts(q, e, "pages RAM")) {
                r->pages_ram = v;
                r->has_pages_ram = true;
        } else if (starts(q, e, "pages HighMem"))
                r->pages_highmem = v;
        else if (starts(q, e, "pages reserved") || starts(q, e, "reserved pages"))
                r->pages_reserved = v;
        else if (starts(q, e, "pages cma reserved"))
                r->pages_cma_reserved = v;
        else if (!starts(q, e, "pages ") && !starts(q, e, "reserved pages"))
                return false;
        if (r->kind == OOM_KIND_PAGE_ALLOC_FAILURE &&
            (starts(q, e, "pages reserved") || starts(q, e, "pages cma reserved") || starts(q, e, "pages hwpoisoned")))
                ps->terminal = true;    /* show_mem()'s last lines */
        return true;
}

/* "0000000000000000 ffffffffb2129134 ..." raw stack words (<= 4.x), and
 * ARM register dumps "r6:600f0113 r5:c141c0dc" */
static bool is_stack_words(const char *p, const char *e)
{
        unsigned words = 0;

        while (p < e) {
                const char *w;
                size_t wl, i = 0;

                if (!take_word(&p, e, &w, &wl))
                        break;
                if (wl > 3 && w[0] == 'r' && is_digit(w[1])) {
                        const char *colon = memchr(w, ':', wl);

                        i = colon ? (size_t)(colon - w) + 1 : wl;
                }
                for (; i < wl; i++)
                        if (!(is_digit(w[i]) || (w[i] >= 'a' && w[i] <= 'f')))
                                return false;
                words++;
        }
        return words >= 2;
}

static bool is_register_dump(const char *p, const char *e)
{
        /* "r10:00000001 r9:c12169bc ..." (arm), "x29: ffff800011e3b9a0 x28: ..." (arm64) */
        return e - p > 4 && (p[0] == 'r' || p[0] == 'x' || p[0] == 'p' || p[0] == 'l' || p[0] == 's') &&
               (is_digit(p[1]) || p[1] == 'c' || p[1] == 'r' || p[1] == 'p') && memchr(p, ':', 6) &&
               find(p, e, ":") < p + 5;
}

static bool is_trace_line(const char *p, const char *e)
{
        return is_stack_words(p, e) || is_register_dump(p, e) || find(p, e, "per-cpu:") || (starts(p, e, "CPU ") && find(p, e, "hi:")) ||
               (starts(p, e, "cpu ") && (find(p, e, " hot:") || find(p, e, " cold:"))) ||
               starts(p, e, "Workqueue:") || starts(p, e, "Tainted:") || starts(p, e, "Sched_ext:") ||
               starts(p, e, "Free pages:") || starts(p, e, "Swap cache:") || starts(p, e, "===") ||
               starts(p, e, "Out of memory and no killable processes") ||
               starts(p, e, "Mem-info:") || starts(p, e, "pgtables") || starts(p, e, "Memory cgroup out of memory") || (find(p, e, "+0x") && find(p, e, "/0x")) || starts(p, e, "Call Trace") || starts(p, e, "Call trace") ||
               starts(p, e, "<TASK>") || starts(p, e, "</TASK>") || starts(p, e, "RIP:") || starts(p, e, "RSP:") ||
               starts(p, e, "RAX:") || starts(p, e, "RDX:") || starts(p, e, "RBP:") || starts(p, e, "R10:") ||
               starts(p, e, "R13:") || starts(p, e, "Code:") || starts(p, e, "Hardware name:") ||
               starts(p, e, "Backtrace:") || starts(p, e, "[<") || starts(p, e, "? ") || starts(p, e, "dump_") ||
               starts(p, e, "Mem-Info:") || starts(p, e, "Tasks state") || starts(p, e, "Swap cache stats") ||
               starts(p, e, "Node ") || starts(p, e, "Unreclaimable slab info") || starts(p, e, "Name ");
}

/* Parses one logical record; returns whether it belonged to the report. */
static bool parse_record(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;

        skip_blanks(&p, e);
        while (e > p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t'))
                e--;
        if (p >= e)
                return true;
        if (ps->section == SEC_MEMCG_STATS && memcg_stat_line(ps, p, e))
                return true;
        if (ps->section == SEC_SLAB && (slab_row(ps, p, e) || starts(p, e, "Name ")))
                return true;
        ps->section = SEC_NONE;

        if (find(p, e, "oom-kill:"))
                return summary_line(ps, p, e);
        if (starts(p, e, "Kernel panic")) {
                ps->terminal = true;    /* panic_on_oom, or no killable process */
                return true;
        }
        if (find(p, e, "Killed process ") || find(p, e, "ill process "))
                return kill_lines(ps, p, e), true;
        if (starts(p, e, "oom_reaper:")) {
                int pid = 0;
                uint64_t v;

                if (find(p, e, "reaped process ")) {
                        pid_and_comm(find(p, e, "reaped process ") + 15, e, &pid, (char[OOM_NAME_MAX]){ 0 }, OOM_NAME_MAX);
                        if (pid == r->killed_pid) {
                                r->reaped = true;
                                if (value_after(p, e, "anon-rss:", &v))
                                        r->reaped_anon_rss_kb = v;
                        }
                }
                return true;
        }
        if (find(p, e, "cpuset=") && find(p, e, "mems_allowed=")) {
                const char *c = find(p, e, "cpuset="), *m = find(p, e, "mems_allowed="), *s;

                s = c + 7;
                copy_str(r->cpuset, sizeof(r->cpuset), s, memchr(s, ' ', (size_t)(e - s)) ?: e);
                copy_str(r->mems_allowed, sizeof(r->mems_allowed), m + 13, e);
                return true;
        }
        if (release_line(ps, p, e))
                return true;
        if (starts(p, e, "Hardware name:")) {
                static const char *const vms[] = { "QEMU", "KVM", "VMware", "VirtualBox", "Virtual Machine", "Xen",
                                                   "Bochs", "Google Compute Engine", "Amazon EC2", "Hyper-V",
                                                   "Parallels", "Cloud Hypervisor", "Firecracker", "OpenStack" };

                for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++)
                        r->hypervisor |= find(p, e, vms[i]) != NULL;
                return true;
        }
        if (find(p, e, "virtballoon") || find(p, e, "balloon_")) {
                r->trace_balloon = true;
                return true;
        }
        if (find(p, e, "mem_cgroup_out_of_memory") || find(p, e, "mem_cgroup_oom")) {
                r->trace_memcg = true;
                return true;
        }
        if (find(p, e, "pagefault_out_of_memory")) {
                r->trace_pagefault = true;
                return true;
        }
        if (parse_zone_line(ps, p, e) || parse_buddy_line(ps, p, e) || parse_lowmem_reserve(ps, p, e) ||
            node_line(ps, p, e))
                return true;
        if (starts(p, e, "Mem-Info:")) {
                meminfo_kv(ps, p + 9, e);
                return true;
        }
        if (starts(p, e, "[ pid ]") || starts(p, e, "[  pid  ]")) {
                tasks_header(ps, p, e);
                return true;
        }
        if (*p == '[' && ps->have_task_cols && p + 1 < e && (p[1] == ' ' || is_digit(p[1]))) {
                task_row(ps, p, e);
                return true;
        }
        if (starts(p, e, "Task in ") && find(p, e, "limit of ")) {
                const char *l = find(p, e, "limit of ") + 9;

                copy_str(r->memcg_limit_of, sizeof(r->memcg_limit_of), l, e);
                r->kind = OOM_KIND_MEMCG;
                return true;
        }
        if (starts(p, e, "Memory limit reached of cgroup ")) {
                copy_str(r->memcg_limit_of, sizeof(r->memcg_limit_of), p + 31, e);
                r->kind = OOM_KIND_MEMCG;
                return true;
        }
        if ((starts(p, e, "memory:") || starts(p, e, "memory+swap:") || starts(p, e, "kmem:") || starts(p, e, "swap:")) &&
            memcg_usage(ps, p, e)) {
                r->kind = OOM_KIND_MEMCG;
                return true;
        }
        if (starts(p, e, "Memory cgroup stats for")) {
                const char *path = p + strlen("Memory cgroup stats for"), *c;

                skip_blanks(&path, e);
                c = memchr(path, ':', (size_t)(e - path));
                if (c && !r->memcg_limit_of[0] && !r->oom_memcg[0])
                        copy_str(r->memcg_limit_of, sizeof(r->memcg_limit_of), path, c);
                if (c && c + 1 < e)
                        memcg_stats_kv(ps, c + 1, e);
                ps->section = SEC_MEMCG_STATS;
                return true;
        }
        if (starts(p, e, "Unreclaimable slab info")) {
                ps->section = SEC_SLAB;
                return true;
        }
        if (numbers_line(ps, p, e))
                return true;
        if (find(p, e, "active_anon:") || starts(p, e, "free:") || find(p, e, "slab_reclaimable:") ||
            starts(p, e, "Active:") || starts(p, e, "slab:") ||
            find(p, e, "active_file:") || starts(p, e, "mapped:") || starts(p, e, "unevictable:") ||
            starts(p, e, "sec_pagetables:") || starts(p, e, "kernel_misc_reclaimable:")) {
                meminfo_kv(ps, p, e);
                return true;
        }
        return is_trace_line(p, e);
}

static void flush_record(Parser *ps)
{
        bool used;

        if (!ps->record_len)
                return;
        if (ps->record_is_header) {
                header_line(ps, ps->record, ps->record + ps->record_len, ps->header_paf);
                ps->record_is_header = false;
                ps->r->lines_used++;
                ps->record_len = 0;
                return;
        }
        used = parse_record(ps, ps->record, ps->record + ps->record_len);
        if (used) {
                ps->r->lines_used++;
                ps->unknown_run = 0;
                ps->r->last_line = ps->record_line;
        } else {
                ps->r->lines_skipped++;
                ps->unknown_run++;
                if (ps->skipped)
                        fprintf(ps->skipped, "skipped line %u: %.*s\n", ps->record_line,
                                (int)(ps->record_len > 300 ? 300 : ps->record_len), ps->record);
        }
        ps->record_len = 0;
}

/* The lines that open a record of their own in an OOM report. */
static bool looks_like_record_start(const char *p, const char *e)
{
        static const char *const openers[] = {
                "Node ", "lowmem_reserve", "protections", "[", "Mem-", "Free ", "Total swap", "Swap ",
                "Out of", "Killed", "oom", "Task", "memory", "Memory", "CPU", "cpu ", "Call", "Hardware", "kmem",
                "swap:", "Unreclaimable", "Name", "Workqueue", "Tainted", "DMA per-cpu",
                "Normal per-cpu", "HighMem per-cpu", "DMA32 per-cpu", "Kernel panic", "RIP", "Code:",
        };
        const char *name, *after;
        size_t len;
        int node;

        /* "active_anon:125187" opens the global Mem-Info lines (pages);
         * "active_anon:3556kB" is the middle of a wrapped zone line */
        if (starts(p, e, "active_anon:") || starts(p, e, "Active:")) {
                const char *q = (const char *)memchr(p, ':', (size_t)(e - p)) + 1;
                uint64_t v;

                return !(take_u64(&q, e, UINT64_MAX / 2, &v) == 0 && starts(q, e, "kB"));
        }
        for (size_t i = 0; i < sizeof(openers) / sizeof(openers[0]); i++)
                if (starts(p, e, openers[i]))
                        return true;
        if (zone_head(p, e, &node, &name, &len, &after) && (starts(after, e, " free:") || starts(after, e, ": ")))
                return true;
        if (p < e && is_digit(*p)) {
                const char *q = p;
                uint64_t v;

                if (take_u64(&q, e, UINT64_MAX / 2, &v) == 0 && q < e && *q == ' ' &&
                    (starts(q + 1, e, "pages") || starts(q + 1, e, "total pagecache") || starts(q + 1, e, "reserved")))
                        return true;
        }
        return false;
}

static bool continues(const Parser *ps, const char *t, const char *e, bool had_prefix)
{
        const char *p = t;

        if (!ps->record_len)
                return false;
        if (ps->prefixed) {
                /* an unprefixed line continues the last one (a wrap, or a
                 * printk's embedded newline), unless it plainly opens a
                 * record of its own (rsyslog's "#012" pieces) */
                if (had_prefix || t >= e)
                        return false;
                skip_blanks(&p, e);
                return !looks_like_record_start(p, e) && !starts(p, e, "Call Trace") && !starts(p, e, "Hardware");
        }
        /* Unprefixed streams (mail, pasted text): a line continues the record
         * when it carries on its fields and does not open a record itself. */
        skip_blanks(&p, e);
        if (ps->record_is_header)
                return starts(p, e, "gfp_mask=") || starts(p, e, "nodemask=") || starts(p, e, "order=") ||
                       starts(p, e, "oom_score_adj=") || starts(p, e, "mode:");
        if (looks_like_record_start(p, e))
                return false;
        if (find(ps->record, ps->record + ps->record_len, "*4kB") || find(ps->record, ps->record + ps->record_len, "*8kB"))
                return find(p, e, "kB") != NULL;        /* a buddy line's tail */
        {
                Kv kv;
                const char *q = p;

                return kv_next(&q, e, &kv) && (kv.number || kv.yes) &&
                       find(ps->record, ps->record + ps->record_len, ":") != NULL;
        }
}

static void append_record(Parser *ps, const char *t, const char *e)
{
        size_t n = (size_t)(e - t);

        if (n > RECORD_MAX - ps->record_len)
                n = RECORD_MAX - ps->record_len;
        memcpy(ps->record + ps->record_len, t, n);
        ps->record_len += n;
}

static bool report_starts(const char *t, const char *e, bool *paf)
{
        *paf = find(t, e, "page allocation failure") != NULL;
        return *paf || find(t, e, "oom-killer:");
}

/* One line (or one "#012" piece of one). Returns false when the line ended
 * the report without belonging to it: the caller looks at it again. */
static bool take_line(Parser *ps, const char *s, const char *e, bool first_piece)
{
        bool had_prefix, paf;
        const char *t = oom_strip_prefix(s, e, &had_prefix);

        if (!first_piece)
                had_prefix = false;     /* the pieces of one syslog line share its prefix */
        if (report_starts(t, e, &paf)) {
                flush_record(ps);
                end_report(ps);
                begin_report(ps);
                ps->prefixed = had_prefix;
                ps->record_line = ps->lineno;
                ps->record_is_header = true;
                ps->header_paf = paf;
                append_record(ps, t, e);
                return true;
        }
        if (continues(ps, t, e, had_prefix)) {
                append_record(ps, t, e);
                return true;
        }
        flush_record(ps);
        if (ps->terminal && ps->record_len == 0) {
                /* after the kill line only oom_reaper and the summary belong */
                const char *p = t;

                skip_blanks(&p, e);
                if (!starts(p, e, "oom_reaper:") && !find(p, e, "oom-kill:") && !find(p, e, "Killed process ") &&
                    !(ps->r->kind == OOM_KIND_PAGE_ALLOC_FAILURE && p < e && is_digit(*p) && find(p, e, "pages"))) {
                        end_report(ps);
                        return false;
                }
        }
        ps->record_line = ps->lineno;
        append_record(ps, t, e);
        if (ps->unknown_run >= MAX_UNKNOWN_RUN)
                end_report(ps);
        return true;
}

static bool take_physical_line(Parser *ps, const char *s, const char *e)
{
        bool first = true;

        /* rsyslog escapes embedded newlines as "#012"; copies from some
         * archives carry a literal "\x0a" */
        for (;;) {
                const char *h = find(s, e, "#012"), *x = find(s, e, "\\x0a"), *cut = h;
                size_t skip = 4;

                if (x && (!cut || x < cut))
                        cut = x;
                if (!cut)
                        break;
                (void)take_line(ps, s, cut, first);
                first = false;
                s = cut + skip;
        }
        return take_line(ps, s, e, first) || !first;
}

/* A report found by a line after its header (an excerpt, or a header cut
 * off): the "CPU: ... Comm:" line a few lines before may still name the
 * kernel. Looks back at most 64 KiB. */
static void look_back_for_release(Parser *ps, const char *at)
{
        const char *lo = at - ps->buf > 65536 ? at - 65536 : ps->buf, *end = at;

        while (end > lo) {
                const char *s = end - 1, *t;
                bool had;

                while (s > lo && s[-1] != '\n')
                        s--;
                t = oom_strip_prefix(s, end - 1 >= s ? end - 1 : s, &had);
                skip_blanks(&t, end - 1);
                if ((find(t, end - 1, "Comm: ") || find(t, end - 1, "comm: ")) && release_line(ps, t, end - 1))
                        return;
                end = s;
        }
}

/* Outside a report, jump to the next line that can start or belong to one.
 * A log is mostly other messages, so finding the next such line is most of
 * the work: one pass for all the strings, skipping up to 8 bytes at a time
 * on a table of 2-byte blocks (Wu and Manber's multi-pattern search, 1994),
 * instead of one memmem() pass per string. */
static const char *const triggers[] = { "oom-killer:", "page allocation failure", "Killed process ", "oom-kill:",
                                        "Mem-Info:", "memory: usage ", "Kill process ", "kill process " };
#define N_TRIGGERS (sizeof(triggers) / sizeof(triggers[0]))
#define SCAN_MIN 9      /* the shortest trigger */

typedef struct TriggerScanner {
        uint8_t shift[1 << 16];
        size_t len[N_TRIGGERS];
        uint16_t tail[N_TRIGGERS];      /* the block that ends each trigger's first SCAN_MIN bytes */
} TriggerScanner;

static uint16_t block(const char *b)
{
        return (uint16_t)((unsigned char)b[0] << 8 | (unsigned char)b[1]);
}

static void scanner_init(TriggerScanner *sc)
{
        memset(sc->shift, SCAN_MIN - 1, sizeof(sc->shift));
        for (size_t t = 0; t < N_TRIGGERS; t++) {
                sc->len[t] = strlen(triggers[t]);
                for (size_t q = 1; q < SCAN_MIN; q++) {
                        uint16_t h = block(triggers[t] + q - 1);
                        uint8_t sh = (uint8_t)(SCAN_MIN - 1 - q);

                        if (sh < sc->shift[h])
                                sc->shift[h] = sh;
                }
                sc->tail[t] = block(triggers[t] + SCAN_MIN - 2);
        }
}

/* The first trigger at or after p, or NULL. */
static const char *scanner_next(const TriggerScanner *sc, const char *p, const char *end)
{
        const char *i = p + SCAN_MIN - 1;

        while (i < end) {
                uint16_t h = block(i - 1);
                uint8_t sh = sc->shift[h];

                if (sh) {
                        i += sh;
                        continue;
                }
                for (size_t t = 0; t < N_TRIGGERS; t++) {
                        const char *start = i - (SCAN_MIN - 1);

                        if (sc->tail[t] == h && (size_t)(end - start) >= sc->len[t] &&
                            memcmp(start, triggers[t], sc->len[t]) == 0)
                                return start;
                }
                i++;
        }
        return NULL;
}

int oom_parse_buffer(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                     OomParseStats *stats)
{
        return oom_parse_buffer_verbose(buf, len, kernel, fn, userdata, stats, NULL);
}

int oom_parse_buffer_verbose(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                             OomParseStats *stats, void *skipped_file)
{
        Parser *ps = calloc(1, sizeof(*ps));
        TriggerScanner *sc = malloc(sizeof(*sc));
        const char *p = buf, *end = buf + len;
        unsigned counted_to_line = 0;
        const char *counted_to = buf, *handed_back = NULL;
        int ret;

        if (!ps || !sc) {
                free(ps);
                free(sc);
                return -ENOMEM;
        }
        ps->r = calloc(1, sizeof(*ps->r));
        if (!ps->r) {
                free(ps);
                free(sc);
                return -ENOMEM;
        }
        scanner_init(sc);
        memset(stats, 0, sizeof(*stats));
        ps->buf = buf;
        ps->end = end;
        ps->kernel_override = kernel;
        ps->fn = fn;
        ps->userdata = userdata;
        ps->stats = stats;
        ps->skipped = skipped_file;

        while (p < end && !ps->error) {
                const char *nl;

                if (!ps->open) {
                        const char *t = scanner_next(sc, p, end);

                        if (!t)
                                break;
                        /* back to the start of that line */
                        while (t > p && t[-1] != '\n')
                                t--;
                        p = t;
                        while (counted_to < p) {
                                const char *c = memchr(counted_to, '\n', (size_t)(p - counted_to));

                                if (!c)
                                        break;
                                counted_to = c + 1;
                                counted_to_line++;
                        }
                        ps->lineno = counted_to_line + 1;
                        /* a line after the header (an excerpt, or a kill line whose
                         * report was rate limited) opens a report of its own; a
                         * header found in it ends that one and opens the real one */
                        begin_report(ps);
                        if (!report_starts(p, memchr(p, '\n', (size_t)(end - p)) ?: end, &(bool){ false }))
                                look_back_for_release(ps, p);
                        {
                                bool had;

                                (void)oom_strip_prefix(p, memchr(p, '\n', (size_t)(end - p)) ?: end, &had);
                                ps->prefixed = had;
                        }
                }
                /* line numbers are counted only where they are needed */
                while (counted_to < p) {
                        const char *c = memchr(counted_to, '\n', (size_t)(p - counted_to));

                        if (!c)
                                break;
                        counted_to = c + 1;
                        counted_to_line++;
                }
                counted_to = p;
                ps->lineno = counted_to_line + 1;
                nl = memchr(p, '\n', (size_t)(end - p));
                if (!take_physical_line(ps, p, nl ? nl : end) && p != handed_back) {
                        handed_back = p;
                        continue;       /* it ended the report: look at it again, closed */
                }
                ps->stats->lines++;
                p = nl ? nl + 1 : end;
                counted_to = p;
                counted_to_line++;
        }
        flush_record(ps);
        end_report(ps);
        ret = ps->error;
        free(ps->r);
        free(ps);
        free(sc);
        return ret;
}
