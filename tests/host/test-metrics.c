/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay's metrics file: written whole, and its directory made when no
 * unit made it (oomguard-host run by hand or from another unit). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <glib.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

static void writes_into_a_missing_directory(void **state)
{
        char base[] = "/tmp/oomguard-metrics-XXXXXX";
        g_autofree char *dir = NULL, *path = NULL, *text = NULL;
        HostPolicy hp;
        Relay r;
        struct stat st;

        assert_non_null(mkdtemp(base));
        dir = g_build_filename(base, "oomguard-host", NULL);
        path = g_build_filename(dir, "metrics.prom", NULL);
        host_policy_init_defaults(&hp);
        relay_init(&r, &hp, NULL);

        assert_int_equal(metrics_write(&r, path), 0);
        assert_int_equal(stat(dir, &st), 0);
        assert_true(S_ISDIR(st.st_mode));
        assert_true(g_file_get_contents(path, &text, NULL, NULL));
        assert_non_null(strstr(text, "# TYPE oomguard_host_releases_total counter"));
        /* A second write replaces the file; no temporary is left behind. */
        assert_int_equal(metrics_write(&r, path), 0);
        g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
        assert_int_equal(access(tmp, F_OK), -1);

        relay_done(&r);
        unlink(path);
        rmdir(dir);
        rmdir(base);
}

/* The memory cgroup's series appear for a domain whose cgroup was read,
 * with the near-misses counted, and not for one without. */
static void cgroup_series_once_read(void **state)
{
        HostPolicy hp;
        Relay r;
        RelayDomain *with, *without;
        g_autoptr(GString) out = g_string_new(NULL);

        host_policy_init_defaults(&hp);
        relay_init(&r, &hp, NULL);
        with = relay_add(&r, "pod", NULL, 0);
        without = relay_add(&r, "plain", NULL, 0);
        assert_non_null(with);
        assert_non_null(without);
        with->stats.have_cgroup = true;
        with->stats.cgroup_usage_kb = 1100000;
        with->stats.cgroup_limit_kb = 1331200;
        with->stats.cgroup_near_misses = 3;
        metrics_render(&r, out);
        assert_non_null(strstr(out->str, "oomguard_host_cgroup_near_misses_total{domain=\"pod\"} 3\n"));
        assert_non_null(strstr(out->str, "oomguard_host_cgroup_limit_kb{domain=\"pod\"} 1331200\n"));
        assert_non_null(strstr(out->str, "oomguard_host_cgroup_oom_kills_total{domain=\"pod\"} 0\n"));
        assert_null(strstr(out->str, "oomguard_host_cgroup_usage_kb{domain=\"plain\"}"));
        relay_done(&r);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(writes_into_a_missing_directory),
                cmocka_unit_test(cgroup_series_once_read),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
