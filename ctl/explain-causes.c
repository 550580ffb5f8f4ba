/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Where the memory went, and the causes that are not a zone's: cgroup
 * limits, cpusets and policies, balloons, swap, slab, shmem, hugepages. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain-internal.h"
#include "zonelist.h"

void explain_breakdown(const OomReport *r, Explanation *x)
{
        const OomMemInfo *m = &r->mem;
        uint64_t kb = x->page_kb, present = 0, managed = 0, accounted;

        for (unsigned i = 0; i < r->n_zones; i++)
                if (r->zones[i].has_line) {
                        present += r->zones[i].present_kb;
                        managed += r->zones[i].managed_kb;
                }
        x->hidden_kb = present > managed ? present - managed : 0;
        if (!m->present)
                return;
        x->has_breakdown = true;
        x->ram_kb = r->has_pages_ram ? r->pages_ram * kb : present;
        x->free_kb = m->free * kb;
        x->anon_kb = (m->active_anon + m->inactive_anon + m->isolated_anon) * kb;
        x->lru_unsplit_kb = (m->lru_active + m->lru_inactive) * kb;
        if (!m->slab_reclaimable && !m->slab_unreclaimable && m->slab)
                x->slab_unsplit_kb = m->slab * kb;
        x->file_kb = (m->active_file + m->inactive_file + m->isolated_file) * kb;
        x->shmem_kb = m->shmem * kb;
        x->slab_reclaimable_kb = m->slab_reclaimable * kb;
        x->slab_unreclaimable_kb = m->slab_unreclaimable * kb;
        x->pagetables_kb = m->pagetables ? m->pagetables * kb :
                           r->node_pagetables_kb ? r->node_pagetables_kb : r->zone_pagetables_kb;
        x->kernel_stack_kb = r->node_kernel_stack_kb ? r->node_kernel_stack_kb : r->zone_kernel_stack_kb;
        x->hugepages_kb = r->hugepages_kb;
        /* shmem sits on the anon LRU lists: not added twice */
        accounted = x->free_kb + x->anon_kb + x->file_kb + x->lru_unsplit_kb + m->unevictable * kb +
                    x->slab_reclaimable_kb + x->slab_unreclaimable_kb + x->slab_unsplit_kb + x->pagetables_kb +
                    x->kernel_stack_kb + x->hugepages_kb;
        x->unaccounted_kb = (int64_t)x->ram_kb - (int64_t)accounted;
}


/* Boot-time reservations keep a few % of present out of managed; a balloon
 * without deflate-on-oom takes much more (drivers/virtio/virtio_balloon.c:
 * fill_balloon(), adjust_managed_page_count()). */
static bool hidden_large(const OomReport *r, const Explanation *x)
{
        uint64_t present = 0;

        for (unsigned i = 0; i < r->n_zones; i++)
                present += r->zones[i].has_line ? r->zones[i].present_kb : 0;
        return r->hypervisor && x->hidden_kb > 65536 && x->hidden_kb * 10 > present;
}

/* Every usable (low) zone fails, or is within 10 % of its min. */
static bool lowmem_near_min(const OomReport *r, const Explanation *x)
{
        bool any = false;

        for (unsigned i = 0; i < x->n_verdicts; i++) {
                const ZoneVerdict *zv = &x->verdicts[i];

                if (!zv->usable)
                        continue;
                any = true;
                if (zv->v.ok && zv->margin_kb * 10 > (int64_t)r->zones[zv->zone].min_kb)
                        return false;
        }
        return any;
}

/* QEMU's process ("qemu-system-x86", "qemu-kvm") or one of its vCPU
 * threads ("CPU 3/KVM", named by QEMU's kvm_start_vcpu_thread()). */
static bool is_qemu_name(const char *name)
{
        unsigned cpu;
        char tail[8];

        return strncmp(name, "qemu-", strlen("qemu-")) == 0 || strncmp(name, "qemu:", strlen("qemu:")) == 0 ||
               (sscanf(name, "CPU %u/%7s", &cpu, tail) == 2 && strcmp(tail, "KVM") == 0);
}

static void mib_text(char *buf, size_t size, uint64_t kb)
{
        snprintf(buf, size, "%" PRIu64 ".%" PRIu64, (kb * 10 + 512) / 1024 / 10, (kb * 10 + 512) / 1024 % 10);
}

/* A memory cgroup on the host killed the VM's QEMU: the guest's own OOM
 * killer had no part in it. */
