/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The header of dump_header() (mm/oom_kill.c), the "CPU: .. PID: .. Comm:"
 * line of dump_stack(), dump_tasks()' table, oom_kill_process()' kill lines,
 * mem_cgroup_print_oom_info()'s usage and stats, and the oom-kill: summary. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"

void parse_header_line(Parser *ps, const char *p, const char *e, bool paf)
{
        OomReport *r = ps->r;
        const char *k = txt_find(p, e, paf ? "page allocation failure" : "oom-killer:"), *q;
        uint64_t v;

        r->has_header = true;
        r->kind = paf ? OOM_KIND_PAGE_ALLOC_FAILURE : OOM_KIND_GLOBAL;
        /* the comm: "tor invoked oom-killer:" / "kswapd0: page allocation failure" */
        q = k;
        while (q > p && (q[-1] == ' ' || q[-1] == ':'))
                q--;
        /* "invoked" with nothing before it names no process */
        if (!paf && q - p >= (ptrdiff_t)strlen("invoked") && txt_starts(q - strlen("invoked"), q, "invoked") &&
            (q - p == (ptrdiff_t)strlen("invoked") || q[-(ptrdiff_t)strlen(" invoked")] == ' '))
                q -= q - p == (ptrdiff_t)strlen("invoked") ? strlen("invoked") : strlen(" invoked");
        skip_blanks(&p, q);
        txt_copy(r->comm, sizeof(r->comm), p, q);
        q = txt_after(k, e, paf ? "mode:" : "gfp_mask=");
        if (q) {
                if (take_literal(&q, e, "0x")) {
                        uint32_t m = 0;
                        unsigned digits = 0;

                        for (; q < e && digits < 8; q++, digits++) {
                                char c = *q;
                                unsigned d = txt_is_digit(c) ? (unsigned)(c - '0') :
                                             (c >= 'a' && c <= 'f') ? (unsigned)(c - 'a' + 10) :
                                                                      (c >= 'A' && c <= 'F') ? (unsigned)(c - 'A' + 10) : 16;

                                if (d > 15)
                                        break;
                                m = m << 4 | d;
                        }
                        r->gfp_mask = m;
                        r->has_gfp = digits > 0;
                        /* "gfp_mask=0x240****(GFP_KERNEL)": the digits the
                         * page hid are not the mask; the names still are */
                        if (q < e && *q == '*') {
                                const char *d = q;

                                while (q < e && *q == '*')
                                        q++;
                                txt_copy(r->gfp_masked, sizeof(r->gfp_masked), d - digits - 2, q);
                                r->has_gfp = false;
                        }
                        if (q < e && *q == '(') {
                                const char *c = memchr(q, ')', (size_t)(e - q));

                                if (c)
                                        txt_copy(r->gfp_names, sizeof(r->gfp_names), q + 1, c);
                        }
                }
        }
        /* -1 is a SysRq OOM; anything beyond the largest buddy order is not
         * a kernel's, and is not believed */
        if (txt_int_after(k, e, paf ? "order:" : "order=", &r->order))
                r->has_order = r->order >= -1 && r->order < OG_MAX_ORDERS;
        if (!r->has_order)
                r->order = 0;
        {
                static const char *const adj_keys[] = { "oom_score_adj", "oom_adj", "oomkilladj" };
                char key[20];

                for (size_t i = 0; i < sizeof(adj_keys) / sizeof(adj_keys[0]) && !r->has_oom_score_adj; i++) {
                        snprintf(key, sizeof(key), "%s=", adj_keys[i]);
                        if (txt_int_after(k, e, key, &r->oom_score_adj)) {
                                r->has_oom_score_adj = true;
                                snprintf(r->adj_key, sizeof(r->adj_key), "%s", adj_keys[i]);
                        }
                }
        }
        q = txt_after(k, e, "nodemask=");
        if (q) {
                const char *s = q, *t = s;

                while (t < e && *t != ',' && *t != ' ')
                        t++;
                txt_copy(r->nodemask, sizeof(r->nodemask), s, t);
        }
        (void)v;
}

/* "CPU: 0 PID: 1439 Comm: tor Not tainted 4.9.0-4-amd64 #1 Debian ..." and
 * 2.6's "Pid: 2481, comm: foo Not tainted 2.6.32-5-amd64 #1" */
