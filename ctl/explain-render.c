/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "explain-render.h"

#include <inttypes.h>
#include <string.h>

static const char *kind_name(OomKind k)
{
        switch (k) {
        case OOM_KIND_MEMCG:
                return "memcg";
        case OOM_KIND_PAGE_ALLOC_FAILURE:
                return "page_allocation_failure";
        case OOM_KIND_GLOBAL:
        default:
                return "global";
        }
}

static void mib(FILE *f, uint64_t kb)
{
        uint64_t tenths = (kb * 10 + 512) / 1024;

        fprintf(f, "%" PRIu64 ".%" PRIu64, tenths / 10, tenths % 10);
}

static void kernel_text(FILE *f, const OomReport *r, const Explanation *x)
{
        fprintf(f, "%u.%u", KV_MAJOR(x->kernel), KV_MINOR(x->kernel));
        if (r->release[0])
                fprintf(f, " (%s)", r->release);
        else if (!r->kernel_known)
                fprintf(f, " (no version line; guessed from the format, use --kernel)");
}

static void zones_text(FILE *f, const OomReport *r, const Explanation *x)
{
        bool buddy_only = false;

        for (unsigned i = 0; i < r->n_zones; i++)
                buddy_only |= !r->zones[i].has_line && r->zones[i].has_buddy;
        if (!x->n_verdicts && !buddy_only)
                return;
        fprintf(f, "  zones at the min watermark (what the slow path checks), kB:\n");
        fprintf(f, "    %4s %-8s %10s %10s %10s  %s\n", "node", "zone", "free", "min", "reserve", "verdict");
        for (unsigned i = 0; i < x->n_verdicts; i++) {
                const ZoneVerdict *zv = &x->verdicts[i];
                const OomZone *z = &r->zones[zv->zone];

                fprintf(f, "    %4d %-8s %10" PRIu64 " %10" PRIu64 " %10" PRIu64 "  ", z->node, z->name, z->free_kb,
                        z->min_kb, zv->reserve_kb);
                if (!zv->usable)
                        fprintf(f, "not for this request: %s\n", zv->why_not);
                else if (zv->v.ok)
                        fprintf(f, "passes (%" PRId64 " kB above)\n", zv->margin_kb);
                else if (!zv->v.order0_ok)
                        fprintf(f, "FAIL: %" PRId64 " kB short of min%s\n", -zv->margin_kb,
                                zv->reserve_kb ? " + reserve" : "");
                else if (x->kernel < KV(4, 4, 0) && zv->v.failed_order >= 0)
                        fprintf(f, "FAIL: order-%d check: %" PRId64 " kB left past order %d, not above min/%d = %" PRId64
                                   " kB\n",
                                r->order, zv->era_left_kb, zv->v.failed_order, 1 << (zv->v.failed_order + 1),
                                zv->era_mark_kb);
                else if (zv->v.failed_order < 0)
                        fprintf(f, "FAIL: %" PRId64 " kB above min%s, inside the drift of the printed counters\n",
                                zv->margin_kb, zv->reserve_kb ? " + reserve" : "");
                else if (zv->only_unusable_lists)
                        fprintf(f, "FAIL: free blocks only on lists it may not take (largest order %d)\n",
                                zv->largest_free_order);
                else
                        fprintf(f, "FAIL: no free block of order %d (largest %d)\n", r->order, zv->largest_free_order);
        }
        /* a zone seen only in its free-block line (an excerpt): what it had
         * in blocks is known, its watermarks are not */
        for (unsigned i = 0; i < r->n_zones; i++) {
                const OomZone *z = &r->zones[i];
                int largest = -1;

                if (z->has_line || !z->has_buddy)
                        continue;
                for (unsigned k = 0; k < z->n_orders; k++)
                        if (z->buddy[k])
                                largest = (int)k;
                fprintf(f, "    %4d %-8s %10" PRIu64 " %10s %10s  free-block line only: largest free order %d; "
                           "watermarks not in the text\n",
                        z->node, z->name, z->buddy_total_kb, "?", "?", largest);
        }
}

