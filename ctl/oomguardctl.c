/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oomguardctl: look at memory the way oomguard does. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "config-file.h"
#include "decide.h"
#include "explain-render.h"
#include "explain.h"
#include "oomreport-parse.h"
#include "model.h"
#include "pressure.h"
#include "sample-read.h"
#include "status-render.h"
#include "step.h"
#include "sysroot.h"
#include "zones-report.h"

/* Exit codes, documented in the README. */
enum {
        EXIT_OK = 0,
        EXIT_FAILED = 1,        /* the system (or fixture) could not be read or understood */
        EXIT_USAGE = 2,
        EXIT_NO_REPORT = 3,     /* explain: the input held no OOM report or allocation failure */
        EXIT_NO_GUARD = 4,      /* status: no oomguard answers on the socket */
};

#define STATUS_SOCKET_DEFAULT "/run/oomguard/status.sock"

#define ORDER_DEFAULT 3 /* PAGE_ALLOC_COSTLY_ORDER: the largest order the kernel retries hard for */

static void usage(FILE *f)
{
        fprintf(f, "Usage: oomguardctl status [--json] [--socket PATH]\n"
                   "       oomguardctl zones [--root DIR] [--json] [--order N]\n"
                   "       oomguardctl replay [--policy FILE] SEQUENCE_DIR\n"
                   "       oomguardctl explain [--json] [--kernel VERSION] [--show-skipped] [FILE|-]\n"
                   "\n"
                   "status  the running guard's level and why, each zone's headroom, the last\n"
                   "        actions and their results, a pending host request, the policy in force.\n"
                   "        Any user may ask. --socket: the guard's [guard] status_socket (default\n"
                   "        " STATUS_SOCKET_DEFAULT ").\n"
                   "\n"
                   "zones   per node and zone: free memory against the min/low/high watermarks and the\n"
                   "        lowmem reserve, as the kernel's allocator sees them, and the balloon.\n"
                   "\n"
                   "  --root DIR   read /proc and /sys under DIR instead of / (a fixture tree)\n"
                   "  --json       one JSON object, units in the key names\n"
                   "  --order N    the higher order to check besides 0 (default %d)\n"
                   "\n"
                   "replay  what the guard would have decided at each snapshot of a captured\n"
                   "        sequence (SEQUENCE_DIR/0000, 0001, ... fixture trees and a TIMES file\n"
                   "        of \"index milliseconds\" lines), with the shipped policy or FILE.\n"
                   "\n"
                   "explain what really happened in each kernel OOM report (or page allocation\n"
                   "        failure) in FILE or standard input: dmesg, journalctl, syslog, kmsg,\n"
                   "        pasted text; kernels 2.6 to 6.18. --kernel for logs without a version line.\n"
                   "        Exit status 3 when the input holds no report.\n",
                   ORDER_DEFAULT);
}