static void host_killed_vm(const OomReport *r, Explanation *x)
{
        const char *victim = r->has_killed ? r->killed_comm : r->has_chosen ? r->chosen_comm : "";
        char limit[32], anon[32], file[32];

        if (r->kind != OOM_KIND_MEMCG || !is_qemu_name(victim))
                return;
        mib_text(limit, sizeof(limit), r->memcg_limit_kb);
        mib_text(anon, sizeof(anon), r->memcg_anon_kb);
        mib_text(file, sizeof(file), r->memcg_file_kb);
        if (r->has_memcg_stats)
                explain_add_cause(x, CAUSE_VM_KILLED_BY_HOST,
                                  "the host killed the VM: its memory cgroup (limit %s MiB) killed QEMU (%s, pid %d), "
                                  "not the guest's own OOM killer. The cgroup held anon %s MiB (guest RAM QEMU has "
                                  "touched, the guest's own page cache included, and QEMU's heap) and file %s MiB (memory.stat)",
                                  limit, victim, r->has_killed ? r->killed_pid : r->chosen_pid, anon, file);
        else
                explain_add_cause(x, CAUSE_VM_KILLED_BY_HOST,
                                  "the host killed the VM: its memory cgroup (limit %s MiB) killed QEMU (%s, pid %d), "
                                  "not the guest's own OOM killer; the report does not show the cgroup's anon and file "
                                  "split",
                                  limit, victim, r->has_killed ? r->killed_pid : r->chosen_pid);
}