static void memory_text(FILE *f, const OomReport *r, const Explanation *x)
{
        if (x->has_breakdown) {
                fprintf(f, "  memory, MiB: RAM ");
                if (x->ram_kb)
                        mib(f, x->ram_kb);
                else
                        fprintf(f, "not in the text");
                fprintf(f, ", free ");
                mib(f, x->free_kb);
                fprintf(f, ", anon ");
                mib(f, x->anon_kb);
                fprintf(f, ", file ");
                mib(f, x->file_kb);
                fprintf(f, ", shmem ");
                mib(f, x->shmem_kb);
                fprintf(f, ", slab ");
                mib(f, x->slab_reclaimable_kb);
                fprintf(f, " + ");
                mib(f, x->slab_unreclaimable_kb);
                fprintf(f, " unreclaimable, page tables ");
                mib(f, x->pagetables_kb);
                fprintf(f, ", kernel stacks ");
                mib(f, x->kernel_stack_kb);
                if (x->hugepages_kb) {
                        fprintf(f, ", hugepages ");
                        mib(f, x->hugepages_kb);
                }
                /* what no counter holds is RAM less the counters: unknown without RAM */
                if (x->ram_kb) {
                        fprintf(f, ", not in any counter ");
                        if (x->unaccounted_kb < 0)
                                fprintf(f, "-");
                        mib(f, (uint64_t)(x->unaccounted_kb < 0 ? -x->unaccounted_kb : x->unaccounted_kb));
                }
                fprintf(f, "\n");
        }
        if (r->has_swap_lines) {
                fprintf(f, "  swap: ");
                if (!r->total_swap_kb)
                        fprintf(f, "none\n");
                else {
                        mib(f, r->free_swap_kb);
                        fprintf(f, " MiB free of ");
                        mib(f, r->total_swap_kb);
                        fprintf(f, " MiB\n");
                }
        }
        if (r->has_memcg_usage)
                fprintf(f, "  cgroup %s: usage %" PRIu64 " kB, limit %" PRIu64 " kB, failcnt %" PRIu64 "\n",
                        r->oom_memcg[0] ? r->oom_memcg : r->memcg_limit_of[0] ? r->memcg_limit_of : "?", r->memcg_usage_kb,
                        r->memcg_limit_kb, r->memcg_failcnt);
}

static bool headless(const OomReport *r)
{
        return !r->has_header && !r->mem.present && !r->has_memcg_usage && !r->n_zones;
}