static int cmd_zones(int argc, char **argv)
{
        static const struct option options[] = {
                { "root", required_argument, NULL, 'r' },
                { "json", no_argument, NULL, 'j' },
                { "order", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *root_path = "/";
        bool json = false;
        unsigned order = ORDER_DEFAULT;
        SysRoot *root = NULL;
        Sample *s = NULL;
        Model *m = NULL;
        SampleError e;
        char msg[256];
        int c, r, ret = EXIT_FAILED;

        while ((c = getopt_long(argc, argv, "r:jo:h", options, NULL)) >= 0) {
                switch (c) {
                case 'r':
                        root_path = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'o': {
                        char *end;
                        unsigned long v = strtoul(optarg, &end, 10);

                        if (*optarg < '0' || *optarg > '9' || *end || v >= OG_MAX_ORDERS) {
                                fprintf(stderr, "oomguardctl: --order: expected 0..%d, got \"%s\"\n",
                                        OG_MAX_ORDERS - 1, optarg);
                                return EXIT_USAGE;
                        }
                        order = (unsigned)v;
                        break;
                }
                case 'h':
                        usage(stdout);
                        return EXIT_OK;
                default:
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "oomguardctl zones: unexpected argument \"%s\"\n", argv[optind]);
                return EXIT_USAGE;
        }

        r = sysroot_open(root_path, &root);
        if (r < 0) {
                fprintf(stderr, "oomguardctl: %s: %s\n", root_path, strerror(-r));
                return EXIT_FAILED;
        }
        s = calloc(1, sizeof(*s));
        m = calloc(1, sizeof(*m));
        if (!s || !m) {
                fprintf(stderr, "oomguardctl: out of memory\n");
                goto out;
        }
        if ((r = sample_read_static(root, s, &e)) < 0 || (r = sample_read(root, s, SAMPLE_PAGETYPEINFO, &e)) < 0) {
                sample_error_format(&e, msg, sizeof(msg));
                fprintf(stderr, "oomguardctl: %s%s%s\n", strcmp(root_path, "/") ? root_path : "",
                        strcmp(root_path, "/") ? "/" : "/", msg);
                goto out;
        }
        if ((r = model_build(s, m)) < 0) {
                fprintf(stderr, "oomguardctl: %s: no zones to model\n", root_path);
                goto out;
        }
        if (json)
                zones_report_json(stdout, s, m, order);
        else
                zones_report_text(stdout, s, m, order);
        ret = fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
out:
        free(m);
        free(s);
        sysroot_free(root);
        return ret;
}

/* One snapshot of a sequence: read, then policy_step() as the daemon does
 * it, printed. */
static int replay_one(const char *dir, unsigned index, uint64_t ms, const Policy *p, DecideState *st, Sample *s,
                      Step *step)
{
        const Pressure *in = &step->pressure;
        const Decision *d = &step->decision;
        char path[4096], msg[256], line[240], ttm[24];
        SysRoot *root = NULL;
        SampleError e;
        int r;

        snprintf(path, sizeof(path), "%s/%04u", dir, index);
        if ((r = sysroot_open(path, &root)) < 0) {
                fprintf(stderr, "oomguardctl: %s: %s\n", path, strerror(-r));
                return r;
        }
        if ((r = sample_read_static(root, s, &e)) < 0 || (r = sample_read(root, s, 0, &e)) < 0) {
                sample_error_format(&e, msg, sizeof(msg));
                fprintf(stderr, "oomguardctl: %s/%s\n", path, msg);
                sysroot_free(root);
                return r;
        }
        sysroot_free(root);
        if ((r = policy_step(p, s, ms * 1000, st, step)) < 0) {
                fprintf(stderr, "oomguardctl: %s/proc/zoneinfo: no zone to model\n", path);
                return r;
        }
        if (d->time_to_min_ms > 3600 * 1000)
                snprintf(ttm, sizeof(ttm), "%7s", ">1h");
        else if (d->time_to_min_ms >= 0)
                snprintf(ttm, sizeof(ttm), "%6.1fs", (double)d->time_to_min_ms / 1000);
        else
                snprintf(ttm, sizeof(ttm), "%7s", "-");
        snprintf(line, sizeof(line),
                 "%04u %7.2fs %-8s %-12s min%+8.1f low%+8.1f ttm %s %+7.1f/s balloon %6.1f psi %5.2f/%5.2f %s", index,
                 (double)ms / 1000, level_name(d->level), reason_name(d->reason), (double)in->headroom_min_kb / 1024,
                 (double)in->headroom_low_kb / 1024, ttm, (double)d->decline_kb_per_s / 1024,
                 (double)in->balloon_kb / 1024, (double)in->psi_some_avg10 / 100, (double)in->psi_full_avg10 / 100,
                 in->order_ok_low ? "" : "order-fail");
        printf("%s", line);
        for (unsigned i = 0; i < d->n_actions; i++) {
                printf(" %s%s", i ? "," : "-> ", action_name(d->actions[i].kind));
                if (d->actions[i].kind == ACTION_BALLOON)
                        printf("(%" PRIu64 " MiB)", d->actions[i].amount_kb / 1024);
        }
        if (d->kill_held_for_host)
                printf(" (kill held for the host)");
        printf("\n");
        return 0;
}

static int cmd_replay(int argc, char **argv)
{
        static const struct option options[] = {
                { "policy", required_argument, NULL, 'p' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *policy_path = NULL, *dir;
        char times_path[4096];
        Policy p;
        DecideState st;
        Sample *s = NULL;
        Step step = { 0 };
        FILE *times;
        unsigned index;
        unsigned long long ms;
        int c, ret = EXIT_FAILED;

        while ((c = getopt_long(argc, argv, "p:h", options, NULL)) >= 0) {
                if (c == 'p')
                        policy_path = optarg;
                else if (c == 'h') {
                        usage(stdout);
                        return EXIT_OK;
                } else {
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind != argc - 1) {
                usage(stderr);
                return EXIT_USAGE;
        }
        dir = argv[optind];
        if (policy_path) {
                if (config_file_load(policy_path, true, policy_parse_any, &p, stderr) < 0)
                        return EXIT_FAILED;
        } else
                policy_init_shipped(&p);
        snprintf(times_path, sizeof(times_path), "%s/TIMES", dir);
        times = fopen(times_path, "re");
        if (!times) {
                fprintf(stderr, "oomguardctl: %s: %s\n", times_path, strerror(errno));
                return EXIT_FAILED;
        }
        s = calloc(1, sizeof(*s));
        step.model = calloc(1, sizeof(*step.model));
        if (!s || !step.model)
                goto out;
        decide_state_init(&st);
        printf("#    time     level    reason       headroom MiB above min/low, time to min and the decline behind it"
               " (MiB/s), balloon MiB, PSI some/full avg10 %%\n");
        while (fscanf(times, "%u %llu", &index, &ms) == 2)
                if (replay_one(dir, index, ms, &p, &st, s, &step) < 0)
                        goto out;
        ret = ferror(times) ? EXIT_FAILED : EXIT_OK;
out:
        fclose(times);
        free(s);
        free(step.model);
        return ret;
}

static int cmd_status(int argc, char **argv)
{
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "socket", required_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        const char *path = STATUS_SOCKET_DEFAULT;
        static char answer[65536];
        bool json = false;
        int c, n;

        while ((c = getopt_long(argc, argv, "js:h", options, NULL)) >= 0) {
                if (c == 'j')
                        json = true;
                else if (c == 's')
                        path = optarg;
                else if (c == 'h') {
                        usage(stdout);
                        return EXIT_OK;
                } else {
                        usage(stderr);
                        return EXIT_USAGE;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "oomguardctl status: unexpected argument \"%s\"\n", argv[optind]);
                return EXIT_USAGE;
        }
        n = status_fetch(path, 2000, answer, sizeof(answer));
        if (n == -ENOENT || n == -ECONNREFUSED) {
                fprintf(stderr, "oomguardctl: no oomguard is running: nothing listens on %s (%s)\n", path,
                        strerror(-n));
                return EXIT_NO_GUARD;
        }
        if (n < 0) {
                fprintf(stderr, "oomguardctl: %s: %s\n", path, strerror(-n));
                return EXIT_FAILED;
        }
        if (n == 0) {
                fprintf(stderr, "oomguardctl: %s: the guard closed the connection without an answer\n", path);
                return EXIT_FAILED;
        }
        if (json)
                fputs(answer, stdout);
        else {
                while (n > 0 && answer[n - 1] == '\n')
                        answer[--n] = '\0';
                if (status_render_text(stdout, answer, (size_t)n, stderr) < 0)
                        return EXIT_FAILED;
        }
        return fflush(stdout) == 0 ? EXIT_OK : EXIT_FAILED;
}

typedef struct ExplainContext {
        bool json;
        unsigned index;
        Explanation x;
} ExplainContext;

static int explain_one(const OomReport *r, void *userdata)
{
        ExplainContext *c = userdata;

        explain(r, &c->x);
        c->index++;
        if (c->json)
                explain_render_json(stdout, c->index, r, &c->x);
        else {
                if (c->index > 1)
                        printf("\n");
                explain_render_text(stdout, c->index, r, &c->x);
        }
        return 0;
}

/* Streams f through the parser a piece at a time: a pipe of any length is
 * explained in bounded memory, each report printed as it ends. */
static int parse_stream(FILE *f, KernelVersion kv, ExplainContext *ctx, OomParseStats *stats, FILE *skipped)
{
        OomStream *st = oom_stream_new(kv, explain_one, ctx, stats, skipped);
        char piece[65536];
        size_t n;
        int r = 0;

        if (!st)
                return -ENOMEM;
        while (r == 0 && (n = fread(piece, 1, sizeof(piece), f)) > 0)
                r = oom_stream_feed(st, piece, n);
        if (r == 0 && ferror(f))
                r = -EIO;
        {
                int fin = oom_stream_finish(st);

                return r < 0 ? r : fin;
        }
}

static int cmd_explain(int argc, char **argv)
{
        static const struct option options[] = {
                { "json", no_argument, NULL, 'j' },
                { "kernel", required_argument, NULL, 'k' },
                { "show-skipped", no_argument, NULL, 's' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        ExplainContext *ctx = calloc(1, sizeof(*ctx));
        KernelVersion kv = 0;
        OomParseStats stats;
        const char *path = "-";
        FILE *f = stdin;
        size_t len = 0;
        char *mapped = NULL;
        int c, r;

        if (!ctx)
                return EXIT_FAILED;
        bool show_skipped = false;

        while ((c = getopt_long(argc, argv, "jk:sh", options, NULL)) >= 0) {
                if (c == 'j')
                        ctx->json = true;
                else if (c == 's')
                        show_skipped = true;
                else if (c == 'k') {
                        if (kernel_version_parse(optarg, strlen(optarg), &kv) < 0) {
                                fprintf(stderr, "oomguardctl: --kernel: expected a release like 4.9 or 5.15.0, got \"%s\"\n",
                                        optarg);
                                free(ctx);
                                return EXIT_USAGE;
                        }
                } else if (c == 'h') {
                        usage(stdout);
                        free(ctx);
                        return EXIT_OK;
                } else {
                        usage(stderr);
                        free(ctx);
                        return EXIT_USAGE;
                }
        }
        if (optind < argc)
                path = argv[optind];
        if (strcmp(path, "-") != 0 && !(f = fopen(path, "re"))) {
                fprintf(stderr, "oomguardctl: %s: %s\n", path, strerror(errno));
                free(ctx);
                return EXIT_FAILED;
        }
        /* a file is mapped, not copied: logs run to hundreds of MB */
        {
                struct stat st;

                if (f != stdin && fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
                        void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fileno(f), 0);

                        if (m != MAP_FAILED) {
                                mapped = m;
                                len = (size_t)st.st_size;
                                (void)madvise(m, len, MADV_SEQUENTIAL);
                        }
                }
        }
        if (mapped)
                r = oom_parse_buffer_verbose(mapped, len, kv, explain_one, ctx, &stats, show_skipped ? stderr : NULL);
        else
                r = parse_stream(f, kv, ctx, &stats, show_skipped ? stderr : NULL);
        if (f != stdin)
                fclose(f);
        if (mapped)
                munmap(mapped, len);
        if (r < 0) {
                fprintf(stderr, "oomguardctl: %s\n", strerror(-r));
                free(ctx);
                return EXIT_FAILED;
        }
        if (!ctx->json)
                printf("%s%u report%s found; %u line%s inside reports not understood\n", stats.reports ? "\n" : "",
                       stats.reports, stats.reports == 1 ? "" : "s", stats.lines_skipped,
                       stats.lines_skipped == 1 ? "" : "s");
        free(ctx);
        if (fflush(stdout) != 0)
                return EXIT_FAILED;
        return stats.reports ? EXIT_OK : EXIT_NO_REPORT;
}

static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
} verbs[] = {
        { "status", cmd_status },
        { "explain", cmd_explain },
        { "zones", cmd_zones },
        { "replay", cmd_replay },
};

int main(int argc, char **argv)
{
        if (argc < 2) {
                usage(stderr);
                return EXIT_USAGE;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return EXIT_OK;
        }
        for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
                if (strcmp(argv[1], verbs[i].name) == 0)
                        return verbs[i].run(argc - 1, argv + 1);
        fprintf(stderr, "oomguardctl: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return EXIT_USAGE;
}
