/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one configuration-file reader (config-file.c): what it refuses, at
 * once and with a message naming the file; and the one INI line reader
 * (config-ini.c): the line of every key, and every line inih would
 * silently reinterpret reported on its own line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config-file.h"
#include "config-ini.h"
#include "config-suggest.h"

typedef struct Dir {
        char path[64];
        char file[128];
} Dir;

static int dir_setup(void **state)
{
        Dir *d = calloc(1, sizeof(*d));

        assert_non_null(d);
        snprintf(d->path, sizeof(d->path), "/tmp/oomguard-config-XXXXXX");
        assert_non_null(mkdtemp(d->path));
        snprintf(d->file, sizeof(d->file), "%s/policy.ini", d->path);
        *state = d;
        return 0;
}

static int dir_teardown(void **state)
{
        Dir *d = *state;
        char cmd[128];

        chmod(d->path, 0700);
        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", d->path);
        assert_int_equal(system(cmd), 0);
        free(d);
        return 0;
}

static void write_file(const char *path, const char *data, size_t len)
{
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        assert_int_equal(fwrite(data, 1, len, f), len);
        assert_int_equal(fclose(f), 0);
}

/* config_file_read() with its messages in *ret_err (caller frees). */
static int read_capturing(const char *path, bool required, char **ret_text, char **ret_err)
{
        size_t n = 0;
        FILE *err = open_memstream(ret_err, &n);
        int r;

        assert_non_null(err);
        r = config_file_read(path, required, ret_text, err);
        fclose(err);
        return r;
}

static void assert_refused(const char *path, int expected, const char *message_part)
{
        char *text = (char *)"unset", *err = NULL;
        int r = read_capturing(path, true, &text, &err);

        assert_int_equal(r, expected);
        assert_null(text);
        if (strncmp(err, path, strlen(path)) != 0 || !strstr(err, message_part))
                fail_msg("message \"%s\" lacks \"%s: ...%s\"", err, path, message_part);
        free(err);
}

static void reads_a_regular_file(void **state)
{
        Dir *d = *state;
        char *text, *err;

        write_file(d->file, "[levels]\norder = 3\n", 19);
        assert_int_equal(read_capturing(d->file, true, &text, &err), 0);
        assert_string_equal(text, "[levels]\norder = 3\n");
        assert_string_equal(err, "");
        free(text);
        free(err);
}

/* open(2) of a FIFO without a writer would wait for one: a guard reloading
 * its policy on SIGHUP would stop. It is refused at once instead (if it
 * blocked, this test would hang and meson would time it out). */
static void fifo_refused_without_blocking(void **state)
{
        Dir *d = *state;

        assert_int_equal(mkfifo(d->file, 0600), 0);
        assert_refused(d->file, -EINVAL, "not a regular file");
}

static void directory_refused(void **state)
{
        Dir *d = *state;

        assert_refused(d->path, -EINVAL, "not a regular file");
}

static void device_refused(void **state)
{
        assert_refused("/dev/null", -EINVAL, "not a regular file");
}

/* -EACCES must stay -EACCES (not become "missing"), with the system's
 * words for it. As root, the read runs in a child that drops to nobody. */
