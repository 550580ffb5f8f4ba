/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which line parser a record goes to, and the lines of a report that carry
 * nothing explain needs (traces, registers, per-cpu lists) but still belong. */
#include <stdlib.h>
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"

static bool is_stack_words(const char *p, const char *e)
{
        unsigned words = 0;

        while (p < e) {
                const char *w;
                size_t wl, i = 0;

                if (!take_word(&p, e, &w, &wl))
                        break;
                if (wl > 3 && w[0] == 'r' && txt_is_digit(w[1])) {
                        const char *colon = memchr(w, ':', wl);

                        i = colon ? (size_t)(colon - w) + 1 : wl;
                }
                for (; i < wl; i++)
                        if (!(txt_is_digit(w[i]) || (w[i] >= 'a' && w[i] <= 'f')))
                                return false;
                words++;
        }
        return words >= 2;
}

static bool is_register_dump(const char *p, const char *e)
{
        /* "r10:00000001 r9:c12169bc ..." (arm), "x29: ffff800011e3b9a0 x28: ..." (arm64) */
        return e - p > 4 && (p[0] == 'r' || p[0] == 'x' || p[0] == 'p' || p[0] == 'l' || p[0] == 's') &&
               (txt_is_digit(p[1]) || p[1] == 'c' || p[1] == 'r' || p[1] == 'p') && memchr(p, ':', 6) &&
               txt_find(p, e, ":") < p + 5;
}

static bool is_trace_line(const char *p, const char *e)
{
        return is_stack_words(p, e) || is_register_dump(p, e) || txt_find(p, e, "per-cpu:") || (txt_starts(p, e, "CPU ") && txt_find(p, e, "hi:")) ||
               (txt_starts(p, e, "cpu ") && (txt_find(p, e, " hot:") || txt_find(p, e, " cold:"))) ||
               txt_starts(p, e, "Workqueue:") || txt_starts(p, e, "Tainted:") || txt_starts(p, e, "Sched_ext:") ||
               txt_starts(p, e, "Free pages:") || txt_starts(p, e, "Swap cache:") || txt_starts(p, e, "===") ||
               txt_starts(p, e, "Out of memory and no killable processes") ||
               txt_starts(p, e, "Mem-info:") || txt_starts(p, e, "pgtables") || txt_starts(p, e, "Memory cgroup out of memory") || (txt_find(p, e, "+0x") && txt_find(p, e, "/0x")) || txt_starts(p, e, "Call Trace") || txt_starts(p, e, "Call trace") ||
               txt_starts(p, e, "<TASK>") || txt_starts(p, e, "</TASK>") || txt_starts(p, e, "RIP:") || txt_starts(p, e, "RSP:") ||
               txt_starts(p, e, "RAX:") || txt_starts(p, e, "RDX:") || txt_starts(p, e, "RBP:") || txt_starts(p, e, "R10:") ||
               txt_starts(p, e, "R13:") || txt_starts(p, e, "Code:") || txt_starts(p, e, "Hardware name:") ||
               txt_starts(p, e, "Backtrace:") || txt_starts(p, e, "[<") || txt_starts(p, e, "? ") || txt_starts(p, e, "dump_") ||
               txt_starts(p, e, "Mem-Info:") || txt_starts(p, e, "Tasks state") || txt_starts(p, e, "Swap cache stats") ||
               txt_starts(p, e, "Node ") || txt_starts(p, e, "Unreclaimable slab info") || txt_starts(p, e, "Name ");
}

