/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The parser's own state and the pieces its files share (not for callers:
 * they use oomreport-parse.h). One file per job:
 *   oomreport-text.c     bounded scanners over [p, e): prefixes, key:value pairs
 *   oomreport-prefix.c   log-line prefixes (timestamps, syslog, kmsg)
 *   oomreport-record.c   logical records: a line and its continuations
 *   oomreport-parse.c    report boundaries and the driver over a buffer
 *   oomreport-zones.c    zone, free-block, lowmem_reserve, Mem-Info, node lines
 *   oomreport-kill.c     header, release, task table, kill, memcg, summary lines
 *   oomreport-lines.c    which line parser a record goes to
 *   oomreport-scanner.c  the multi-pattern search for the next report */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "oomreport-parse.h"

#define RECORD_MAX 16384        /* one logical record (a line and its continuations) */
#define MAX_UNKNOWN_RUN 200     /* this many unknown lines in a row end a report */
#define LOOK_BACK 65536         /* how far before a headerless report the release is looked for */
#define STREAM_CHUNK (1u << 20) /* a stream is parsed this much at a time */
#define STREAM_LINE_MAX STREAM_CHUNK /* a longer line is parsed as it stands */

typedef enum Section {
        SEC_NONE,
        SEC_MEMCG_STATS,        /* "Memory cgroup stats for": v2 "key value" lines follow */
        SEC_SLAB,               /* "Unreclaimable slab info:" rows follow */
} Section;

enum { COL_RSS, COL_SWAP, COL_ADJ, COL_NAME, COL_TGID, _COL_MAX };

#define SEEN_MAX 16             /* reports remembered to recognise the same incident pasted again */

/* What makes two reports the same incident: the header's time, the
 * triggering pid and the request; for a kill line alone, the victim. */
typedef struct Incident {
        bool has_header;
        char stamp[40];
        char comm[OOM_NAME_MAX];
        int trigger_pid, order;
        uint32_t gfp_mask;
        int killed_pid, chosen_pid;
        char killed_comm[OOM_NAME_MAX];
} Incident;

typedef struct Parser {
        const char *buf, *end;
        KernelVersion kernel_override;
        OomReportFn fn;
        void *userdata;
        OomParseStats *stats;

        OomReport *r;
        bool open;
        bool prefixed;          /* the report's lines carry prefixes: unprefixed ones continue */
        bool terminal;          /* the report's last line has been seen */
        bool record_is_header;
        bool header_paf;
        unsigned unknown_run;
        Section section;
        int task_cols[8];       /* column of rss, swapents, oom_score_adj, name after ']' */
        bool have_task_cols;

        char record[RECORD_MAX];
        char decoded[RECORD_MAX];       /* a quoted-printable line, decoded */
        bool quoted_printable;          /* the text is a raw mail body ("=3D" seen) */
        bool soft_break;                /* the last line ended in QP's "=": the next one goes on it */
        size_t record_len;
        unsigned record_line;
        size_t prev_line_len;   /* the last physical line's length */
        size_t widest_line;     /* the longest physical line so far: the width a hard wrap cuts at */
        unsigned lineno;
        int error;
        FILE *skipped;

        unsigned n_seen;                /* reports handed out, the last SEEN_MAX kept */
        Incident seen[SEEN_MAX];
} Parser;

/* ---- oomreport-text.c: scanners over [p, e), none reads past e ---- */

/* needle in [p, e), or NULL; p may be NULL (the result of an earlier find) */
const char *txt_find(const char *p, const char *e, const char *needle);
/* just past needle in [p, e), or NULL */
const char *txt_after(const char *p, const char *e, const char *needle);
bool txt_starts(const char *p, const char *e, const char *prefix);
/* just past prefix when [p, e) starts with it, or NULL */
const char *txt_skip_prefix(const char *p, const char *e, const char *prefix);
/* copies [p, e) into dst, control characters as '?' */
void txt_copy(char *dst, size_t size, const char *p, const char *e);
bool txt_is_digit(char c);
/* the end of the run of characters from accept that starts at p */
const char *txt_span_end(const char *p, const char *e, const char *accept);
/* a number after name anywhere in [p, e) */
bool txt_u64_after(const char *p, const char *e, const char *name, uint64_t *v);
bool txt_int_after(const char *p, const char *e, const char *name, int *v);

/* "key:value" pairs in a kernel print, tolerant of wraps that glued tokens
 * ("0kBdirty:0kB") or split a space ("shmem_thp: 0kB"). */
typedef struct Kv {
        const char *key;
        size_t key_len;
        uint64_t value;
        bool number;
        bool yes;
} Kv;

bool kv_next(const char **pp, const char *e, Kv *kv);
bool kv_is(const Kv *kv, const char *name);

/* ---- oomreport-zones.c ---- */
/* "[Node N ]ZONE" at p: the zone's name and node */
bool zone_head(const char *p, const char *e, int *node, const char **name, size_t *len, const char **after);
bool parse_zone_line(Parser *ps, const char *p, const char *e);
bool parse_buddy_line(Parser *ps, const char *p, const char *e);
bool parse_lowmem_reserve(Parser *ps, const char *p, const char *e);
bool parse_node_line(Parser *ps, const char *p, const char *e);
void parse_meminfo_kv(Parser *ps, const char *p, const char *e);
bool parse_numbers_line(Parser *ps, const char *p, const char *e);

/* ---- oomreport-kill.c ---- */
void parse_header_line(Parser *ps, const char *p, const char *e, bool paf);
bool parse_release_line(Parser *ps, const char *p, const char *e);
void parse_tasks_header(Parser *ps, const char *p, const char *e);
void parse_task_row(Parser *ps, const char *p, const char *e);
void parse_pid_and_comm(const char *p, const char *e, int *pid, char *comm, size_t size);
void parse_kill_line(Parser *ps, const char *p, const char *e);
bool parse_memcg_usage(Parser *ps, const char *p, const char *e);
void parse_memcg_stats_kv(Parser *ps, const char *p, const char *e);
bool parse_memcg_stat_line(Parser *ps, const char *p, const char *e);
bool parse_slab_row(Parser *ps, const char *p, const char *e);
bool parse_summary_line(Parser *ps, const char *p, const char *e);

/* ---- oomreport-lines.c ---- */
/* Parses one logical record; returns whether it belonged to the report. */
bool parse_record(Parser *ps, const char *p, const char *e);

/* ---- oomreport-record.c ---- */
void flush_record(Parser *ps);
/* One physical line; false when it ended the report without belonging to
 * it (the caller looks at it again, with the report closed). */
bool take_physical_line(Parser *ps, const char *s, const char *e);

/* ---- oomreport-parse.c ---- */
void begin_report(Parser *ps);
void end_report(Parser *ps);
bool report_starts(const char *t, const char *e, bool *paf);
