/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "pressure.h"

#include <string.h>

#include "zonelist.h"

void pressure_from(const Sample *s, const Model *m, unsigned order, uint64_t now_usec, Pressure *p)
{
        int hz = request_highest_zoneidx(s, REQ_KIND_MOVABLE);
        uint64_t largest = 0;

        memset(p, 0, sizeof(*p));
        p->now_usec = now_usec;
        p->order = order;
        for (unsigned i = 0; i < m->n_zones; i++) {
                const ZoneModel *zm = &m->zones[i];

                if (!zm->populated || zm->index > hz)
                        continue;
                /* A zone below a mark adds nothing; it does not take away
                 * from the others either (get_page_from_freelist() moves on). */
                if (zm->headroom_kb[REQ_KIND_MOVABLE][WMARK_MIN] > 0)
                        p->headroom_min_kb += zm->headroom_kb[REQ_KIND_MOVABLE][WMARK_MIN];
                if (zm->headroom_kb[REQ_KIND_MOVABLE][WMARK_LOW] > 0)
                        p->headroom_low_kb += zm->headroom_kb[REQ_KIND_MOVABLE][WMARK_LOW];
                if (zm->headroom_kb[REQ_KIND_MOVABLE][WMARK_HIGH] > 0)
                        p->headroom_high_kb += zm->headroom_kb[REQ_KIND_MOVABLE][WMARK_HIGH];
                if (zm->managed_kb > largest) {
                        largest = zm->managed_kb;
                        p->zone_node = zm->node_id;
                        p->zone_pos = zm->zone_pos;
                        p->has_zone = true;
                }
        }
        for (unsigned i = 0; i < s->n_nodes; i++) {
                if (zonelist_admits(s, s->nodes[i].id, REQ_KIND_KERNEL, REQ_CLASS_NORMAL, order, WMARK_LOW, NULL))
                        p->order_ok_low = true;
                else if (s->nodes[i].id >= 0 && s->nodes[i].id < 64)
                        p->order_fail_nodes |= UINT64_C(1) << s->nodes[i].id;
        }
        p->psi_present = s->psi.present;
        p->psi_some_avg10 = s->psi.some.avg10;
        p->psi_full_avg10 = s->psi.has_full ? s->psi.full.avg10 : 0;
        p->file_kb = s->meminfo.active_file_kb + s->meminfo.inactive_file_kb;
        p->refault_pages = s->vmstat.workingset_refault_file;
        p->guest_ram_kb = m->guest_ram_kb;
        p->balloon_kb = m->balloon_kb;
        p->deflate_on_oom = s->balloon.deflate_on_oom;
}