void explain_other_causes(const OomReport *r, Explanation *x)
{
        uint64_t ram = x->ram_kb;

        host_killed_vm(r, x);

        if (r->kind == OOM_KIND_MEMCG || r->memcg_limit_of[0] || r->oom_memcg[0]) {
                const char *cg = r->oom_memcg[0] ? r->oom_memcg : r->memcg_limit_of[0] ? r->memcg_limit_of : "?";

                if (r->has_memcg_usage)
                        explain_add_cause(x, CAUSE_MEMCG_LIMIT,
                                  "cgroup %s: usage %" PRIu64 " kB of limit %" PRIu64 " kB (failcnt %" PRIu64 ")", cg,
                                  r->memcg_usage_kb, r->memcg_limit_kb, r->memcg_failcnt);
                else
                        explain_add_cause(x, CAUSE_MEMCG_LIMIT, "%s%s reached its limit%s",
                                          strcmp(cg, "?") ? "cgroup " : "a memory cgroup", strcmp(cg, "?") ? cg : "",
                                          r->trace_memcg && !strcmp(cg, "?") ?
                                                  " (mem_cgroup_out_of_memory() in the trace; the text stops before "
                                                  "the cgroup's lines)" :
                                                  "");
        }
        if (strcmp(r->constraint, "CONSTRAINT_CPUSET") == 0)
                explain_add_cause(x, CAUSE_CPUSET, "the allocating task's cpuset (mems_allowed=%s) limits the nodes",
                          r->mems_allowed);
        if (r->mpol_bind)
                explain_add_cause(x, CAUSE_MEMPOLICY,
                                  "a memory policy (MPOL_BIND) restricts the allocation to its nodes: the kernel's "
                                  "\"No available memory (MPOL_BIND)\" kill line says so (2.6.32-2.6.35)");
        if (strcmp(r->constraint, "CONSTRAINT_MEMORY_POLICY") == 0)
                explain_add_cause(x, CAUSE_MEMPOLICY, "a memory policy restricts the allocation to nodes %s",
                          r->nodemask[0] ? r->nodemask : "(see the oom-kill line)");
        for (unsigned i = 0; i < x->n_verdicts; i++) {
                const ZoneVerdict *zv = &x->verdicts[i];
                const OomZone *z = &r->zones[zv->zone];

                if (!zv->usable && zv->why_not && strstr(zv->why_not, "cpuset") && zv->v.ok)
                        explain_add_cause(x, CAUSE_CPUSET,
                                  "node %d %s had room (free %" PRIu64 " kB, min %" PRIu64 " kB) but is outside the "
                                  "cpuset's mems_allowed=%s",
                                  z->node, z->name, z->free_kb, z->min_kb, r->mems_allowed);
        }
        if (r->kind != OOM_KIND_MEMCG && x->n_verdicts && !x->any_usable)
                explain_add_cause(x, CAUSE_NO_USABLE_ZONE, "no zone in the report may serve this request (highest zone %s)",
                          zone_kind_name(x->gfp.highest_zone));
        if (r->kind != OOM_KIND_MEMCG) {
                /* 32-bit: HighMem with room while the request needs lowmem */
                for (unsigned i = 0; i < x->n_verdicts; i++) {
                        const OomZone *z = &r->zones[x->verdicts[i].zone];

                        if (strcmp(z->name, "HighMem") == 0 && !x->verdicts[i].usable &&
                            z->free_kb > z->min_kb * 2 && z->free_kb >= 16384 && lowmem_near_min(r, x))
                                explain_add_cause(x, CAUSE_LOWMEM_EXHAUSTED,
                                          "HighMem has %" PRIu64 " kB free, but a %s request cannot use it and the "
                                          "low zones are at their watermarks",
                                          z->free_kb, zone_kind_name(x->gfp.highest_zone));
                }
        }
        /* The balloon is named only on evidence: its driver in the trace, or
         * the "Balloon:" figure (6.18+). Memory merely missing can be many
         * things, and is worded as such. */
        if (r->node_balloon_kb)
                explain_add_cause(x, CAUSE_BALLOON, "the virtio balloon holds %" PRIu64 " kB (the report's Balloon: figure)",
                                  r->node_balloon_kb);
        else if (r->trace_balloon && hidden_large(r, x))
                explain_add_cause(x, CAUSE_BALLOON,
                                  "present - managed is %" PRIu64 " kB, taken out of the allocator, and the balloon "
                                  "driver is in the call trace: a balloon without deflate-on-oom takes pages so",
                                  x->hidden_kb);
        else if (r->trace_balloon)
                explain_add_cause(x, CAUSE_BALLOON,
                                  "the balloon driver is in the call trace (deflate-on-oom); %" PRId64
                                  " kB of RAM are not accounted for by any counter",
                                  x->unaccounted_kb > 0 ? x->unaccounted_kb : 0);
        else if (hidden_large(r, x))
                explain_add_cause(x, CAUSE_HIDDEN_MEMORY,
                                  "present - managed is %" PRIu64 " kB, out of the allocator; perhaps a balloon without "
                                  "deflate-on-oom, a crash-kernel or firmware reservation, or memory a hypervisor "
                                  "holds back: the report cannot tell which",
                                  x->hidden_kb);
        /* memory outside the allocator is part of what no counter shows:
         * only what is missing beyond it is a second finding */
        int64_t in_no_counter = x->unaccounted_kb - (int64_t)x->hidden_kb;

        if (r->hypervisor && !r->trace_balloon && !r->node_balloon_kb && x->has_breakdown && x->ram_kb &&
            in_no_counter > 131072 &&
            (uint64_t)in_no_counter * 4 > x->ram_kb)
                explain_add_cause(x, CAUSE_UNACCOUNTED_MEMORY,
                                  "%" PRId64 " kB of %" PRIu64 " kB RAM (%" PRIu64 "%%) are in no counter; in this "
                                  "VM perhaps a balloon with deflate-on-oom (its pages stay in managed and look used), "
                                  "a driver's own allocations, or pages a module took directly: the report cannot "
                                  "tell which",
                                  in_no_counter, x->ram_kb, (uint64_t)in_no_counter * 100 / x->ram_kb);
        /* swap matters to reclaim for an OOM; a costly-order failure
         * (> PAGE_ALLOC_COSTLY_ORDER) is about blocks, not amounts, and a
         * request that may not sleep never reclaims (__alloc_pages_slowpath()
         * gives up before direct reclaim without __GFP_DIRECT_RECLAIM) */
        if (r->has_swap_lines && r->kind != OOM_KIND_MEMCG && !x->any_admits &&
            !(r->kind == OOM_KIND_PAGE_ALLOC_FAILURE && (r->order > 3 || (r->has_gfp && !x->gfp.can_reclaim)))) {
                if (r->total_swap_kb == 0 && x->has_breakdown)
                        explain_add_cause(x, CAUSE_NO_SWAP, "no swap: anonymous memory (%" PRIu64 " kB) cannot be reclaimed",
                                  x->anon_kb);
                else if (r->total_swap_kb == 0)
                        explain_add_cause(x, CAUSE_NO_SWAP, "no swap: anonymous memory cannot be reclaimed (how much "
                                                            "there was, the text does not show)");
                else if (r->free_swap_kb * 100 < r->total_swap_kb)
                        explain_add_cause(x, CAUSE_SWAP_EXHAUSTED, "free swap %" PRIu64 " kB of %" PRIu64 " kB", r->free_swap_kb,
                                  r->total_swap_kb);
        }
        /* memory+swap counts memory too: it is swap that ran out only when
         * some of it is swap (usage above the memory usage) */
        if (r->has_memsw && r->memsw_limit_kb && r->memsw_usage_kb >= r->memsw_limit_kb &&
            r->memsw_usage_kb > r->memcg_usage_kb)
                explain_add_cause(x, CAUSE_SWAP_EXHAUSTED,
                                  "memory+swap at its limit: %" PRIu64 " kB of %" PRIu64 " kB, %" PRIu64 " kB of it swap",
                                  r->memsw_usage_kb, r->memsw_limit_kb, r->memsw_usage_kb - r->memcg_usage_kb);
        else if (r->has_memsw && r->has_memcg_usage && r->memsw_usage_kb == r->memcg_usage_kb)
                explain_add_note(x, "memory+swap usage equals memory usage (%" PRIu64 " kB): nothing of this cgroup was "
                                    "in swap, so swap did not run out; the cgroup could not swap (no swap, or a "
                                    "memory+swap limit no higher than the memory limit)",
                                 r->memcg_usage_kb);
        if (r->has_swap_usage && r->swap_limit_kb && r->swap_usage_kb >= r->swap_limit_kb)
                explain_add_cause(x, CAUSE_SWAP_EXHAUSTED, "cgroup swap at its limit: %" PRIu64 " kB of %" PRIu64 " kB",
                          r->swap_usage_kb, r->swap_limit_kb);
        if (ram && x->slab_unsplit_kb * 5 > ram)
                explain_add_cause(x, CAUSE_UNRECLAIMABLE_SLAB,
                          "slab %" PRIu64 " kB of %" PRIu64 " kB RAM (this kernel does not split it by reclaimability)",
                          x->slab_unsplit_kb, ram);
        if (ram && x->slab_unreclaimable_kb * 5 > ram)
                explain_add_cause(x, CAUSE_UNRECLAIMABLE_SLAB, "unreclaimable slab %" PRIu64 " kB of %" PRIu64 " kB RAM%s%s",
                          x->slab_unreclaimable_kb, ram, r->slab_top_name[0] ? "; largest cache " : "",
                          r->slab_top_name);
        if (ram && x->shmem_kb * 5 > ram)
                explain_add_cause(x, CAUSE_SHMEM, "shmem/tmpfs %" PRIu64 " kB of %" PRIu64 " kB RAM (not freed by killing)",
                          x->shmem_kb, ram);
        if (r->kind == OOM_KIND_MEMCG && r->memcg_limit_kb && r->memcg_shmem_kb * 5 > r->memcg_limit_kb)
                explain_add_cause(x, CAUSE_SHMEM, "shmem %" PRIu64 " kB of the cgroup's %" PRIu64 " kB limit",
                          r->memcg_shmem_kb, r->memcg_limit_kb);
        if (ram && r->hugepages_kb * 10 > ram)
                explain_add_cause(x, CAUSE_HUGEPAGES, "hugepages reserve %" PRIu64 " kB of %" PRIu64 " kB RAM (%" PRIu64
                          " kB of them free, unusable for this request)",
                          r->hugepages_kb, ram, r->hugepages_free_kb);
        if (r->has_chosen && r->has_killed && r->chosen_pid != r->killed_pid) {
                int tgid = 0;

                for (unsigned i = 0; i < r->n_threads; i++)
                        if (r->threads[i].pid == r->chosen_pid)
                                tgid = r->threads[i].tgid;
                /* "Kill process N" names the task chosen, which can be a
                 * thread; the kill line names find_lock_task_mm()'s thread,
                 * the group leader first. A child is forked after its parent
                 * and has the higher pid (barring wrap-around): a lower one
                 * is not a child. */
                if (tgid == r->killed_pid)
                        ;       /* a thread of the killed process: notes() says so */
                else if (!tgid && r->killed_pid < r->chosen_pid)
                        explain_add_note(x, "pid %d (%s) is most likely a thread of process %d (%s), which was "
                                            "killed: a lower pid cannot be a child forked later (barring pid "
                                            "wrap-around); the report's task list would show the tgid",
                                         r->chosen_pid, r->chosen_comm, r->killed_pid, r->killed_comm);
                else
                        explain_add_cause(x, CAUSE_SACRIFICE_CHILD,
                                          "the kernel chose %d (%s) but killed its child %d (%s) (oom_kill_process() "
                                          "<= 5.2)",
                                          r->chosen_pid, r->chosen_comm, r->killed_pid, r->killed_comm);
        }
}

