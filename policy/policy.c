/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define DEF_U64(v) .def_u64 = (v)
#define DEF_CENTI(v) .def_u64 = (v)
#define DEF_LEVEL(v) .def_u64 = (v)
#define DEF_BOOL(v) .def_u64 = (v)
#define DEF_PATH(v) .def_str = (v)

const PolicyKey policy_keys[] = {
#define KEY(sec, nm, ty, field, def, lo, hi, hlp)                                                 \
        { .section = #sec, .name = #nm, .type = KEY_##ty, .offset = offsetof(Policy, field), DEF_##ty(def), \
          .min = (lo), .max = (hi), .help = (hlp) },
#include "policy-keys.def"
#undef KEY
};
const size_t policy_n_keys = sizeof(policy_keys) / sizeof(policy_keys[0]);

const char *const match_kind_names[_MATCH_KIND_MAX] = {
        [MATCH_NAME] = "name",
        [MATCH_UNIT] = "unit",
        [MATCH_CGROUP] = "cgroup",
};

void policy_init_defaults(Policy *p)
{
        memset(p, 0, sizeof(*p));
        for (size_t i = 0; i < policy_n_keys; i++) {
                const PolicyKey *k = &policy_keys[i];
                char *field = (char *)p + k->offset;

                switch (k->type) {
                case KEY_BOOL:
                        *(bool *)field = k->def_u64 != 0;
                        break;
                case KEY_PATH:
                        snprintf(field, CONFIG_PATH_MAX, "%s", k->def_str);
                        break;
                case KEY_U64:
                case KEY_CENTI:
                case KEY_LEVEL:
                default:
                        *(uint64_t *)field = k->def_u64;
                        break;
                }
        }
        /* oom_score_adj ranges -1000..1000; -1000 would exempt a process
         * completely, which a policy should ask for explicitly. */
        p->protect.oom_score_adj = -900;
        p->prefer.oom_score_adj = 500;
}

void policy_init_shipped(Policy *p)
{
        /* Remote access, the logs that explain what happened, and the
         * host's agent: losing any of them turns an incident into an outage. */
        static const struct {
                MatchKind kind;
                const char *value;
        } shipped[] = {
                { MATCH_NAME, "sshd" },
                { MATCH_NAME, "systemd-journal" },      /* comm of systemd-journald, cut at 15 */
                { MATCH_NAME, "qemu-ga" },
                { MATCH_UNIT, "oomguard-agent.service" },
        };

        policy_init_defaults(p);
        for (size_t i = 0; i < sizeof(shipped) / sizeof(shipped[0]); i++) {
                p->protect.rules[i].kind = shipped[i].kind;
                snprintf(p->protect.rules[i].value, POLICY_MATCH_MAX, "%s", shipped[i].value);
        }
        p->protect.n_rules = sizeof(shipped) / sizeof(shipped[0]);
}

void policy_key_format(const Policy *p, const PolicyKey *k, char *buf, size_t size)
{
        const char *field = (const char *)p + k->offset;
        uint64_t v;

        switch (k->type) {
        case KEY_BOOL:
                snprintf(buf, size, "%s", *(const bool *)field ? "yes" : "no");
                return;
        case KEY_PATH:
                snprintf(buf, size, "%s", field);
                return;
        case KEY_LEVEL:
                snprintf(buf, size, "%s", level_name((Level)*(const uint64_t *)field));
                return;
        case KEY_CENTI:
                v = *(const uint64_t *)field;
                if (v % 100)
                        snprintf(buf, size, "%" PRIu64 ".%02" PRIu64, v / 100, v % 100);
                else
                        snprintf(buf, size, "%" PRIu64, v / 100);
                return;
        case KEY_U64:
        default:
                snprintf(buf, size, "%" PRIu64, *(const uint64_t *)field);
                return;
        }
}

/* Both thresholds set and not ordered as the ladder needs. */
static void need_order(ConfigErrors *errs, const char *sec, const char *key_lo, uint64_t lo, const char *key_hi,
                       uint64_t hi, const char *why)
{
        if (lo && hi && lo >= hi)
                config_error_add(errs, 0, sec, key_lo, "must be below %s (%" PRIu64 " >= %" PRIu64 "): %s", key_hi, lo, hi,
                          why);
}

int policy_validate(const Policy *p, ConfigErrors *errs)
{
        unsigned before = errs->n;

        need_order(errs, "levels", "critical_headroom_min_kb", p->critical_headroom_min_kb, "act_headroom_min_kb",
                   p->act_headroom_min_kb, "critical must be stricter than act");
        need_order(errs, "levels", "act_psi_full_avg10", p->act_psi_full_avg10, "critical_psi_full_avg10",
                   p->critical_psi_full_avg10, "critical must be stricter than act");
        need_order(errs, "levels", "act_time_to_min_s", p->act_time_to_min_s, "warn_time_to_min_s",
                   p->warn_time_to_min_s, "act must be stricter than warn");
        if (p->fast_poll_ms > p->slow_poll_ms)
                config_error_add(errs, 0, "pressure", "fast_poll_ms", "must not exceed slow_poll_ms (%" PRIu64 " > %" PRIu64 ")",
                          p->fast_poll_ms, p->slow_poll_ms);
        if (p->psi_some_stall_ms > p->psi_window_ms || p->psi_full_stall_ms > p->psi_window_ms)
                config_error_add(errs, 0, "pressure", p->psi_some_stall_ms > p->psi_window_ms ? "psi_some_stall_ms" :
                                                                                        "psi_full_stall_ms",
                          "the stall must fit in psi_window_ms (%" PRIu64 " ms): psi_trigger_create() refuses it",
                          p->psi_window_ms);
        if (p->agent_socket[0] && p->agent_socket[0] != '/')
                config_error_add(errs, 0, "balloon", "agent_socket", "must be an absolute path or empty");
        if (p->protect.oom_score_adj >= p->prefer.oom_score_adj)
                config_error_add(errs, 0, "protect", "oom_score_adj",
                          "must be below [prefer] oom_score_adj (%" PRId64 " >= %" PRId64 ")", p->protect.oom_score_adj,
                          p->prefer.oom_score_adj);
        if (p->kill.enabled && p->kill.level < p->balloon.level && p->balloon.enabled)
                config_error_add(errs, 0, "kill", "level", "must not be below [balloon] level: ask the host before killing");
        return errs->n > before ? -EINVAL : 0;
}