bool parse_release_line(Parser *ps, const char *p, const char *e)
{
        const char *q = txt_after(p, e, "Comm: "), *w;
        size_t wl;

        if (!q)
                q = txt_after(p, e, "comm: ");
        if (!q || (!txt_find(p, q, "PID:") && !txt_find(p, q, "Pid:")))
                return false;
        /* dump_stack_print_info(): "CPU: %d PID: %d Comm: %.20s"; 2.6: "Pid: %d, comm: %.20s" */
        {
                const char *n = txt_after(p, q, "PID:") ?: txt_after(p, q, "Pid:");
                int cpu;

                skip_blanks(&n, q);
                if (take_int(&n, q, 1 << 30, &ps->r->trigger_pid) == 0)
                        ps->r->has_trigger_pid = true;
                if (txt_int_after(p, q, "CPU:", &cpu))
                        ps->r->trigger_cpu = cpu;
        }
        (void)take_word(&q, e, &w, &wl);       /* the comm */
        while (take_word(&q, e, &w, &wl)) {
                KernelVersion kv;

                if (txt_is_digit(w[0]) && memchr(w, '.', wl) && kernel_version_parse(w, wl, &kv) == 0) {
                        txt_copy(ps->r->release, sizeof(ps->r->release), w, w + wl);
                        ps->r->kernel = kv;
                        ps->r->kernel_known = true;
                        break;
                }
        }
        return true;
}


void parse_tasks_header(Parser *ps, const char *p, const char *e)
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
                else if (WORD_IS(w, wl, "tgid"))
                        ps->task_cols[COL_TGID] = col;
                col++;
        }
        ps->have_task_cols = ps->task_cols[COL_RSS] >= 0 && ps->task_cols[COL_NAME] >= 0;
}

void parse_task_row(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        OomTask t = { 0 };
        const char *q = p + 1, *w;
        size_t wl;
        int col = 0, tgid = 0;

        skip_blanks(&q, e);
        if (take_int(&q, e, 1 << 30, &t.pid) < 0 || !take_literal(&q, e, "]"))
                return;
        while (take_word(&q, e, &w, &wl)) {
                const char *n = w;
                uint64_t v = 0;
                int adj;

                if (col == ps->task_cols[COL_NAME]) {
                        txt_copy(t.name, sizeof(t.name), w, e);
                        break;
                }
                if (col == ps->task_cols[COL_ADJ] && take_int(&n, w + wl, 1000, &adj) == 0)
                        t.oom_score_adj = adj;
                else if (take_u64(&n, w + wl, UINT64_MAX / 2, &v) == 0) {
                        if (col == ps->task_cols[COL_RSS])
                                t.rss_pages = v;
                        else if (col == ps->task_cols[COL_SWAP])
                                t.swapents = v;
                        else if (col == ps->task_cols[COL_TGID] && v <= INT32_MAX)
                                tgid = (int)v;
                }
                col++;
        }
        /* dump_tasks() prints the thread of each process that still has
         * the mm: its pid may be a thread's, not the process's */
        if (tgid && tgid != t.pid && r->n_threads < OOM_MAX_THREADS) {
                r->threads[r->n_threads].pid = t.pid;
                r->threads[r->n_threads].tgid = tgid;
                memcpy(r->threads[r->n_threads].name, t.name, sizeof(t.name));
                r->n_threads++;
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
void parse_pid_and_comm(const char *p, const char *e, int *pid, char *comm, size_t size)
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
                txt_copy(comm, size, open + 1, close);
}

void parse_kill_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *q;
        uint64_t v;

        if ((q = txt_find(p, e, "Killed process "))) {
                parse_pid_and_comm(txt_skip_prefix(q, e, "Killed process "), e, &r->killed_pid, r->killed_comm, sizeof(r->killed_comm));
                r->has_killed = r->killed_pid > 0;      /* a kill names its pid */
                if (txt_u64_after(q, e, "total-vm:", &v))
                        r->killed_total_vm_kb = v;
                if (txt_u64_after(q, e, "anon-rss:", &v))
                        r->killed_anon_rss_kb = v;
                if (txt_u64_after(q, e, "file-rss:", &v))
                        r->killed_file_rss_kb = v;
                if (txt_u64_after(q, e, "shmem-rss:", &v))
                        r->killed_shmem_rss_kb = v;
                if (txt_find(p, q, "Memory cgroup"))
                        r->kind = OOM_KIND_MEMCG;
                ps->terminal = true;
        } else if ((q = txt_find(p, e, "ill process "))) {
                /* "Kill process 20911 (beam.smp) score 8 or sacrifice child", 2.6 "kill process" */
                r->has_chosen = true;
                parse_pid_and_comm(txt_skip_prefix(q, e, "ill process "), e, &r->chosen_pid, r->chosen_comm, sizeof(r->chosen_comm));
                if (txt_find(p, q, "Memory cgroup"))
                        r->kind = OOM_KIND_MEMCG;
                /* out_of_memory() before 2.6.36 killed current for a
                 * CONSTRAINT_MEMORY_POLICY OOM with this message, and
                 * printed no constraint otherwise */
                if (txt_find(p, q, "(MPOL_BIND)"))
                        r->mpol_bind = true;
        }
}

