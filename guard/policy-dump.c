/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "policy-dump.h"

#include <inttypes.h>
#include <string.h>

static void range_text(const PolicyKey *k, char *buf, size_t size)
{
        switch (k->type) {
        case KEY_BOOL:
                snprintf(buf, size, "yes or no");
                return;
        case KEY_PATH:
                snprintf(buf, size, "absolute path");
                return;
        case KEY_LEVEL:
                snprintf(buf, size, "%s..%s", level_name((Level)k->min), level_name((Level)k->max));
                return;
        case KEY_CENTI:
                snprintf(buf, size, "%" PRIu64 "..%" PRIu64 " %%", k->min / 100, k->max / 100);
                return;
        case KEY_U64:
        default:
                snprintf(buf, size, "%" PRIu64 "..%" PRIu64, k->min, k->max);
                return;
        }
}

static void default_text(const PolicyKey *k, char *buf, size_t size)
{
        Policy defaults;

        policy_init_defaults(&defaults);
        policy_key_format(&defaults, k, buf, size);
}

static void dump_rules(FILE *f, const char *section, const RuleSet *set, bool comments)
{
        fprintf(f, "\n[%s]\n", section);
        if (comments) {
                fprintf(f, "# %s\n", strcmp(section, "protect") == 0 ?
                                             "Processes the kernel's OOM killer should spare: they get oom_score_adj below." :
                                             "Processes that should die first if something must.");
                fprintf(f, "# name = COMM (exactly, at most 15 characters), unit = UNIT (systemd unit),\n"
                           "# cgroup = /PATH (that cgroup or any below it); each may repeat.\n");
        }
        fprintf(f, "oom_score_adj = %" PRId64 "\n", set->oom_score_adj);
        for (unsigned i = 0; i < set->n_rules; i++)
                fprintf(f, "%s = %s\n", match_kind_names[set->rules[i].kind], set->rules[i].value);
}

void policy_dump(FILE *f, const Policy *p, bool comments)
{
        const char *section = NULL;
        char value[POLICY_PATH_MAX + 32], range[64], def[POLICY_PATH_MAX + 32];

        if (comments)
                fprintf(f, "# oomguard policy. Every key is listed with its default; oomguard reads\n"
                           "# this file at start and on SIGHUP (a file that does not validate is\n"
                           "# refused and the running policy kept). See oomguard.ini(5).\n");
        for (size_t i = 0; i < policy_n_keys; i++) {
                const PolicyKey *k = &policy_keys[i];

                if (!section || strcmp(section, k->section) != 0) {
                        if (section && strcmp(section, "pressure") == 0) {
                                if (comments)
                                        fprintf(f, "# cgroup = /sys/fs/cgroup/PATH also wakes oomguard on that cgroup's\n"
                                                   "# memory.pressure (repeatable, up to %d)\n",
                                                POLICY_MAX_CGROUPS);
                                for (unsigned c = 0; c < p->n_pressure_cgroups; c++)
                                        fprintf(f, "cgroup = %s\n", p->pressure_cgroups[c]);
                        }
                        section = k->section;
                        fprintf(f, "%s[%s]\n", i ? "\n" : comments ? "\n" : "", section);
                }
                policy_key_format(p, k, value, sizeof(value));
                if (comments) {
                        range_text(k, range, sizeof(range));
                        default_text(k, def, sizeof(def));
                        fprintf(f, "# %s (%s; default %s)\n", k->help, range, def[0] ? def : "empty");
                }
                fprintf(f, "%s = %s\n", k->name, value);
        }
        dump_rules(f, "protect", &p->protect, comments);
        dump_rules(f, "prefer", &p->prefer, comments);
}

void policy_dump_markdown(FILE *f)
{
        char range[64], def[POLICY_PATH_MAX + 32];

        fprintf(f, "| section | key | values | default | meaning |\n|---|---|---|---|---|\n");
        for (size_t i = 0; i < policy_n_keys; i++) {
                const PolicyKey *k = &policy_keys[i];

                range_text(k, range, sizeof(range));
                default_text(k, def, sizeof(def));
                fprintf(f, "| %s | %s | %s | %s | %s |\n", k->section, k->name, range, def[0] ? def : "(empty)", k->help);
        }
        fprintf(f, "| pressure | cgroup | cgroup directory, repeatable | (none) | also wake on that cgroup's memory.pressure |\n");
        fprintf(f, "| protect, prefer | name, unit, cgroup | process name, systemd unit, cgroup path; repeatable | (none) | which processes get the section's oom_score_adj |\n");
        fprintf(f, "| protect, prefer | oom_score_adj | -1000..1000 | -900 / 500 | the value those processes get |\n");
}
