/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log-line.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool log_stderr_is_journal(void)
{
        const char *e = getenv("JOURNAL_STREAM");
        uintmax_t dev, ino;
        struct stat st;
        char end;

        if (!e || sscanf(e, "%ju:%ju%c", &dev, &ino, &end) != 2)
                return false;
        if (fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (uintmax_t)st.st_dev == dev && (uintmax_t)st.st_ino == ino;
}

void log_line_v(int priority, const char *fmt, va_list ap)
{
        char line[LOG_LINE_MAX + 1];
        size_t n = 0, done = 0;
        int k;

        if (log_stderr_is_journal())
                n = (size_t)snprintf(line, sizeof(line), "<%d>", priority & 7);
        k = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
        if (k < 0)
                k = 0;
        n += (size_t)k;
        if (n > LOG_LINE_MAX - 1) {
                /* cut, and say so */
                n = LOG_LINE_MAX - 1;
                memcpy(line + n - 3, "...", 3);
        }
        line[n++] = '\n';
        while (done < n) {
                ssize_t w = write(STDERR_FILENO, line + done, n - done);

                if (w < 0 && errno == EINTR)
                        continue;
                if (w <= 0)
                        return;         /* nowhere left to say it */
                done += (size_t)w;
        }
}

void log_line_to_stderr(int priority, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        log_line_v(priority, fmt, ap);
        va_end(ap);
}
