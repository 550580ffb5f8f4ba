/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host.ini through libinih. Debian's inih gives the handler no line number
 * (INI_HANDLER_LINENO is off), so the text is fed through our own
 * ini_reader: inih asks it for one line at a time and calls the handler
 * for that line before asking for the next, so the reader's count is the
 * handler's line. The reader also refuses what inih would silently
 * reinterpret: lines longer than its buffer (cut in two) and indented
 * lines (continuations of the previous value, INI_ALLOW_MULTILINE). */
#include <errno.h>
#include <ini.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
};
#define N_KEYS (sizeof(host_keys) / sizeof(host_keys[0]))

typedef struct HostIni {
        HostPolicy *hp;
        ConfigErrors *errs;
        const char *next;       /* the reader's position in the text */
        unsigned line;          /* the line inih is working on */
        /* Where each key was set, per section: [host]+[defaults], then each domain. */
        unsigned seen[2 + HOST_POLICY_MAX_DOMAINS][N_KEYS];
} HostIni;

/* ini_reader: like fgets() over the text, one line per call. */
static char *read_line(char *buf, int size, void *stream)
{
        HostIni *ini = stream;
        const char *s = ini->next, *nl;
        size_t len;

        if (!*s)
                return NULL;
        nl = strchr(s, '\n');
        len = nl ? (size_t)(nl - s) + 1 : strlen(s);
        ini->next = s + len;
        ini->line++;
        if (len + 1 > (size_t)size) {
                config_error_add(ini->errs, ini->line, "", "", "line is longer than %d characters", size - 2);
                strcpy(buf, "\n");      /* inih sees a blank line */
                return buf;
        }
        if ((s[0] == ' ' || s[0] == '\t') && strspn(s, " \t\r\n") < len && s[strspn(s, " \t")] != ';' &&
            s[strspn(s, " \t")] != '#') {
                config_error_add(ini->errs, ini->line, "", "",
                         "indented line would continue the previous value; start keys in column 1");
                strcpy(buf, "\n");
                return buf;
        }
        if (s[strspn(s, " \t")] == '[' && !memchr(s, ']', len)) {
                /* inih would keep the previous section and only count an error. */
                config_error_add(ini->errs, ini->line, "", "", "section header without ']'");
                strcpy(buf, "\n");
                return buf;
        }
        memcpy(buf, s, len);
        buf[len] = '\0';
        return buf;
}

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

static int handler(void *user, const char *section, const char *name, const char *value)
{
        HostIni *ini = user;
        DomainOverride *o = NULL;
        unsigned kind, slot;
        char *base;

        if (strcmp(section, "host") == 0) {
                kind = SECTION_HOST, slot = 0, base = (char *)ini->hp;
        } else if (strcmp(section, "defaults") == 0) {
                kind = SECTION_DOMAIN, slot = 1, base = (char *)&ini->hp->defaults;
        } else if (strncmp(section, "domain", 6) == 0 && (section[6] == ' ' || section[6] == '\t' || !section[6])) {
                o = domain_section(ini, section, &slot);
                if (!o)
                        return 1;
                kind = SECTION_DOMAIN, base = (char *)&o->p;
        } else {
                if (!*section)
                        config_error_add(ini->errs, ini->line, section, name, "key before the first [section]");
                else
                        config_error_add(ini->errs, ini->line, section, name,
                                 "unknown section [%s]; expected [host], [defaults] or [domain NAME]", section);
                return 1;
        }
        for (size_t i = 0; i < N_KEYS; i++)
                if (host_keys[i].section == kind && strcmp(host_keys[i].name, name) == 0) {
                        set_key(ini, &host_keys[i], slot, base, o, section, value);
                        return 1;
                }
        config_error_add(ini->errs, ini->line, section, name, "unknown key in [%s]", section);
        return 1;
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
        ini->next = text;
        r = ini_parse_stream(read_line, ini, handler, ini);
        free(ini);
        if (r < 0)
                return -ENOMEM;
        /* inih's own complaint: a line that is neither key, section nor
         * comment. It reports the first only; ours came with a message. */
        if (r > 0) {
                bool known = false;

                for (unsigned i = 0; i < errs->n && i < CONFIG_MAX_ERRORS; i++)
                        known |= errs->e[i].line == (unsigned)r;
                if (!known)
                        config_error_add(errs, (unsigned)r, "", "", "expected \"key = value\", a [section] or a comment");
        }
        if (errs->n == 0)
                host_policy_validate(ret, errs);
        return errs->n ? -EINVAL : 0;
}
