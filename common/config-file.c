/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int config_file_read(const char *path, bool required, char **ret_text, FILE *err)
{
        struct stat st;
        char *text = NULL;
        size_t n = 0;
        int fd, r;

        *ret_text = NULL;
        /* O_NONBLOCK: open(2) on a FIFO with no writer would wait for one. */
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0) {
                r = -errno;
                if (r != -ENOENT || required)
                        fprintf(err, "%s: %s\n", path, strerror(-r));
                return r;
        }
        if (fstat(fd, &st) < 0) {
                r = -errno;
                fprintf(err, "%s: %s\n", path, strerror(-r));
                goto out;
        }
        if (!S_ISREG(st.st_mode)) {
                fprintf(err, "%s: not a regular file\n", path);
                r = -EINVAL;
                goto out;
        }
        text = malloc(CONFIG_FILE_MAX + 1);
        if (!text) {
                r = -ENOMEM;
                goto out;
        }
        for (;;) {
                ssize_t k = read(fd, text + n, CONFIG_FILE_MAX + 1 - n);

                if (k < 0 && errno == EINTR)
                        continue;
                if (k < 0) {
                        r = -errno;
                        fprintf(err, "%s: %s\n", path, strerror(-r));
                        goto out;
                }
                if (k == 0 || (n += (size_t)k) > CONFIG_FILE_MAX)
                        break;
        }
        if (n > CONFIG_FILE_MAX) {
                fprintf(err, "%s: larger than %d bytes\n", path, CONFIG_FILE_MAX);
                r = -EFBIG;
                goto out;
        }
        text[n] = '\0';
        if (strlen(text) != n) {
                fprintf(err, "%s: contains a NUL byte at offset %zu\n", path, strlen(text));
                r = -EINVAL;
                goto out;
        }
        *ret_text = text;
        text = NULL;
        r = 0;
out:
        free(text);
        close(fd);
        return r;
}

int config_file_load(const char *path, bool required, ConfigParseFn parse, void *ret, FILE *err)
{
        ConfigErrors errs = { 0 };
        char *text;
        int r;

        r = config_file_read(path, required, &text, err);
        if (r < 0)
                return r;
        r = parse(text, ret, &errs);
        if (r == -EINVAL && errs.n > 0)
                config_errors_print(&errs, path, err);
        else if (r < 0)
                fprintf(err, "%s: %s\n", path, strerror(-r));
        free(text);
        return r;
}
