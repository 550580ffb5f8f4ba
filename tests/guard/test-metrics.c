/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node-exporter textfile: every line in the exposition format, the
 * figures as they are, and the file replaced whole. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics.h"
#include "wire.h"

static bool line_ok(const char *line)
{
        char name[128];
        double v;

        if (line[0] == '#')
                return strncmp(line, "# HELP ", 7) == 0 || strncmp(line, "# TYPE ", 7) == 0;
        /* name{labels} value, or name value */
        return sscanf(line, "%127[a-z_]{%*[^}]} %lf", name, &v) == 2 || sscanf(line, "%127[a-z_] %lf", name, &v) == 2;
}

static void format_and_figures(void **state)
{
        Pressure in = { .headroom_min_kb = 1024, .headroom_low_kb = -2, .psi_present = true, .psi_some_avg10 = 152,
                        .psi_full_avg10 = 87, .balloon_kb = 393216 };
        Decision d = { .level = LEVEL_CRITICAL, .time_to_min_ms = 2500, .decline_kb_per_s = 10 };
        ActionTally t = { .count = { [ACTION_BALLOON] = 3, [ACTION_DROP_CACHES] = 1 } };
        MetricsCounters c = { .grants = 2, .refusals = { [WIRE_REFUSED_RATE_LIMIT] = 1 }, .skips = { [ACTION_KILL] = 4 } };
        char buf[8192], *line, *save = NULL;
        int n = metrics_format(buf, sizeof(buf), &in, &d, &t, &c);

        assert_true(n > 0);
        assert_non_null(strstr(buf, "\noomguard_level 3\n"));
        assert_non_null(strstr(buf, "\noomguard_headroom_min_bytes 1.04858e+06\n"));
        assert_non_null(strstr(buf, "\noomguard_time_to_min_seconds 2.5\n"));
        assert_non_null(strstr(buf, "\noomguard_psi_full_avg10_ratio 0.0087\n"));
        assert_non_null(strstr(buf, "\noomguard_balloon_requests_total 3\n"));
        assert_non_null(strstr(buf, "\noomguard_balloon_grants_total 2\n"));
        assert_non_null(strstr(buf, "\noomguard_balloon_refusals_total{reason=\"rate-limit\"} 1\n"));
        assert_non_null(strstr(buf, "\noomguard_actions_total{action=\"drop_caches\"} 1\n"));
        assert_non_null(strstr(buf, "\noomguard_action_skips_total{action=\"kill\"} 4\n"));
        for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                if (!line_ok(line))
                        fail_msg("not in the exposition format: %s", line);
        /* not declining: no time to min at all, rather than a made-up one */
        d.time_to_min_ms = -1;
        assert_true(metrics_format(buf, sizeof(buf), &in, &d, &t, &c) > 0);
        assert_null(strstr(buf, "time_to_min"));
        /* too small a buffer is said, never overrun */
        assert_int_equal(metrics_format(buf, 64, &in, &d, &t, &c), -ENOBUFS);
}

static void written_whole(void **state)
{
        char dir[] = "/tmp/oomguard-metrics-XXXXXX", path[256], tmp[300], text[64];
        FILE *f;
        size_t n;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/oomguard.prom", dir);
        snprintf(tmp, sizeof(tmp), "%s.tmp", path);
        assert_int_equal(metrics_write(path, "a 1\n", 4), 0);
        assert_int_equal(metrics_write(path, "b 2\n", 4), 0);
        f = fopen(path, "r");
        assert_non_null(f);
        n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        assert_string_equal(text, "b 2\n");
        assert_int_not_equal(access(tmp, F_OK), 0);     /* no temporary left behind */
        assert_int_equal(metrics_write("/nonexistent-dir/x.prom", "a 1\n", 4), -ENOENT);
        unlink(path);
        rmdir(dir);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(format_and_figures),
                cmocka_unit_test(written_whole),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
