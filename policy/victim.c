/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "victim.h"

static bool eligible(const VictimCandidate *c)
{
        return !c->protected_ && c->oom_score_adj > -1000 && c->pid > 1;
}

static bool better(const VictimCandidate *a, const VictimCandidate *b)
{
        if (a->preferred != b->preferred)
                return a->preferred;
        if (a->oom_score != b->oom_score)
                return a->oom_score > b->oom_score;
        return a->rss_kb > b->rss_kb;
}

int victim_pick(const VictimCandidate *c, size_t n)
{
        int best = -1;

        for (size_t i = 0; i < n; i++)
                if (eligible(&c[i]) && (best < 0 || better(&c[i], &c[best])))
                        best = (int)i;
        return best;
}