static void unreadable_is_eacces(void **state)
{
        Dir *d = *state;
        pid_t pid;
        int status;

        write_file(d->file, "[levels]\n", 9);
        assert_int_equal(chmod(d->file, 0600), 0);
        assert_int_equal(chmod(d->path, 0755), 0);
        if (geteuid() != 0) {
                assert_int_equal(chmod(d->file, 0), 0);
                assert_refused(d->file, -EACCES, strerror(EACCES));
                return;
        }
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                char *text = NULL, *err = NULL;
                int r;

                if (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 || setresuid(65534, 65534, 65534) < 0)
                        _exit(2);
                r = read_capturing(d->file, true, &text, &err);
                _exit(r == -EACCES && !text && strstr(err, strerror(EACCES)) && strstr(err, d->file) ? 0 : 1);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static void nul_byte_refused(void **state)
{
        Dir *d = *state;

        write_file(d->file, "[levels]\n\0order = 3\n", 20);
        assert_refused(d->file, -EINVAL, "NUL byte at offset 9");
}

static void too_large_refused(void **state)
{
        Dir *d = *state;
        char *big = malloc(CONFIG_FILE_MAX + 1), *text, *err;

        assert_non_null(big);
        memset(big, '#', CONFIG_FILE_MAX + 1);
        big[CONFIG_FILE_MAX - 1] = '\n';
        /* exactly the limit is read */
        write_file(d->file, big, CONFIG_FILE_MAX);
        assert_int_equal(read_capturing(d->file, true, &text, &err), 0);
        assert_int_equal(strlen(text), CONFIG_FILE_MAX);
        free(text);
        free(err);
        /* one byte more is not */
        write_file(d->file, big, CONFIG_FILE_MAX + 1);
        assert_refused(d->file, -EFBIG, "larger than");
        free(big);
}

static void missing_required_or_not(void **state)
{
        Dir *d = *state;
        char *text = (char *)"unset", *err = NULL;

        /* required: an error naming the file */
        assert_refused(d->file, -ENOENT, strerror(ENOENT));
        /* not required: -ENOENT and silence, so the caller uses its defaults */
        assert_int_equal(read_capturing(d->file, false, &text, &err), -ENOENT);
        assert_null(text);
        assert_string_equal(err, "");
        free(err);
}

typedef struct Seen {
        unsigned n;
        unsigned line[8];
        char what[8][64];
} Seen;

static void record(void *user, unsigned line, const char *section, const char *key, const char *value)
{
        Seen *s = user;

        if (s->n < 8) {
                s->line[s->n] = line;
                snprintf(s->what[s->n], sizeof(s->what[0]), "[%s] %s=%s", section, key, value);
                s->n++;
        }
}

static int parse_stub(const char *text, void *ret, ConfigErrors *errs)
{
        Seen *s = ret;

        memset(errs, 0, sizeof(*errs));
        config_ini_parse(text, errs, record, s);
        return errs->n ? -EINVAL : 0;
}

static void load_prints_file_line_section_key(void **state)
{
        Dir *d = *state;
        Seen s = { 0 };
        char *err = NULL;
        size_t n = 0;
        FILE *f = open_memstream(&err, &n);
        char expected[256];

        write_file(d->file, "[a]\nk = 1\n  indented = 2\n", 25);
        assert_int_equal(config_file_load(d->file, true, parse_stub, &s, f), -EINVAL);
        fclose(f);
        snprintf(expected, sizeof(expected),
                 "%s:3: indented line would continue the previous value; start keys in column 1\n", d->file);
        assert_string_equal(err, expected);
        free(err);
}

static void ini_lines_of_keys(void **state)
{
        Seen s = { 0 };
        ConfigErrors e = { 0 };

        /* a BOM, CRLF, comments anywhere, an indented comment, an inline comment */
        assert_int_equal(config_ini_parse("\xEF\xBB\xBF; top\r\n[one]\r\na = 1\r\n\r\n  # aside\n[two]\nb=2 ; why\nc: 3\n", &e,
                                          record, &s),
                         0);
        assert_int_equal(e.n, 0);
        assert_int_equal(s.n, 3);
        assert_int_equal(s.line[0], 3);
        assert_string_equal(s.what[0], "[one] a=1");
        assert_int_equal(s.line[1], 7);
        assert_string_equal(s.what[1], "[two] b=2");
        assert_int_equal(s.line[2], 8);
        assert_string_equal(s.what[2], "[two] c=3");
}

static void ini_every_bad_line_on_its_line(void **state)
{
        char text[1024];
        Seen s = { 0 };
        ConfigErrors e = { 0 };

        snprintf(text, sizeof(text), "[one]\nwords\na = 1\n  b = 2\nmore words\n[two\nc = 3\n[three]\nd = %0*d\ne = 5\n", 300,
                 0);
        assert_int_equal(config_ini_parse(text, &e, record, &s), 0);
        assert_int_equal(e.n, 5);
        assert_int_equal(e.e[0].line, 2);
        assert_non_null(strstr(e.e[0].message, "expected \"key = value\""));
        assert_int_equal(e.e[1].line, 4);
        assert_non_null(strstr(e.e[1].message, "indented line"));
        assert_int_equal(e.e[2].line, 5);
        assert_non_null(strstr(e.e[2].message, "expected \"key = value\""));
        assert_int_equal(e.e[3].line, 6);
        assert_non_null(strstr(e.e[3].message, "without ']'"));
        assert_int_equal(e.e[4].line, 9);
        assert_non_null(strstr(e.e[4].message, "longer than"));
        /* the keys that were read, on their lines; c = 3 belongs to no
         * section anyone can name, so it is not handed on */
        assert_int_equal(s.n, 2);
        assert_int_equal(s.line[0], 3);
        assert_string_equal(s.what[0], "[one] a=1");
        assert_int_equal(s.line[1], 10);
        assert_string_equal(s.what[1], "[three] e=5");
}

static void edit_distance(void **state)
{
        char long_word[80];

        assert_int_equal(config_edit_distance("", ""), 0);
        assert_int_equal(config_edit_distance("order", "order"), 0);
        assert_int_equal(config_edit_distance("odrer", "order"), 1);   /* a swap is one edit */
        assert_int_equal(config_edit_distance("level", "levels"), 1);
        assert_int_equal(config_edit_distance("flor", "floor"), 1);
        assert_int_equal(config_edit_distance("kitten", "sitting"), 3);
        assert_int_equal(config_edit_distance("", "abc"), 3);
        memset(long_word, 'a', sizeof(long_word) - 1);
        long_word[sizeof(long_word) - 1] = '\0';
        assert_int_equal(config_edit_distance(long_word, "a"), CONFIG_SUGGEST_FAR);
}

static void suggest_closest_or_none(void **state)
{
        ConfigSuggest s;
        char hint[64];

        config_suggest_init(&s, "levles");
        config_suggest_offer(&s, "pressure");
        config_suggest_offer(&s, "levels");
        config_suggest_offer(&s, "level");
        assert_string_equal(config_suggest_hint(&s, "[", "]", hint, sizeof(hint)), "; did you mean [levels]?");
        /* nothing close: no hint, not the least far name */
        config_suggest_init(&s, "pid");
        config_suggest_offer(&s, "name");
        config_suggest_offer(&s, "unit");
        assert_null(s.best);
        assert_string_equal(config_suggest_hint(&s, "", "", hint, sizeof(hint)), "");
        /* two letters are not a typo of two other letters */
        config_suggest_init(&s, "ab");
        config_suggest_offer(&s, "cd");
        assert_null(s.best);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(reads_a_regular_file, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(fifo_refused_without_blocking, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(directory_refused, dir_setup, dir_teardown),
                cmocka_unit_test(device_refused),
                cmocka_unit_test_setup_teardown(unreadable_is_eacces, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(nul_byte_refused, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(too_large_refused, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(missing_required_or_not, dir_setup, dir_teardown),
                cmocka_unit_test_setup_teardown(load_prints_file_line_section_key, dir_setup, dir_teardown),
                cmocka_unit_test(ini_lines_of_keys),
                cmocka_unit_test(ini_every_bad_line_on_its_line),
                cmocka_unit_test(edit_distance),
                cmocka_unit_test(suggest_closest_or_none),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
