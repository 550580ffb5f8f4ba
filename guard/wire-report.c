/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "wire-report.h"

#include <errno.h>
#include <string.h>

void wire_header_init(WireHeader *h, uint16_t type)
{
        *h = (WireHeader){ .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = type };
}

static uint32_t age_s(uint64_t now_usec, uint64_t then_usec)
{
        uint64_t s = now_usec > then_usec ? (now_usec - then_usec) / 1000000u : 0;

        return s >= WIRE_NEVER ? WIRE_NEVER - 1 : (uint32_t)s;
}

void wire_report_build(const Sample *s, const Model *m, const Pressure *p, const Decision *d,
                       const ActionTally *t, uint64_t now_usec, uint64_t seq, WireReport *ret)
{
        memset(ret, 0, sizeof(*ret));   /* padding and unused zones go out as zeros */
        wire_header_init(&ret->h, WIRE_REPORT);
        ret->seq = seq;
        ret->level = (uint32_t)d->level;
        ret->previous_level = (uint32_t)(d->level_changed ? d->previous : d->level);
        ret->reason = (uint32_t)d->reason;
        ret->psi_some_avg10 = p->psi_some_avg10;
        ret->psi_full_avg10 = p->psi_full_avg10;
        ret->headroom_min_kb = p->headroom_min_kb;
        ret->mem_total_kb = s->meminfo.mem_total_kb;
        ret->mem_available_kb = s->meminfo.mem_available_kb;
        ret->balloon_kb = m->balloon_kb;
        for (unsigned k = 0; k < _ACTION_MAX && k < 4; k++) {
                ret->actions[k].count = t->count[k];
                ret->actions[k].age_s = t->count[k] ? age_s(now_usec, t->last_usec[k]) : WIRE_NEVER;
        }
        for (unsigned i = 0; i < m->n_zones && ret->n_zones < WIRE_MAX_ZONES; i++) {
                const ZoneModel *z = &m->zones[i];
                WireZone *w = &ret->zones[ret->n_zones];
                const char *name = NULL;

                if (!z->populated)
                        continue;
                for (unsigned n = 0; n < s->n_nodes; n++)
                        if (s->nodes[n].id == z->node_id && z->zone_pos < s->nodes[n].n_zones)
                                name = s->nodes[n].zones[z->zone_pos].name;
                w->node = (uint32_t)z->node_id;
                /* always NUL-terminated: the agent checks */
                strncpy(w->name, name ? name : "?", WIRE_ZONE_NAME - 1);
                w->free_kb = (int64_t)z->free_kb;
                w->min_kb = (int64_t)z->min_kb;
                w->low_kb = (int64_t)z->low_kb;
                w->high_kb = (int64_t)z->high_kb;
                ret->n_zones++;
        }
}

void wire_spare_build(uint64_t seq, uint64_t spare_kb, uint64_t cache_kb, WireSpare *ret)
{
        *ret = (WireSpare){ .seq = seq, .spare_kb = spare_kb, .cache_kb = cache_kb };
        wire_header_init(&ret->h, WIRE_SPARE);
}

static bool header_ok(const WireHeader *h, uint16_t type)
{
        return h->magic == WIRE_MAGIC && h->version == WIRE_VERSION && h->type == type;
}

int wire_parse_inbound(const void *buf, size_t len, WireDeflateAnswer *ans, WireRelease *rel)
{
        WireHeader h;

        if (len < sizeof(h))
                return -EBADMSG;
        memcpy(&h, buf, sizeof(h));
        if (h.magic != WIRE_MAGIC || h.version != WIRE_VERSION)
                return -EBADMSG;
        switch (h.type) {
        case WIRE_DEFLATE_ANSWER:
                if (len != sizeof(*ans))
                        return -EBADMSG;
                memcpy(ans, buf, sizeof(*ans));
                if (!header_ok(&ans->h, WIRE_DEFLATE_ANSWER) || ans->granted > 1 || ans->refusal > WIRE_REFUSED_NO_HOST ||
                    (ans->granted && ans->refusal != WIRE_REFUSED_NONE))
                        return -EBADMSG;
                return WIRE_DEFLATE_ANSWER;
        case WIRE_RELEASE:
                if (len != sizeof(*rel))
                        return -EBADMSG;
                memcpy(rel, buf, sizeof(*rel));
                /* the ids of PROTOCOL.md: 1..2^63-1; the answer echoes it */
                if (rel->id == 0 || rel->id > (uint64_t)INT64_MAX)
                        return -EBADMSG;
                return WIRE_RELEASE;
        default:
                return -EBADMSG;
        }
}
