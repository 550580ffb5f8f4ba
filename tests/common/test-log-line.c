/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one stderr line of the guard, the agent and the relay: the "<N>"
 * priority prefix only when stderr is the journal stream systemd named,
 * one write per line, long lines cut and marked. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log-line.h"

/* What log_line_to_stderr() wrote to fd 2, with JOURNAL_STREAM as given
 * ("SELF": the dev:ino of the file fd 2 points to). */
static char *captured(const char *journal_stream, int priority, const char *text)
{
        char path[] = "/tmp/oomguard-log-XXXXXX", env[64];
        int fd = mkstemp(path), saved = dup(STDERR_FILENO);
        struct stat st;
        char *out = calloc(1, 2 * LOG_LINE_MAX);
        ssize_t n;

        assert_true(fd >= 0 && saved >= 0 && out);
        unlink(path);
        assert_int_equal(fstat(fd, &st), 0);
        if (!journal_stream)
                unsetenv("JOURNAL_STREAM");
        else if (strcmp(journal_stream, "SELF") == 0) {
                snprintf(env, sizeof(env), "%ju:%ju", (uintmax_t)st.st_dev, (uintmax_t)st.st_ino);
                setenv("JOURNAL_STREAM", env, 1);
        } else
                setenv("JOURNAL_STREAM", journal_stream, 1);
        assert_int_equal(dup2(fd, STDERR_FILENO), STDERR_FILENO);
        log_line_to_stderr(priority, "%s", text);
        assert_int_equal(dup2(saved, STDERR_FILENO), STDERR_FILENO);
        close(saved);
        unsetenv("JOURNAL_STREAM");
        n = pread(fd, out, 2 * LOG_LINE_MAX - 1, 0);
        assert_true(n >= 0);
        close(fd);
        return out;
}

static void prefix_only_on_the_journal_stream(void **state)
{
        static const struct {
                const char *journal_stream, *expected;
        } cases[] = {
                { NULL, "disk full\n" },                /* a terminal */
                { "SELF", "<4>disk full\n" },           /* systemd's stream */
                { "1:2", "disk full\n" },               /* inherited, but stderr was redirected */
                { "garbage", "disk full\n" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *out = captured(cases[i].journal_stream, 4, "disk full");

                assert_string_equal(out, cases[i].expected);
                free(out);
        }
}

static void long_line_cut_and_marked(void **state)
{
        char *text = malloc(3 * LOG_LINE_MAX), *out;

        assert_non_null(text);
        memset(text, 'x', 3 * LOG_LINE_MAX - 1);
        text[3 * LOG_LINE_MAX - 1] = '\0';
        out = captured(NULL, 6, text);
        assert_int_equal(strlen(out), LOG_LINE_MAX);
        assert_string_equal(out + LOG_LINE_MAX - 4, "...\n");
        free(out);
        free(text);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(prefix_only_on_the_journal_stream),
                cmocka_unit_test(long_line_cut_and_marked),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
