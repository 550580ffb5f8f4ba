/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host.ini: [host], [defaults] and [domain NAME], from text read by
 * common/'s INI line reader (config-ini.h), which gives every key its line. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-ini.h"
#include "config-suggest.h"
#include "host-policy.h"

enum { SECTION_HOST, SECTION_DEFAULTS, SECTION_DOMAIN };

typedef struct HostKey {
        unsigned section;       /* SECTION_HOST: offset into HostPolicy; else into DomainPolicy */
        const char *name;
        size_t offset;
        uint64_t min, max;      /* min > max: a path */
        unsigned set_bit;       /* DOMAIN_SET_* */
} HostKey;

#define MB_MAX (UINT64_C(1) << 30)      /* 1 PiB: a typo guard, not a limit */
#define S_MAX UINT64_C(86400)

static const HostKey host_keys[] = {
        { SECTION_HOST, "floor_available_mb", offsetof(HostPolicy, floor_available_mb), 0, MB_MAX, 0 },
        { SECTION_HOST, "release_below_mb", offsetof(HostPolicy, release_below_mb), 0, MB_MAX, 0 },
        { SECTION_HOST, "release_cooldown_s", offsetof(HostPolicy, release_cooldown_s), 0, S_MAX, 0 },
        { SECTION_HOST, "metrics_path", offsetof(HostPolicy, metrics_path), 1, 0, 0 },
        { SECTION_HOST, "metrics_interval_s", offsetof(HostPolicy, metrics_interval_s), 1, 3600, 0 },
        { SECTION_HOST, "cgroup_margin_mb", offsetof(HostPolicy, cgroup_margin_mb), 0, MB_MAX, 0 },
        { SECTION_HOST, "cgroup_act_mb", offsetof(HostPolicy, cgroup_act_mb), 0, MB_MAX, 0 },
        { SECTION_DOMAIN, "step_mb", offsetof(DomainPolicy, step_mb), 0, MB_MAX, DOMAIN_SET_STEP },
        { SECTION_DOMAIN, "rate_s", offsetof(DomainPolicy, rate_s), 0, S_MAX, DOMAIN_SET_RATE },
        { SECTION_DOMAIN, "cooldown_s", offsetof(DomainPolicy, cooldown_s), 0, S_MAX, DOMAIN_SET_COOLDOWN },
        { SECTION_DOMAIN, "priority", offsetof(DomainPolicy, priority), 0, 1000, DOMAIN_SET_PRIORITY },
        { SECTION_DOMAIN, "entitlement_mb", offsetof(DomainPolicy, entitlement_mb), 0, MB_MAX, DOMAIN_SET_ENTITLEMENT },
        { SECTION_DOMAIN, "minimum_mb", offsetof(DomainPolicy, minimum_mb), 0, MB_MAX, DOMAIN_SET_MINIMUM },
        { SECTION_DOMAIN, "reclaim_after_s", offsetof(DomainPolicy, reclaim_after_s), 0, S_MAX, DOMAIN_SET_RECLAIM_AFTER },
};
#define N_KEYS (sizeof(host_keys) / sizeof(host_keys[0]))

typedef struct HostIni {
        HostPolicy *hp;
        ConfigErrors *errs;
        unsigned line;          /* of the key being handled */
        /* Where each key was set, per section: [host]+[defaults], then each domain. */
        unsigned seen[2 + HOST_POLICY_MAX_DOMAINS][N_KEYS];
} HostIni;

static int parse_number(const char *v, uint64_t min, uint64_t max, uint64_t *ret)
{
        uint64_t n = 0;

        if (!*v)
                return -EINVAL;
        for (; *v; v++) {
                if (*v < '0' || *v > '9')
                        return -EINVAL;
                if (n > (UINT64_MAX - 9) / 10)
                        return -ERANGE;
                n = n * 10 + (uint64_t)(*v - '0');
        }
        if (n < min || n > max)
                return -ERANGE;
        *ret = n;
        return 0;
}

/* Finds or adds the override for "domain NAME"; NULL after an error. */
static DomainOverride *domain_section(HostIni *ini, const char *section, unsigned *ret_slot)
{
        HostPolicy *hp = ini->hp;
        char name[HOST_POLICY_NAME_MAX];
        const char *s = section + strlen("domain");
        size_t len;

        s += strspn(s, " \t");
        len = strlen(s);
        while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
                len--;
        if (len == 0 || len >= sizeof(name)) {
                config_error_add(ini->errs, ini->line, section, "", "expected [domain NAME] with a name of 1 to %d characters",
                         HOST_POLICY_NAME_MAX - 1);
                return NULL;
        }
        memcpy(name, s, len);
        name[len] = '\0';
        for (unsigned i = 0; i < hp->n_domains; i++)
                if (strcmp(hp->domains[i].name, name) == 0) {
                        *ret_slot = 2 + i;
                        return &hp->domains[i];
                }
        if (hp->n_domains >= HOST_POLICY_MAX_DOMAINS) {
                config_error_add(ini->errs, ini->line, section, "", "more than %d [domain] sections", HOST_POLICY_MAX_DOMAINS);
                return NULL;
        }
        *ret_slot = 2 + hp->n_domains;
        strcpy(hp->domains[hp->n_domains].name, name);
        return &hp->domains[hp->n_domains++];
}

