/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "steer-rules.h"

#include <string.h>

static bool ends_with(const char *s, size_t n, const char *suffix)
{
        size_t m = strlen(suffix);

        return n > m && memcmp(s + n - m, suffix, m) == 0;
}

const char *cgroup_unit(const char *path, size_t *ret_len)
{
        const char *unit = NULL, *s = path;
        size_t unit_len = 0;

        while (*s) {
                const char *e;

                while (*s == '/')
                        s++;
                e = s;
                while (*e && *e != '/')
                        e++;
                if (ends_with(s, (size_t)(e - s), ".service") || ends_with(s, (size_t)(e - s), ".scope")) {
                        unit = s;
                        unit_len = (size_t)(e - s);
                }
                s = e;
        }
        *ret_len = unit_len;
        return unit;
}

bool cgroup_covers(const char *prefix, const char *path)
{
        size_t n = strlen(prefix);

        while (n > 1 && prefix[n - 1] == '/')
                n--;
        if (n == 1 && prefix[0] == '/')
                return path[0] == '/';
        return strncmp(prefix, path, n) == 0 && (path[n] == '\0' || path[n] == '/');
}

bool rule_matches(const MatchRule *r, const char *comm, const char *cgroup)
{
        size_t unit_len;
        const char *unit;

        switch (r->kind) {
        case MATCH_NAME:
                return strcmp(r->value, comm) == 0;
        case MATCH_UNIT:
                unit = cgroup ? cgroup_unit(cgroup, &unit_len) : NULL;
                return unit && strlen(r->value) == unit_len && memcmp(unit, r->value, unit_len) == 0;
        case MATCH_CGROUP:
                return cgroup && cgroup_covers(r->value, cgroup);
        case _MATCH_KIND_MAX:
        default:
                return false;
        }
}

static bool set_matches(const RuleSet *set, const char *comm, const char *cgroup)
{
        for (unsigned i = 0; i < set->n_rules; i++)
                if (rule_matches(&set->rules[i], comm, cgroup))
                        return true;
        return false;
}

bool steer_target(const Policy *p, const char *comm, const char *cgroup, int *ret_adj, bool *ret_protected)
{
        /* [protect] wins over [prefer]: sparing by mistake costs less than
         * killing by mistake. */
        if (set_matches(&p->protect, comm, cgroup)) {
                *ret_adj = (int)p->protect.oom_score_adj;
                *ret_protected = true;
                return true;
        }
        *ret_protected = false;
        if (set_matches(&p->prefer, comm, cgroup)) {
                *ret_adj = (int)p->prefer.oom_score_adj;
                return true;
        }
        return false;
}

bool steer_rules_need_cgroup(const Policy *p)
{
        const RuleSet *sets[] = { &p->protect, &p->prefer };

        for (unsigned s = 0; s < 2; s++)
                for (unsigned i = 0; i < sets[s]->n_rules; i++)
                        if (sets[s]->rules[i].kind != MATCH_NAME)
                                return true;
        return false;
}
