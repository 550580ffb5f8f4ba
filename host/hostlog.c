/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <systemd/sd-journal.h>

#include "hostlog.h"
#include "log-line.h"

static void to_stderr(int priority, const char *domain, const char *message)
{
        if (domain)
                log_line_to_stderr(priority, "%s: %s", domain, message);
        else
                log_line_to_stderr(priority, "%s", message);
}

void hostlog(unsigned flags, int priority, const char *domain, const char *fmt, ...)
{
        char message[512];
        va_list ap;
        int r = -1;

        if (priority >= LOG_DEBUG && !(flags & HOSTLOG_DEBUG))
                return;
        va_start(ap, fmt);
        vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        if (flags & HOSTLOG_JOURNAL)
                r = sd_journal_send("MESSAGE=%s%s%s", domain ? domain : "", domain ? ": " : "", message,
                                    "PRIORITY=%d", priority, "DOMAIN=%s", domain ? domain : "", NULL);
        /* Without a journal (a container, a test) the line still goes somewhere. */
        if ((flags & HOSTLOG_STDERR) || ((flags & HOSTLOG_JOURNAL) && r < 0))
                to_stderr(priority, domain, message);
}

void hostlog_answer(unsigned flags, const char *domain, const GrantAnswer *a, uint64_t before_kb, uint64_t after_kb)
{
        char message[256];
        int priority = a->granted ? LOG_NOTICE : LOG_INFO;
        int r = -1;

        if (a->granted)
                snprintf(message, sizeof(message),
                         "%s: request %" PRIu64 " granted %" PRIu64 " kB, balloon %" PRIu64 " -> %" PRIu64 " kB%s", domain,
                         a->id, a->granted_kb, before_kb, after_kb, a->repeated ? " (repeated id, not moved again)" : "");
        else
                snprintf(message, sizeof(message), "%s: request %" PRIu64 " refused: %s%s", domain, a->id,
                         refusal_name(a->refusal), a->repeated ? " (repeated id)" : "");
        if (flags & HOSTLOG_JOURNAL)
                r = sd_journal_send("MESSAGE=%s", message, "PRIORITY=%d", priority, "DOMAIN=%s", domain,
                                    "REQUEST_ID=%" PRIu64, a->id, "GRANTED_KB=%" PRIu64, a->granted ? a->granted_kb : 0,
                                    "REFUSAL=%s", a->granted ? "" : refusal_name(a->refusal),
                                    "BALLOON_BEFORE_KB=%" PRIu64, before_kb, "BALLOON_AFTER_KB=%" PRIu64, after_kb, NULL);
        if ((flags & HOSTLOG_STDERR) || ((flags & HOSTLOG_JOURNAL) && r < 0))
                to_stderr(priority, NULL, message);
}
