/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One human line on stderr at a syslog priority: what the guard, the agent
 * and the relay each print about themselves. Under systemd, stderr is a
 * journal stream and a "<N>" prefix gives the line its priority
 * (SyslogLevelPrefix=, on by default); in a terminal the prefix is noise
 * and is left out. Structured journal records (the guard's decisions, the
 * relay's grants) are a different job and go through sd_journal_send(). */

#include <stdarg.h>
#include <stdbool.h>

/* Lines are cut to this many bytes (with "..."), never allocated. */
#define LOG_LINE_MAX 1024

/* Whether fd 2 is the journal stream systemd connected: JOURNAL_STREAM
 * holds "DEVICE:INODE" of that stream (systemd.exec(5)); a process whose
 * stderr was redirected elsewhere keeps the variable but not the inode. */
bool log_stderr_is_journal(void);

/* Formats the line and writes it to fd 2 in one write(2), so that lines of
 * processes sharing one stderr (a test, a terminal) never interleave. */
void log_line_v(int priority, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void log_line_to_stderr(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