static void set_key(HostIni *ini, const HostKey *k, unsigned slot, char *base, DomainOverride *o,
                    const char *section, const char *value)
{
        unsigned *seen = &ini->seen[slot][k - host_keys];
        uint64_t v;

        if (*seen) {
                config_error_add(ini->errs, ini->line, section, k->name, "set twice (first on line %u)", *seen);
                return;
        }
        *seen = ini->line;
        if (k->min > k->max) {
                if (value[0] && value[0] != '/')
                        config_error_add(ini->errs, ini->line, section, k->name, "expected an absolute path or nothing, got \"%s\"",
                                 value);
                else if (strlen(value) >= CONFIG_PATH_MAX)
                        config_error_add(ini->errs, ini->line, section, k->name, "path longer than %d characters",
                                 CONFIG_PATH_MAX - 1);
                else
                        strcpy(base + k->offset, value);
                return;
        }
        if (parse_number(value, k->min, k->max, &v) < 0) {
                config_error_add(ini->errs, ini->line, section, k->name,
                         "expected a whole number from %" PRIu64 " to %" PRIu64 ", got \"%s\"", k->min, k->max, value);
                return;
        }
        memcpy(base + k->offset, &v, sizeof(v));
        if (o)
                o->set |= k->set_bit;
}

static void unknown_section(HostIni *ini, const char *section, const char *name)
{
        char domain[HOST_POLICY_NAME_MAX + 16], hint[HOST_POLICY_NAME_MAX + 40];
        ConfigSuggest s;

        if (!*section) {
                config_error_add(ini->errs, ini->line, section, name, "key before the first [section]");
                return;
        }
        /* "[domian vm]" is close to "[domain vm]" */
        snprintf(domain, sizeof(domain), "domain%s", section + strcspn(section, " \t"));
        config_suggest_init(&s, section);
        config_suggest_offer(&s, "host");
        config_suggest_offer(&s, "defaults");
        config_suggest_offer(&s, domain);
        config_error_add(ini->errs, ini->line, section, name,
                         "unknown section [%s]; expected [host], [defaults] or [domain NAME]%s", section,
                         config_suggest_hint(&s, "[", "]", hint, sizeof(hint)));
}

static void handler(void *user, unsigned line, const char *section, const char *name, const char *value)
{
        HostIni *ini = user;
        DomainOverride *o = NULL;
        unsigned kind, slot;
        char *base, hint[96];
        ConfigSuggest s;

        ini->line = line;
        if (strcmp(section, "host") == 0) {
                kind = SECTION_HOST, slot = 0, base = (char *)ini->hp;
        } else if (strcmp(section, "defaults") == 0) {
                kind = SECTION_DOMAIN, slot = 1, base = (char *)&ini->hp->defaults;
        } else if (strncmp(section, "domain", 6) == 0 && (section[6] == ' ' || section[6] == '\t' || !section[6])) {
                o = domain_section(ini, section, &slot);
                if (!o)
                        return;
                kind = SECTION_DOMAIN, base = (char *)&o->p;
        } else {
                unknown_section(ini, section, name);
                return;
        }
        config_suggest_init(&s, name);
        for (size_t i = 0; i < N_KEYS; i++) {
                if (host_keys[i].section != kind)
                        continue;
                if (strcmp(host_keys[i].name, name) == 0) {
                        set_key(ini, &host_keys[i], slot, base, o, section, value);
                        return;
                }
                config_suggest_offer(&s, host_keys[i].name);
        }
        config_error_add(ini->errs, ini->line, section, name, "unknown key in [%s]%s", section,
                         config_suggest_hint(&s, "", "", hint, sizeof(hint)));
}

/* Where a [host] key was set, 0 if it was not. */
static unsigned host_key_line(const HostIni *ini, const char *name)
{
        for (size_t i = 0; i < N_KEYS; i++)
                if (host_keys[i].section == SECTION_HOST && strcmp(host_keys[i].name, name) == 0)
                        return ini->seen[0][i];
        return 0;
}

int host_policy_parse(const char *text, HostPolicy *ret, ConfigErrors *errs)
{
        HostIni *ini;
        int r;

        ini = calloc(1, sizeof(*ini));
        if (!ini)
                return -ENOMEM;
        memset(errs, 0, sizeof(*errs));
        host_policy_init_defaults(ret);
        ini->hp = ret;
        ini->errs = errs;
        r = config_ini_parse(text, errs, handler, ini);
        if (r == 0 && errs->n == 0) {
                HostPolicyLines lines = {
                        .floor_available_mb = host_key_line(ini, "floor_available_mb"),
                        .release_below_mb = host_key_line(ini, "release_below_mb"),
                        .cgroup_margin_mb = host_key_line(ini, "cgroup_margin_mb"),
                        .cgroup_act_mb = host_key_line(ini, "cgroup_act_mb"),
                };

                host_policy_validate(ret, &lines, errs);
        }
        free(ini);
        if (r < 0)
                return r;
        return errs->n ? -EINVAL : 0;
}
