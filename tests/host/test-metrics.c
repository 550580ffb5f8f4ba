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

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(writes_into_a_missing_directory),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
