/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Finds and parses kernel OOM reports and page allocation failures in any
 * mix of kernel log text: dmesg, dmesg -T (any locale), syslog and
 * journalctl lines, raw /dev/kmsg records, rsyslog's "#012" joins, text
 * copied from web pages with wrapped lines, several reports in one stream,
 * other messages interleaved. A line it does not understand inside a report
 * is skipped and counted, never guessed. Reads only within [buf, buf+len). */

#include <stddef.h>

#include "oomreport.h"

typedef int (*OomReportFn)(const OomReport *r, void *userdata);

typedef struct OomParseStats {
        unsigned reports;
        unsigned lines;                 /* lines looked at inside reports */
        unsigned lines_skipped;
} OomParseStats;

/* Calls fn for every report, in order. kernel overrides the release when
 * non-zero (--kernel). Returns 0, or fn's negative return, or -ENOMEM. */
int oom_parse_buffer(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                     OomParseStats *stats);

/* As oom_parse_buffer(), and every line skipped inside a report is written
 * to skipped (when not NULL) with its line number. */
int oom_parse_buffer_verbose(const char *buf, size_t len, KernelVersion kernel, OomReportFn fn, void *userdata,
                             OomParseStats *stats, void *skipped_file);

/* The same over text that arrives in pieces of any size (a pipe): memory
 * stays bounded (a window of about 1 MiB) whatever the input's length.
 * fn is called as each report ends; finish parses the rest and frees. */
typedef struct OomStream OomStream;
OomStream *oom_stream_new(KernelVersion kernel, OomReportFn fn, void *userdata, OomParseStats *stats,
                          void *skipped_file);
int oom_stream_feed(OomStream *st, const char *buf, size_t len);
int oom_stream_finish(OomStream *st);

/* The text of one log line without its prefix (timestamps, host, "kernel:",
 * kmsg fields). *had_prefix says whether one was there. Exposed for tests. */
const char *oom_strip_prefix(const char *s, const char *end, bool *had_prefix);

/* The line is wrapped in markdown "_..._" emphasis. */
bool oom_emphasis_line(const char *s, const char *e);

/* The time stamp in a line's prefix [s, t) ("[ 123.456789]", a dmesg -T
 * date), blanks trimmed; "" when none. */
void oom_prefix_stamp(const char *s, const char *t, char *out, size_t size);
