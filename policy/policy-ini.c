/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.ini: the keys of policy-keys.def and the repeatable [protect],
 * [prefer] and [pressure] cgroup rules, from text read by common/'s INI
 * line reader (config-ini.h), which gives every key its line. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-ini.h"
#include "config-suggest.h"
#include "policy.h"

typedef struct IniContext {
        Policy *p;
        ConfigErrors *errs;
        PolicyLines lines;
} IniContext;

static int parse_u64(const char *v, uint64_t *ret)
{
        char *end;

        if (*v < '0' || *v > '9')
                return -EINVAL;
        errno = 0;
        *ret = strtoull(v, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        return *end ? -EINVAL : 0;
}

/* "12", "12.5", "12.25": hundredths, never through a float (locale-proof). */
static int parse_centi(const char *v, uint64_t *ret)
{
        uint64_t whole = 0, frac = 0;
        unsigned digits = 0;
        const char *s = v;

        if (*s < '0' || *s > '9')
                return -EINVAL;
        for (; *s >= '0' && *s <= '9'; s++) {
                if (whole > 1000000)
                        return -ERANGE;
                whole = whole * 10 + (uint64_t)(*s - '0');
        }
        if (*s == '.') {
                for (s++; *s >= '0' && *s <= '9' && digits < 3; s++, digits++)
                        frac = frac * 10 + (uint64_t)(*s - '0');
                if (digits == 0 || digits > 2)
                        return -EINVAL;
                if (digits == 1)
                        frac *= 10;
        }
        if (*s)
                return -EINVAL;
        *ret = whole * 100 + frac;
        return 0;
}

static int parse_bool(const char *v, bool *ret)
{
        static const char *const yes[] = { "yes", "true", "on", "1" }, *const no[] = { "no", "false", "off", "0" };

        for (size_t i = 0; i < 4; i++) {
                if (strcmp(v, yes[i]) == 0)
                        return *ret = true, 0;
                if (strcmp(v, no[i]) == 0)
                        return *ret = false, 0;
        }
        return -EINVAL;
}

static void set_key(IniContext *ctx, const PolicyKey *k, size_t ki, const char *value, unsigned line)
{
        char *field = (char *)ctx->p + k->offset;
        uint64_t v = 0;
        int r = 0;

        if (ctx->lines.key[ki]) {
                config_error_add(ctx->errs, line, k->section, k->name, "set twice (first on line %u)", ctx->lines.key[ki]);
                return;
        }
        ctx->lines.key[ki] = line;
        switch (k->type) {
        case KEY_BOOL:
                if (parse_bool(value, (bool *)field) < 0)
                        config_error_add(ctx->errs, line, k->section, k->name, "expected yes or no, got \"%s\"", value);
                return;
        case KEY_PATH:
                if (value[0] && value[0] != '/')
                        config_error_add(ctx->errs, line, k->section, k->name, "expected an absolute path, got \"%s\"", value);
                else if (strlen(value) >= CONFIG_PATH_MAX)
                        config_error_add(ctx->errs, line, k->section, k->name, "path longer than %d characters",
                                 CONFIG_PATH_MAX - 1);
                else
                        strcpy(field, value);
                return;
        case KEY_LEVEL: {
                Level l = level_from_name(value, strlen(value));

                if (l == _LEVEL_INVALID || (uint64_t)l < k->min || (uint64_t)l > k->max)
                        config_error_add(ctx->errs, line, k->section, k->name, "expected one of %s..%s, got \"%s\"",
                                 level_name((Level)k->min), level_name((Level)k->max), value);
                else
                        *(uint64_t *)field = (uint64_t)l;
                return;
        }
        case KEY_CENTI:
                r = parse_centi(value, &v);
                if (r < 0 || v < k->min || v > k->max) {
                        config_error_add(ctx->errs, line, k->section, k->name,
                                 "expected a percentage from %" PRIu64 " to %" PRIu64 " with at most two decimals, got \"%s\"",
                                 k->min / 100, k->max / 100, value);
                        return;
                }
                *(uint64_t *)field = v;
                return;
        case KEY_U64:
        default:
                r = parse_u64(value, &v);
                if (r < 0 || v < k->min || v > k->max) {
                        config_error_add(ctx->errs, line, k->section, k->name,
                                 "expected a whole number from %" PRIu64 " to %" PRIu64 ", got \"%s\"", k->min, k->max,
                                 value);
                        return;
                }
                *(uint64_t *)field = v;
                return;
        }
}

static void add_rule(IniContext *ctx, RuleSet *set, unsigned set_i, const char *section, const char *name,
                     const char *value, unsigned line)
{
        MatchRule *rule;
        int kind = -1;

        if (strcmp(name, "oom_score_adj") == 0) {
                char *end;
                long v;

                if (ctx->lines.adj[set_i]) {
                        config_error_add(ctx->errs, line, section, name, "set twice (first on line %u)", ctx->lines.adj[set_i]);
                        return;
                }
                ctx->lines.adj[set_i] = line;
                errno = 0;
                v = strtol(value, &end, 10);
                if (!*value || *end || errno || v < -1000 || v > 1000)
                        config_error_add(ctx->errs, line, section, name, "expected a whole number from -1000 to 1000, got \"%s\"",
                                 value);
                else
                        set->oom_score_adj = v;
                return;
        }
        for (int k = 0; k < _MATCH_KIND_MAX; k++)
                if (strcmp(name, match_kind_names[k]) == 0)
                        kind = k;
        if (kind < 0) {
                char hint[96];
                ConfigSuggest s;

                config_suggest_init(&s, name);
                for (int k = 0; k < _MATCH_KIND_MAX; k++)
                        config_suggest_offer(&s, match_kind_names[k]);
                config_suggest_offer(&s, "oom_score_adj");
                config_error_add(ctx->errs, line, section, name,
                                 "unknown key; [%s] takes name, unit, cgroup and oom_score_adj%s", section,
                                 config_suggest_hint(&s, "", "", hint, sizeof(hint)));
                return;
        }
        if (!*value || strlen(value) >= POLICY_MATCH_MAX) {
                config_error_add(ctx->errs, line, section, name, "expected 1 to %d characters", POLICY_MATCH_MAX - 1);
                return;
        }
        if (kind == MATCH_NAME && strlen(value) > 15) {
                config_error_add(ctx->errs, line, section, name,
                         "\"%s\" is longer than 15 characters: the kernel keeps only the first 15 of a process name",
                         value);
                return;
        }
        if (kind == MATCH_CGROUP && value[0] != '/') {
                config_error_add(ctx->errs, line, section, name, "expected a cgroup path starting with /, got \"%s\"", value);
                return;
        }
        if (set->n_rules >= POLICY_MAX_RULES) {
                config_error_add(ctx->errs, line, section, name, "more than %d rules", POLICY_MAX_RULES);
                return;
        }
        rule = &set->rules[set->n_rules++];
        rule->kind = (MatchKind)kind;
        strcpy(rule->value, value);
}

/* A key the handler did not take: before any section, in an unknown
 * section, or unknown in a known one, with the closest known name. */
static void unknown(IniContext *ctx, unsigned line, const char *section, const char *name, bool section_known)
{
        char hint[96];
        ConfigSuggest s;

        if (!*section) {
                config_error_add(ctx->errs, line, section, name, "key before the first [section]");
                return;
        }
        if (!section_known) {
                config_suggest_init(&s, section);
                for (size_t i = 0; i < policy_n_keys; i++)
                        config_suggest_offer(&s, policy_keys[i].section);
                config_suggest_offer(&s, "protect");
                config_suggest_offer(&s, "prefer");
                config_error_add(ctx->errs, line, section, name, "unknown section [%s]%s", section,
                                 config_suggest_hint(&s, "[", "]", hint, sizeof(hint)));
                return;
        }
        config_suggest_init(&s, name);
        for (size_t i = 0; i < policy_n_keys; i++)
                if (strcmp(policy_keys[i].section, section) == 0)
                        config_suggest_offer(&s, policy_keys[i].name);
        if (strcmp(section, "pressure") == 0)
                config_suggest_offer(&s, "cgroup");
        config_error_add(ctx->errs, line, section, name, "unknown key in [%s]%s", section,
                         config_suggest_hint(&s, "", "", hint, sizeof(hint)));
}

static void handler(void *user, unsigned line, const char *section, const char *name, const char *value)
{
        IniContext *ctx = user;
        bool section_known = false;

        if (strcmp(section, "protect") == 0) {
                add_rule(ctx, &ctx->p->protect, 0, section, name, value, line);
                return;
        }
        if (strcmp(section, "prefer") == 0) {
                add_rule(ctx, &ctx->p->prefer, 1, section, name, value, line);
                return;
        }
        if (strcmp(section, "pressure") == 0 && strcmp(name, "cgroup") == 0) {
                Policy *p = ctx->p;

                if (value[0] != '/' || strlen(value) >= sizeof(p->pressure_cgroups[0]))
                        config_error_add(ctx->errs, line, section, name, "expected an absolute cgroup directory, got \"%s\"",
                                 value);
                else if (p->n_pressure_cgroups >= POLICY_MAX_CGROUPS)
                        config_error_add(ctx->errs, line, section, name, "more than %d cgroups", POLICY_MAX_CGROUPS);
                else
                        strcpy(p->pressure_cgroups[p->n_pressure_cgroups++], value);
                return;
        }
        for (size_t i = 0; i < policy_n_keys; i++) {
                const PolicyKey *k = &policy_keys[i];

                if (strcmp(section, k->section) != 0)
                        continue;
                section_known = true;
                if (strcmp(name, k->name) == 0) {
                        set_key(ctx, k, i, value, line);
                        return;
                }
        }
        unknown(ctx, line, section, name, section_known);
}

int policy_parse(const char *text, Policy *ret, ConfigErrors *errs)
{
        IniContext *ctx;
        int r;

        if (policy_n_keys > POLICY_MAX_KEYS)
                return -E2BIG;  /* raise POLICY_MAX_KEYS with policy-keys.def */
        ctx = calloc(1, sizeof(*ctx));
        if (!ctx)
                return -ENOMEM;
        memset(errs, 0, sizeof(*errs));
        policy_init_defaults(ret);
        ctx->p = ret;
        ctx->errs = errs;
        r = config_ini_parse(text, errs, handler, ctx);
        if (r == 0 && errs->n == 0)
                policy_validate(ret, &ctx->lines, errs);
        free(ctx);
        if (r < 0)
                return r;
        return errs->n ? -EINVAL : 0;
}

int policy_parse_any(const char *text, void *ret, ConfigErrors *errs)
{
        return policy_parse(text, ret, errs);
}