void explain_render_text(FILE *f, unsigned index, const OomReport *r, const Explanation *x)
{
        if (headless(r)) {
                fprintf(f, "report %u (lines %u-%u): a kill without its report (the kernel rate-limits reports to 10 "
                           "per 5 s, or the text was cut)%s%s\n",
                        index, r->first_line, r->last_line, r->release[0] ? " on " : "", r->release);
                if (r->has_chosen)
                        fprintf(f, "  chosen: %s (pid %d)\n", r->chosen_comm, r->chosen_pid);
                if (r->has_killed)
                        fprintf(f, "  killed: %s (pid %d), anon-rss %" PRIu64 " kB%s\n", r->killed_comm, r->killed_pid,
                                r->killed_anon_rss_kb, r->reaped ? ", reaped by oom_reaper" : "");
                for (unsigned i = 0; i < x->n_causes; i++)
                        fprintf(f, "  cause %s: %s\n", cause_name(x->causes[i].code), x->causes[i].text);
                return;
        }
        fprintf(f, "report %u (lines %u-%u): %s on ", index, r->first_line, r->last_line,
                r->kind == OOM_KIND_MEMCG ? "memory cgroup OOM" :
                r->kind == OOM_KIND_PAGE_ALLOC_FAILURE ? "page allocation failure" : "global OOM");
        kernel_text(f, r, x);
        fprintf(f, "\n");
        if (r->has_header) {
                fprintf(f, "  request: %s", r->comm[0] ? r->comm : "?");
                if (r->has_trigger_pid && r->has_oom_score_adj)
                        fprintf(f, " (pid %d, %s %d)", r->trigger_pid, r->adj_key, r->oom_score_adj);
                else if (r->has_trigger_pid)
                        fprintf(f, " (pid %d)", r->trigger_pid);
                else if (r->has_oom_score_adj)
                        fprintf(f, " (%s %d)", r->adj_key, r->oom_score_adj);
                if (r->has_order && r->order >= 0)
                        fprintf(f, " asked for order %d (%u kB)", r->order, (1u << r->order) * x->page_kb);
                else if (r->has_order)
                        fprintf(f, " (SysRq OOM, order %d)", r->order);
                if (r->has_gfp)
                        fprintf(f, " with gfp_mask %#x (%s)", r->gfp_mask, x->gfp_text);
                else if (r->gfp_masked[0])
                        fprintf(f, " with gfp_mask %s (digits hidden in the text; the kernel's names: %s)",
                                r->gfp_masked, r->gfp_names[0] ? r->gfp_names : "none");
                if (x->gfp_known)
                        fprintf(f, "\n           up to zone %s, %s%s%s\n", zone_kind_name(x->effective_highest_zone),
                                x->gfp.can_reclaim ? "may reclaim" : "cannot sleep", x->gfp.high ? ", __GFP_HIGH" : "",
                                x->gfp.movable ? ", movable" : "");
                else
                        fprintf(f, "\n           gfp_mask not in the text: which zones and whether it may reclaim "
                                   "are not known\n");
        }
        if (r->constraint[0] || r->mems_allowed[0])
                fprintf(f, "  constraint: %s%s%s%s%s\n", r->constraint[0] ? r->constraint : "(not printed)",
                        r->cpuset[0] ? ", cpuset " : "", r->cpuset, r->mems_allowed[0] ? ", mems_allowed " : "",
                        r->mems_allowed);
        zones_text(f, r, x);
        memory_text(f, r, x);
        if (r->has_chosen && x->chosen_tgid)
                fprintf(f, "  chosen: %s (pid %d, a thread of process %d)\n", r->chosen_comm, r->chosen_pid,
                        x->chosen_tgid);
        else if (r->has_chosen)
                fprintf(f, "  chosen: %s (pid %d)\n", r->chosen_comm, r->chosen_pid);
        if (r->has_killed) {
                fprintf(f, "  killed: %s (pid %d), anon-rss ", r->killed_comm, r->killed_pid);
                mib(f, r->killed_anon_rss_kb);
                fprintf(f, " MiB, file-rss ");
                mib(f, r->killed_file_rss_kb);
                fprintf(f, " MiB%s\n", r->reaped ? ", reaped by oom_reaper" : "");
        }
        fprintf(f, "  causes:%s\n", x->n_causes ? "" : " none found in what the report shows");
        for (unsigned i = 0; i < x->n_causes; i++)
                fprintf(f, "    %s: %s\n", cause_name(x->causes[i].code), x->causes[i].text);
        for (unsigned i = 0; i < x->n_notes; i++)
                fprintf(f, "  note: %s\n", x->notes[i]);
        fprintf(f, "  oomguard: %s\n", x->oomguard);
        if (r->lines_skipped)
                fprintf(f, "  (%u line%s inside the report not understood, skipped)\n", r->lines_skipped,
                        r->lines_skipped == 1 ? "" : "s");
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlongs, no surrogates, nothing above U+10FFFF), 0 when there is none. */
static size_t utf8_len(const unsigned char *s)
{
        size_t n = s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : 2;
        uint32_t cp = s[0] & (0x3f >> (n - 1));

        if (s[0] < 0xc2 || s[0] > 0xf4)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = cp << 6 | (s[i] & 0x3f);
        }
        if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) || (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
                return 0;
        return n;
}

/* A JSON string: UTF-8 as it is, escaped only where JSON requires (quote,
 * backslash, control characters); a byte that is not UTF-8 becomes U+FFFD. */
static void json_str(FILE *f, const char *s)
{
        fputc('"', f);
        while (*s) {
                unsigned char c = (unsigned char)*s;
                size_t n;

                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c < 0x20)
                        fprintf(f, "\\u%04x", c);
                else if (c < 0x80)
                        fputc(c, f);
                else if ((n = utf8_len((const unsigned char *)s))) {
                        fwrite(s, 1, n, f);
                        s += n;
                        continue;
                } else
                        fputs("\\ufffd", f);
                s++;
        }
        fputc('"', f);
}