/* "memory: usage 1048576kB, limit 1048576kB, failcnt 123" and friends */
bool parse_memcg_usage(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        uint64_t u, l, f = 0;

        if (!txt_u64_after(p, e, "usage", &u) || !txt_u64_after(p, e, "limit", &l))
                return false;
        (void)txt_u64_after(p, e, "failcnt", &f);
        /* mem_cgroup_print_oom_meminfo(): "swap:" on the default (v2)
         * hierarchy, "memory+swap:" and "kmem:" on v1 */
        if (txt_starts(p, e, "memory+swap:") || txt_starts(p, e, "kmem:"))
                r->memcg_version = 1;
        else if (txt_starts(p, e, "swap:"))
                r->memcg_version = 2;
        if (txt_starts(p, e, "memory:")) {
                r->has_memcg_usage = true;
                r->memcg_usage_kb = u, r->memcg_limit_kb = l, r->memcg_failcnt = f;
        } else if (txt_starts(p, e, "memory+swap:")) {
                r->has_memsw = true;
                r->memsw_usage_kb = u, r->memsw_limit_kb = l;
        } else if (txt_starts(p, e, "swap:")) {
                r->has_swap_usage = true;
                r->swap_usage_kb = u, r->swap_limit_kb = l;
        }
        return true;
}

void parse_memcg_stats_kv(Parser *ps, const char *p, const char *e)
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
/* memory_stat_format() (4.19+, both hierarchies): one "name bytes" pair per
 * line; the unprefixed lines after the first may arrive joined to it. */
static bool stat_pair(const char **q, const char *e, const char **w, size_t *wl, uint64_t *v)
{
        if (!take_word(q, e, w, wl))
                return false;
        for (size_t i = 0; i < *wl; i++)
                if (!((*w)[i] == '_' || ((*w)[i] >= 'a' && (*w)[i] <= 'z')))
                        return false;
        skip_blanks(q, e);
        return take_u64(q, e, UINT64_MAX / 2, v) == 0 && (*q >= e || **q == ' ' || **q == '\t');
}

bool parse_memcg_stat_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *w, *q = p;
        size_t wl;
        uint64_t v;
        unsigned pairs = 0;

        while (stat_pair(&q, e, &w, &wl, &v)) {
                pairs++;
                skip_blanks(&q, e);
        }
        if (!pairs || !at_end(q, e))
                return false;
        for (q = p; stat_pair(&q, e, &w, &wl, &v); skip_blanks(&q, e)) {
                if (WORD_IS(w, wl, "anon"))
                        r->memcg_anon_kb = v / 1024, r->has_memcg_stats = true;
                else if (WORD_IS(w, wl, "file"))
                        r->memcg_file_kb = v / 1024;
                else if (WORD_IS(w, wl, "shmem"))
                        r->memcg_shmem_kb = v / 1024;
                else if (WORD_IS(w, wl, "slab"))
                        r->memcg_slab_kb = v / 1024;
        }
        return true;
}

bool parse_slab_row(Parser *ps, const char *p, const char *e)
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
                txt_copy(ps->r->slab_top_name, sizeof(ps->r->slab_top_name), w, w + wl);
        }
        return true;
}

bool parse_summary_line(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        static const struct {
                const char *key;
                size_t offset, size;
        } fields[] = {
#define F(k, f) { k, offsetof(OomReport, f), sizeof(((OomReport *)0)->f) }
                F("constraint=", constraint), F("oom_memcg=", oom_memcg), F("task_memcg=", task_memcg),
                F("cpuset=", cpuset), F("mems_allowed=", mems_allowed), F("nodemask=", nodemask),
#undef F
        };
        const char *q = txt_after(p, e, "oom-kill:");

        if (!q)
                return false;
        while (q < e) {
                const char *c = memchr(q, ',', (size_t)(e - q)), *f = c ? c : e, *v;

                for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
                        if ((v = txt_skip_prefix(q, f, fields[i].key)) && !txt_starts(v, f, "(null)")) {
                                txt_copy((char *)r + fields[i].offset, fields[i].size, v, f);
                                break;
                        }
                q = c ? c + 1 : e;
        }
        if (strcmp(r->constraint, "CONSTRAINT_MEMCG") == 0)
                r->kind = OOM_KIND_MEMCG;
        return true;
}

