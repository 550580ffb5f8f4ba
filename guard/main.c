/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oomguard: acts before the kernel's OOM killer has to. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "guard.h"
#include "policy-dump.h"
#include "policy.h"

#define DEFAULT_POLICY "/etc/oomguard/policy.ini"

/* Exit codes, listed in oomguard(8) and the README. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,        /* could not start or run */
        EXIT_USAGE = 2,
        EXIT_BAD_POLICY = 3,    /* the policy file does not validate */
        EXIT_KERNEL_FILE = 4,   /* a kernel file at start-up cannot be read or understood */
};

static void usage(FILE *f)
{
        fprintf(f, "Usage: oomguard [OPTIONS]\n"
                   "\n"
                   "  --policy FILE          policy to use (default " DEFAULT_POLICY
                   "; the shipped\n"
                   "                         defaults when that file does not exist)\n"
                   "  --dry-run              decide and log, change nothing\n"
                   "  --once                 sample, decide, print the decision and why, exit\n"
                   "  --json                 with --once: print it as the JSON of oomguardctl status\n"
                   "  --root DIR             read and write /proc and /sys under DIR (a fixture tree)\n"
                   "  --check-policy FILE    validate FILE and print the effective policy\n"
                   "  --print-default-policy print the shipped policy with every key explained\n"
                   "  --print-policy-table   print the policy keys as a markdown table\n"
                   "  --print-policy-man     print oomguard.ini(5), the policy's man page, in roff\n"
                   "  --help\n");
}

static int check_policy(const char *path)
{
        Policy p;

        if (guard_load_policy(path, true, &p, stderr) < 0)
                return EXIT_BAD_POLICY;
        policy_dump(stdout, &p, false);
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "policy", required_argument, NULL, 'p' },
                { "dry-run", no_argument, NULL, 'n' },
                { "once", no_argument, NULL, '1' },
                { "json", no_argument, NULL, 'j' },
                { "root", required_argument, NULL, 'r' },
                { "check-policy", required_argument, NULL, 'c' },
                { "print-default-policy", no_argument, NULL, 'D' },
                { "print-policy-table", no_argument, NULL, 'T' },
                { "print-policy-man", no_argument, NULL, 'M' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        GuardOptions opt = { .root = "/", .policy_path = DEFAULT_POLICY };
        bool once = false, json = false;
        Guard *g = NULL;
        GuardFailure why;
        Policy shipped;
        int c, r;

        while ((c = getopt_long(argc, argv, "p:n1jr:c:DTMh", options, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        opt.policy_path = optarg;
                        opt.policy_required = true;
                        break;
                case 'n':
                        opt.dry_run = true;
                        break;
                case '1':
                        once = true;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'r':
                        opt.root = optarg;
                        break;
                case 'c':
                        return check_policy(optarg);
                case 'D':
                        policy_init_shipped(&shipped);
                        policy_dump(stdout, &shipped, true);
                        return EXIT_OK;
                case 'T':
                        policy_dump_markdown(stdout);
                        return EXIT_OK;
                case 'M':
                        policy_dump_man(stdout);
                        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
                case 'h':
                        usage(stdout);
                        return EXIT_OK;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (json && !once) {
                fprintf(stderr, "oomguard: --json goes with --once\n");
                return EXIT_USAGE;
        }
        if (optind < argc) {
                fprintf(stderr, "oomguard: unexpected argument \"%s\"\n", argv[optind]);
                return EXIT_USAGE;
        }
        /* In a terminal (not under systemd), show each record's line too. */
        opt.lines_to_stderr = !getenv("JOURNAL_STREAM");
        r = guard_new(&opt, &g, &why);
        if (r < 0)
                return why == GUARD_FAILED_POLICY ? EXIT_BAD_POLICY :
                       why == GUARD_FAILED_KERNEL_FILE ? EXIT_KERNEL_FILE : EXIT_FAILED;
        r = once ? guard_once(g, stdout, json) : guard_run(g);
        guard_free(g);
        return r < 0 ? EXIT_FAILED : EXIT_OK;
}