/* Parses one logical record; returns whether it belonged to the report. */
bool parse_record(Parser *ps, const char *p, const char *e)
{
        OomReport *r = ps->r;
        const char *q;

        skip_blanks(&p, e);
        while (e > p && (e[-1] == ' ' || e[-1] == '\r' || e[-1] == '\t'))
                e--;
        if (p >= e)
                return true;
        if (ps->section == SEC_MEMCG_STATS && parse_memcg_stat_line(ps, p, e))
                return true;
        if (ps->section == SEC_SLAB && (parse_slab_row(ps, p, e) || txt_starts(p, e, "Name ")))
                return true;
        ps->section = SEC_NONE;

        if (txt_find(p, e, "oom-kill:"))
                return parse_summary_line(ps, p, e);
        if (txt_starts(p, e, "Kernel panic")) {
                ps->terminal = true;    /* panic_on_oom, or no killable process */
                return true;
        }
        if (txt_find(p, e, "Killed process ") || txt_find(p, e, "ill process "))
                return parse_kill_line(ps, p, e), true;
        if (txt_starts(p, e, "oom_reaper:")) {
                int pid = 0;
                uint64_t v;

                const char *reaped = txt_after(p, e, "reaped process ");

                if (reaped) {
                        parse_pid_and_comm(reaped, e, &pid, (char[OOM_NAME_MAX]){ 0 }, OOM_NAME_MAX);
                        if (pid == r->killed_pid) {
                                r->reaped = true;
                                if (txt_u64_after(p, e, "anon-rss:", &v))
                                        r->reaped_anon_rss_kb = v;
                        }
                }
                return true;
        }
        if (txt_find(p, e, "cpuset=") && txt_find(p, e, "mems_allowed=")) {
                const char *c = txt_after(p, e, "cpuset="), *m = txt_after(p, e, "mems_allowed=");

                /* cpuset_print_current_mems_allowed(): "cpuset=%s mems_allowed=%*pbl",
                 * a node list; what follows it on a pasted line is not the kernel's */
                txt_copy(r->cpuset, sizeof(r->cpuset), c, memchr(c, ' ', (size_t)(e - c)) ?: e);
                txt_copy(r->mems_allowed, sizeof(r->mems_allowed), m, txt_span_end(m, e, "0123456789,-"));
                return true;
        }
        if (parse_release_line(ps, p, e))
                return true;
        if (txt_starts(p, e, "Hardware name:")) {
                static const char *const vms[] = { "QEMU", "KVM", "VMware", "VirtualBox", "Virtual Machine", "Xen",
                                                   "Bochs", "Google Compute Engine", "Amazon EC2", "Hyper-V",
                                                   "Parallels", "Cloud Hypervisor", "Firecracker", "OpenStack" };

                for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++)
                        r->hypervisor |= txt_find(p, e, vms[i]) != NULL;
                return true;
        }
        if (txt_find(p, e, "virtballoon") || txt_find(p, e, "balloon_")) {
                r->trace_balloon = true;
                return true;
        }
        if (txt_find(p, e, "__vmalloc_node_range") || txt_find(p, e, "alloc_fdtable") || txt_find(p, e, "dup_fd") ||
            txt_find(p, e, "__vmalloc_area_node")) {
                r->trace_vmalloc = true;
                return true;
        }
        if (txt_find(p, e, "mem_cgroup_out_of_memory") || txt_find(p, e, "mem_cgroup_oom")) {
                /* mem_cgroup_oom_synchronize() is on every fault's way to
                 * pagefault_out_of_memory(), memcg or not: only the memcg
                 * OOM killer itself says which OOM this is */
                r->trace_memcg |= txt_find(p, e, "mem_cgroup_out_of_memory") != NULL;
                return true;
        }
        if (txt_find(p, e, "pagefault_out_of_memory")) {
                r->trace_pagefault = true;
                return true;
        }
        if (txt_find(p, e, "warn_alloc")) {
                r->trace_warn_alloc = true;
                return true;
        }
        if (parse_zone_line(ps, p, e) || parse_buddy_line(ps, p, e) || parse_lowmem_reserve(ps, p, e) ||
            parse_node_line(ps, p, e))
                return true;
        if ((q = txt_skip_prefix(p, e, "Mem-Info:"))) {
                parse_meminfo_kv(ps, q, e);
                return true;
        }
        if (txt_starts(p, e, "[ pid ]") || txt_starts(p, e, "[  pid  ]")) {
                parse_tasks_header(ps, p, e);
                return true;
        }
        if (*p == '[' && ps->have_task_cols && p + 1 < e && (p[1] == ' ' || txt_is_digit(p[1]))) {
                parse_task_row(ps, p, e);
                return true;
        }
        if (txt_starts(p, e, "Task in ") && (q = txt_after(p, e, "limit of "))) {
                /* mem_cgroup_print_oom_info() prints a cgroup path, which
                 * starts with '/'; Alibaba Cloud Linux says "limit of host"
                 * for the machine's own OOM */
                if (q < e && *q != '/')
                        return true;
                txt_copy(r->memcg_limit_of, sizeof(r->memcg_limit_of), q, e);
                r->kind = OOM_KIND_MEMCG;
                return true;
        }
        if ((q = txt_skip_prefix(p, e, "Memory limit reached of cgroup "))) {
                txt_copy(r->memcg_limit_of, sizeof(r->memcg_limit_of), q, e);
                r->kind = OOM_KIND_MEMCG;
                return true;
        }
        if ((txt_starts(p, e, "memory:") || txt_starts(p, e, "memory+swap:") || txt_starts(p, e, "kmem:") || txt_starts(p, e, "swap:")) &&
            parse_memcg_usage(ps, p, e)) {
                r->kind = OOM_KIND_MEMCG;
                return true;
        }
        if ((q = txt_skip_prefix(p, e, "Memory cgroup stats for"))) {
                const char *path = q, *c;

                skip_blanks(&path, e);
                c = memchr(path, ':', (size_t)(e - path));
                if (c && !r->memcg_limit_of[0] && !r->oom_memcg[0])
                        txt_copy(r->memcg_limit_of, sizeof(r->memcg_limit_of), path, c);
                if (c && c + 1 < e)
                        parse_memcg_stats_kv(ps, c + 1, e);
                ps->section = SEC_MEMCG_STATS;
                return true;
        }
        if (txt_starts(p, e, "Unreclaimable slab info")) {
                ps->section = SEC_SLAB;
                return true;
        }
        if (parse_numbers_line(ps, p, e))
                return true;
        if (txt_find(p, e, "active_anon:") || txt_starts(p, e, "free:") || txt_find(p, e, "slab_reclaimable:") ||
            txt_starts(p, e, "Active:") || txt_starts(p, e, "slab:") ||
            txt_find(p, e, "active_file:") || txt_starts(p, e, "mapped:") || txt_starts(p, e, "unevictable:") ||
            txt_starts(p, e, "sec_pagetables:") || txt_starts(p, e, "kernel_misc_reclaimable:")) {
                parse_meminfo_kv(ps, p, e);
                return true;
        }
        return is_trace_line(p, e);
}