void explain_render_json(FILE *f, unsigned index, const OomReport *r, const Explanation *x)
{
        fprintf(f, "{\"report\":%u,\"first_line\":%u,\"last_line\":%u,\"kind\":\"%s\",", index, r->first_line,
                r->last_line, headless(r) ? "kill_without_report" : kind_name(r->kind));
        fprintf(f, "\"kernel\":{\"release\":");
        json_str(f, r->release);
        fprintf(f, ",\"version\":\"%u.%u.%u\",\"from_report\":%s},", KV_MAJOR(x->kernel), KV_MINOR(x->kernel),
                KV_SUBLEVEL(x->kernel), r->kernel_known ? "true" : "false");
        fprintf(f, "\"trigger\":{\"comm\":");
        json_str(f, r->comm);
        if (r->has_trigger_pid)
                fprintf(f, ",\"pid\":%d", r->trigger_pid);
        if (r->has_oom_score_adj)
                fprintf(f, ",\"%s\":%d", r->adj_key, r->oom_score_adj);
        fprintf(f, "},\"request\":{\"gfp_mask\":");
        if (r->has_gfp)
                fprintf(f, "\"%#x\"", r->gfp_mask);
        else
                json_str(f, r->gfp_masked);
        fprintf(f, ",\"gfp_flags\":");
        json_str(f, x->gfp_text);
        fprintf(f, ",\"gfp_flags_from_kernel\":%s,\"order\":%d,\"bytes\":%" PRIu64
                   ",\"highest_zone\":\"%s\",\"can_reclaim\":%s,\"high\":%s,\"movable\":%s},",
                x->gfp_text_from_kernel ? "true" : "false", r->has_order ? r->order : 0,
                r->has_order && r->order >= 0 ? (uint64_t)((1u << r->order) * x->page_kb * 1024) : 0,
                zone_kind_name(x->effective_highest_zone), x->gfp.can_reclaim ? "true" : "false", x->gfp.high ? "true" : "false",
                x->gfp.movable ? "true" : "false");
        fprintf(f, "\"constraint\":");
        json_str(f, r->constraint);
        fprintf(f, ",\"cpuset\":");
        json_str(f, r->cpuset);
        fprintf(f, ",\"mems_allowed\":");
        json_str(f, r->mems_allowed);
        fprintf(f, ",\"zones\":[");
        for (unsigned i = 0; i < x->n_verdicts; i++) {
                const ZoneVerdict *zv = &x->verdicts[i];
                const OomZone *z = &r->zones[zv->zone];

                fprintf(f, "%s{\"node\":%d,\"zone\":\"%s\",\"free_kb\":%" PRIu64 ",\"min_kb\":%" PRIu64
                           ",\"low_kb\":%" PRIu64 ",\"high_kb\":%" PRIu64 ",\"boost_kb\":%" PRIu64
                           ",\"present_kb\":%" PRIu64 ",\"managed_kb\":%" PRIu64 ",\"reserve_kb\":%" PRIu64
                           ",\"usable\":%s,\"passes_min\":%s,\"margin_kb\":%" PRId64 ",\"largest_free_order\":%d,",
                        i ? "," : "", z->node, z->name, z->free_kb, z->min_kb, z->low_kb, z->high_kb, z->boost_kb,
                        z->present_kb, z->managed_kb, zv->reserve_kb, zv->usable ? "true" : "false",
                        zv->v.ok ? "true" : "false", zv->margin_kb, zv->largest_free_order);
                if (x->kernel < KV(4, 4, 0) && zv->v.order0_ok && !zv->v.ok && zv->v.failed_order >= 0)
                        fprintf(f, "\"order_check\":{\"failed_past_order\":%d,\"left_kb\":%" PRId64
                                   ",\"halved_min_kb\":%" PRId64 "},",
                                zv->v.failed_order, zv->era_left_kb, zv->era_mark_kb);
                fprintf(f, "\"lowmem_reserve_pages\":[");
                for (unsigned k = 0; k < z->n_reserve; k++)
                        fprintf(f, "%s%" PRIu64, k ? "," : "", z->reserve_pages[k]);
                fprintf(f, "],\"free_blocks_by_order\":[");
                for (unsigned k = 0; k < z->n_orders; k++)
                        fprintf(f, "%s%" PRIu64, k ? "," : "", z->buddy[k]);
                fprintf(f, "]}");
        }
        fprintf(f, "],\"zones_free_blocks_only\":[");
        for (unsigned i = 0, n = 0; i < r->n_zones; i++) {
                const OomZone *z = &r->zones[i];

                if (z->has_line || !z->has_buddy)
                        continue;
                fprintf(f, "%s{\"node\":%d,\"zone\":\"%s\",\"free_kb\":%" PRIu64 ",\"free_blocks_by_order\":[",
                        n++ ? "," : "", z->node, z->name, z->buddy_total_kb);
                for (unsigned k = 0; k < z->n_orders; k++)
                        fprintf(f, "%s%" PRIu64, k ? "," : "", z->buddy[k]);
                fprintf(f, "]}");
        }
        fprintf(f, "],");
        if (x->has_breakdown)
                fprintf(f, "\"memory\":{\"ram_kb\":%" PRIu64 ",\"free_kb\":%" PRIu64 ",\"anon_kb\":%" PRIu64
                           ",\"file_kb\":%" PRIu64 ",\"shmem_kb\":%" PRIu64 ",\"slab_reclaimable_kb\":%" PRIu64
                           ",\"slab_unreclaimable_kb\":%" PRIu64 ",\"pagetables_kb\":%" PRIu64
                           ",\"kernel_stack_kb\":%" PRIu64 ",\"hugepages_kb\":%" PRIu64 ",\"hidden_kb\":%" PRIu64
                           ",\"unaccounted_kb\":%" PRId64 "},",
                        x->ram_kb, x->free_kb, x->anon_kb, x->file_kb, x->shmem_kb, x->slab_reclaimable_kb,
                        x->slab_unreclaimable_kb, x->pagetables_kb, x->kernel_stack_kb, x->hugepages_kb, x->hidden_kb,
                        x->unaccounted_kb);
        if (r->has_swap_lines)
                fprintf(f, "\"swap\":{\"total_kb\":%" PRIu64 ",\"free_kb\":%" PRIu64 "},", r->total_swap_kb,
                        r->free_swap_kb);
        if (r->kind == OOM_KIND_MEMCG) {
                fprintf(f, "\"memcg\":{\"path\":");
                json_str(f, r->oom_memcg[0] ? r->oom_memcg : r->memcg_limit_of);
                if (r->memcg_version)
                        fprintf(f, ",\"cgroup_version\":%d", r->memcg_version);
                fprintf(f, ",\"usage_kb\":%" PRIu64 ",\"limit_kb\":%" PRIu64 ",\"failcnt\":%" PRIu64
                           ",\"anon_kb\":%" PRIu64 ",\"file_kb\":%" PRIu64 ",\"shmem_kb\":%" PRIu64 "},",
                        r->memcg_usage_kb, r->memcg_limit_kb, r->memcg_failcnt, r->memcg_anon_kb, r->memcg_file_kb,
                        r->memcg_shmem_kb);
        }
        fprintf(f, "\"tasks\":{\"count\":%u,\"rss_kb\":%" PRIu64 "},", r->n_tasks, r->tasks_rss_pages * x->page_kb);
        if (r->has_chosen) {
                fprintf(f, "\"chosen\":{\"pid\":%d,\"comm\":", r->chosen_pid);
                json_str(f, r->chosen_comm);
                if (x->chosen_tgid)
                        fprintf(f, ",\"process\":%d", x->chosen_tgid);
                fprintf(f, "},");
        }
        if (r->has_killed) {
                fprintf(f, "\"killed\":{\"pid\":%d,\"comm\":", r->killed_pid);
                json_str(f, r->killed_comm);
                fprintf(f, ",\"total_vm_kb\":%" PRIu64 ",\"anon_rss_kb\":%" PRIu64 ",\"file_rss_kb\":%" PRIu64
                           ",\"shmem_rss_kb\":%" PRIu64 ",\"reaped\":%s},",
                        r->killed_total_vm_kb, r->killed_anon_rss_kb, r->killed_file_rss_kb, r->killed_shmem_rss_kb,
                        r->reaped ? "true" : "false");
        }
        fprintf(f, "\"causes\":[");
        for (unsigned i = 0; i < x->n_causes; i++)
                fprintf(f, "%s\"%s\"", i ? "," : "", cause_name(x->causes[i].code));
        fprintf(f, "],\"cause_details\":[");
        for (unsigned i = 0; i < x->n_causes; i++) {
                fprintf(f, "%s{\"code\":\"%s\",\"text\":", i ? "," : "", cause_name(x->causes[i].code));
                json_str(f, x->causes[i].text);
                fprintf(f, "}");
        }
        fprintf(f, "],\"notes\":[");
        for (unsigned i = 0; i < x->n_notes; i++) {
                fprintf(f, "%s", i ? "," : "");
                json_str(f, x->notes[i]);
        }
        fprintf(f, "],\"oomguard\":");
        json_str(f, x->oomguard);
        fprintf(f, ",\"lines_used\":%u,\"lines_skipped\":%u}\n", r->lines_used, r->lines_skipped);
}
