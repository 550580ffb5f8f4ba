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

/* One key as a cross-field message names it: its value and where it came
 * from, "65536 on line 3" or "65536 by default". */
typedef struct Setting {
        unsigned line;          /* 0: the default */
        char text[CONFIG_PATH_MAX + 40];
} Setting;

static void where(Setting *set, unsigned line, const char *value)
{
        set->line = line;
        if (line)
                snprintf(set->text, sizeof(set->text), "%s on line %u", value, line);
        else
                snprintf(set->text, sizeof(set->text), "%s by default", value);
}

static Setting table_setting(const Policy *p, const PolicyLines *lines, const char *sec, const char *name)
{
        Setting set = { 0 };
        char value[CONFIG_PATH_MAX + 32] = "?";
        unsigned line = 0;

        for (size_t i = 0; i < policy_n_keys; i++)
                if (strcmp(policy_keys[i].section, sec) == 0 && strcmp(policy_keys[i].name, name) == 0) {
                        policy_key_format(p, &policy_keys[i], value, sizeof(value));
                        line = lines && i < POLICY_MAX_KEYS ? lines->key[i] : 0;
                }
        where(&set, line, value);
        return set;
}

/* The line an error about several keys is reported on: the first of them
 * the file set (a default has no line to point at). */
static unsigned first_line(const Setting *a, const Setting *b)
{
        return a->line ? a->line : b->line;
}

/* Both thresholds set and not ordered as the ladder needs. */
static void need_order(const Policy *p, const PolicyLines *lines, ConfigErrors *errs, const char *sec, const char *key_lo,
                       uint64_t lo, const char *key_hi, uint64_t hi, const char *why)
{
        Setting a, b;

        if (!lo || !hi || lo < hi)
                return;
        a = table_setting(p, lines, sec, key_lo);
        b = table_setting(p, lines, sec, key_hi);
        config_error_add(errs, first_line(&a, &b), sec, key_lo, "%s must be below %s, %s: %s", a.text, key_hi, b.text, why);
}

int policy_validate(const Policy *p, const PolicyLines *lines, ConfigErrors *errs)
{
        unsigned before = errs->n;
        Setting a, b;

        need_order(p, lines, errs, "levels", "critical_headroom_min_kb", p->critical_headroom_min_kb, "act_headroom_min_kb",
                   p->act_headroom_min_kb, "critical must be stricter than act");
        /* Headroom above min is never below headroom above low (min <= low in
         * every zone, __setup_per_zone_wmarks()), so with act below warn a
         * guard at act is always at warn too. */
        need_order(p, lines, errs, "levels", "act_headroom_min_kb", p->act_headroom_min_kb, "warn_headroom_low_kb",
                   p->warn_headroom_low_kb, "act must be stricter than warn");
        need_order(p, lines, errs, "levels", "act_psi_full_avg10", p->act_psi_full_avg10, "critical_psi_full_avg10",
                   p->critical_psi_full_avg10, "critical must be stricter than act");
        need_order(p, lines, errs, "levels", "act_time_to_min_s", p->act_time_to_min_s, "warn_time_to_min_s",
                   p->warn_time_to_min_s, "act must be stricter than warn");
        if (p->fast_poll_ms > p->slow_poll_ms) {
                a = table_setting(p, lines, "pressure", "fast_poll_ms");
                b = table_setting(p, lines, "pressure", "slow_poll_ms");
                config_error_add(errs, first_line(&a, &b), "pressure", "fast_poll_ms", "%s must not exceed slow_poll_ms, %s",
                                 a.text, b.text);
        }
        if (p->psi_some_stall_ms > p->psi_window_ms || p->psi_full_stall_ms > p->psi_window_ms) {
                const char *stall = p->psi_some_stall_ms > p->psi_window_ms ? "psi_some_stall_ms" : "psi_full_stall_ms";

                a = table_setting(p, lines, "pressure", stall);
                b = table_setting(p, lines, "pressure", "psi_window_ms");
                config_error_add(errs, first_line(&a, &b), "pressure", stall,
                                 "%s must fit in psi_window_ms, %s: psi_trigger_create() refuses a stall longer than its window",
                                 a.text, b.text);
        }
        if (p->agent_socket[0] && p->agent_socket[0] != '/') {
                a = table_setting(p, lines, "balloon", "agent_socket");
                config_error_add(errs, a.line, "balloon", "agent_socket", "must be an absolute path or empty");
        }
        if (p->protect.oom_score_adj >= p->prefer.oom_score_adj) {
                char value[24];

                snprintf(value, sizeof(value), "%" PRId64, p->protect.oom_score_adj);
                where(&a, lines ? lines->adj[0] : 0, value);
                snprintf(value, sizeof(value), "%" PRId64, p->prefer.oom_score_adj);
                where(&b, lines ? lines->adj[1] : 0, value);
                config_error_add(errs, first_line(&a, &b), "protect", "oom_score_adj",
                                 "%s must be below [prefer] oom_score_adj, %s", a.text, b.text);
        }
        if (p->kill.enabled && p->kill.level < p->balloon.level && p->balloon.enabled) {
                Setting ke = table_setting(p, lines, "kill", "enabled"), be = table_setting(p, lines, "balloon", "enabled");

                a = table_setting(p, lines, "kill", "level");
                b = table_setting(p, lines, "balloon", "level");
                config_error_add(errs, a.line ? a.line : ke.line ? ke.line : first_line(&b, &be), "kill", "level",
                                 "%s must not be below [balloon] level, %s, when [kill] enabled is %s and [balloon] "
                                 "enabled is %s: ask the host before killing",
                                 a.text, b.text, ke.text, be.text);
        }
        return errs->n > before ? -EINVAL : 0;
}
