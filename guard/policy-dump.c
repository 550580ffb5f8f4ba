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
        char value[CONFIG_PATH_MAX + 32], range[64], def[CONFIG_PATH_MAX + 32];

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
        char range[64], def[CONFIG_PATH_MAX + 32];

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

/* Text for roff: backslashes escaped, a leading '.' or '\'' guarded, and a
 * '-' that starts a word (a negative number, an option) made a minus sign. */
static void man_text(FILE *f, const char *s)
{
        if (*s == '.' || *s == '\'')
                fputs("\\&", f);
        for (const char *p = s; *p; p++) {
                if (*p == '\\')
                        fputs("\\e", f);
                else if (*p == '-' && (p == s || p[-1] == ' ' || p[-1] == '(' || p[-1] == '/'))
                        fputs("\\-", f);
                else
                        fputc(*p, f);
        }
}

static void man_key(FILE *f, const char *name, const char *range, const char *def, const char *help)
{
        fprintf(f, ".TP\n\\fB");
        man_text(f, name);
        fprintf(f, "\\fR = \\fI");
        man_text(f, range);
        fprintf(f, "\\fR (default \\fB");
        man_text(f, def);
        fprintf(f, "\\fR)\n");
        man_text(f, help);
        fprintf(f, ".\n");
}

void policy_dump_man(FILE *f)
{
        const char *section = NULL;
        char range[64], def[CONFIG_PATH_MAX + 32];

        fprintf(f, ".\\\" Generated by oomguard --print-policy-man from policy/policy-keys.def; do not edit.\n"
                   ".TH OOMGUARD.INI 5 \"\" \"oomguard\" \"File Formats Manual\"\n"
                   ".SH NAME\n"
                   "oomguard.ini \\- the policy of oomguard, the memory guard\n"
                   ".SH SYNOPSIS\n"
                   ".I /etc/oomguard/policy.ini\n"
                   ".SH DESCRIPTION\n"
                   ".BR oomguard (8)\n"
                   "reads its policy from\n"
                   ".I /etc/oomguard/policy.ini\n"
                   "(or the file given with \\fB\\-\\-policy\\fR) at start and again on \\fBSIGHUP\\fR.\n"
                   "A file that does not validate is refused with its file, line, section and key,\n"
                   "and the running policy stays.\n"
                   "Without the default file, the defaults below apply.\n"
                   "Check a file with \\fBoomguard \\-\\-check\\-policy\\fR \\fIFILE\\fR.\n"
                   ".PP\n"
                   "The file is INI: \\fB[section]\\fR lines, then \\fIkey\\fR = \\fIvalue\\fR lines;\n"
                   "lines starting with \\fB#\\fR or \\fB;\\fR are comments, and so is the rest of a line\n"
                   "from a \\fB;\\fR after a space; a value may not start with \\fB;\\fR.\n"
                   "Unknown sections and keys, values out of range and keys set twice are errors.\n"
                   "Sizes are in kB, times in the unit the key's name ends with.\n"
                   "Cross-field rules are checked too: a critical threshold must be stricter than the\n"
                   "act one and an act threshold stricter than the warn one, stall times must fit in\n"
                   "the PSI window; such an error names every key involved with its value and line.\n"
                   "An unknown section or key is named with the closest known one.\n");
        for (size_t i = 0; i < policy_n_keys; i++) {
                const PolicyKey *k = &policy_keys[i];

                if (!section || strcmp(section, k->section) != 0) {
                        if (section && strcmp(section, "pressure") == 0) {
                                char help[128];

                                snprintf(help, sizeof(help),
                                         "Also wake on that cgroup's memory.pressure; repeatable, up to %d",
                                         POLICY_MAX_CGROUPS);
                                man_key(f, "cgroup", "/sys/fs/cgroup/PATH", "none", help);
                        }
                        if (!section)
                                fprintf(f, ".SH KEYS\n");
                        section = k->section;
                        fprintf(f, ".SS [%s]\n", section);
                }
                range_text(k, range, sizeof(range));
                default_text(k, def, sizeof(def));
                man_key(f, k->name, range, def[0] ? def : "empty", k->help);
        }
        fprintf(f, ".SS \"[protect] and [prefer]\"\n"
                   "Processes that get the section's \\fBoom_score_adj\\fR while oomguard runs:\n"
                   "\\fB[protect]\\fR for those the kernel's OOM killer should spare (and that\n"
                   "oomguard never kills), \\fB[prefer]\\fR for those that should die first if\n"
                   "something must.\n"
                   "Every value is restored when oomguard stops, unless someone\n"
                   "else changed it meanwhile.\n");
        man_key(f, "oom_score_adj", "-1000..1000", "-900 in [protect], 500 in [prefer]",
                "The value the matched processes get");
        man_key(f, "name", "COMM", "none",
                "A process whose name (comm) is exactly COMM, at most 15 characters; repeatable");
        man_key(f, "unit", "UNIT", "none", "The processes of that systemd unit; repeatable");
        man_key(f, "cgroup", "/PATH", "none", "The processes of that cgroup or any below it; repeatable");
        fprintf(f, ".SH EXAMPLE\n"
                   ".EX\n"
                   "[levels]\n"
                   "order = 9\n"
                   "\n"
                   "[kill]\n"
                   "enabled = yes\n"
                   "\n"
                   "[protect]\n"
                   "oom_score_adj = \\-900\n"
                   "name = sshd\n"
                   "unit = postgresql.service\n"
                   "\n"
                   "[prefer]\n"
                   "oom_score_adj = 500\n"
                   "cgroup = /system.slice/batch.service\n"
                   ".EE\n"
                   ".SH FILES\n"
                   ".TP\n"
                   ".I /etc/oomguard/policy.ini\n"
                   "The policy; the shipped file lists every key at its default, with its help.\n"
                   ".SH SEE ALSO\n"
                   ".BR oomguard (8),\n"
                   ".BR oomguardctl (1),\n"
                   ".BR oomguard\\-agent (8)\n");
}
