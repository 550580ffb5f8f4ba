/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The Guard and what its parts call of each other; only guard/guard*.c
 * include this. guard.c: start-up, --once, run, shutdown. guard-tick.c: one
 * evaluation and the actions it plans. guard-loop.c: timers, signals and
 * reloads. guard-psi.c: the PSI triggers. guard-host.c: the agent link. */

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "act.h"
#include "metrics.h"
#include "config-errors.h"
#include "agent-link.h"
#include "decide.h"
#include "guard.h"
#include "policy.h"
#include "report.h"
#include "sample.h"
#include "step.h"
#include "status.h"
#include "steer.h"
#include "sysroot.h"
#include "wire-report.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define MAX_PSI_SOURCES (2 + POLICY_MAX_CGROUPS)

struct Guard {
        GuardOptions opt;
        sd_event *event;
        SysRoot *root;
        Policy policy;
        bool policy_from_file;          /* false: the shipped defaults */
        int64_t policy_loaded_unix;
        char notes[768];                /* what the first sample lacked (sample_gaps_format()) */
        ReportSink sink;
        int self;

        Sample *sample, *scratch;       /* allocated once: the pressure path allocates nothing */
        Step step;                      /* model, pressure and decision of the last evaluation */
        DecideState state;
        bool have_sample;

        Steer *steer;
        ActionLog actions[_ACTION_MAX];
        const char *host_said;          /* the host's last refusal (wire_refusal_name()), or NULL */
        AgentLink agent;
        WireDeflateRequest last_request;        /* sent again on a new link while unanswered */
        bool agent_seen;                        /* an agent took a record since the policy loaded */
        ActionTally tally;
        uint64_t report_seq, last_report_usec, last_release_usec;
        bool released_once;

        unsigned n_psi;
        sd_event_source *psi[MAX_PSI_SOURCES];
        sd_event_source *sample_timer, *poll_timer, *agent_source;
        bool said_polling, said_window;
        uint64_t last_sample_usec, last_steer_usec;
        unsigned sample_failures;

        int status_fd;                  /* listening; -1 when off */
        sd_event_source *status_source;
        char status_socket[CONFIG_PATH_MAX];    /* the path bound, to unlink */
        char status_buf[STATUS_JSON_MAX];       /* preallocated: an answer allocates nothing */

        MetricsCounters counters;
        uint64_t last_metrics_usec;
        bool metrics_written, said_metrics_error;
        char metrics_buf[8192];
};

/* guard.c */
uint64_t guard_now_usec(Guard *g);
uint64_t guard_monotonic_usec(void);
/* Messages about the guard itself (not decisions): the journal gets them
 * through stderr under systemd; in a terminal they show as they are. */
void guard_log(Guard *g, int priority, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void guard_notify_status(Guard *g);
int guard_read_meminfo(Guard *g, MeminfoSample *m);

/* guard-tick.c: sample -> policy_step -> act -> report */
void guard_tick(Guard *g, uint64_t wake_usec);
/* [guard] metrics_file, every report interval and on a level change */
void guard_write_metrics(Guard *g, bool level_changed);
void guard_steer_now(Guard *g);

/* guard-loop.c */
int guard_setup_event_loop(Guard *g);
void guard_schedule_poll(Guard *g);

/* guard-psi.c */
void guard_arm_psi(Guard *g);
void guard_disarm_psi(Guard *g);
bool guard_psi_armed(Guard *g);

/* guard-status.c: the status socket, and the view it and --once print */
void guard_status_view(Guard *g, const char *mode, StatusView *v);
int guard_status_open(Guard *g);
void guard_status_close(Guard *g);

/* guard-host.c */
void guard_send_report(Guard *g, bool level_changed);
void guard_resend_pending(Guard *g);
void guard_send_balloon_request(Guard *g, const PlannedAction *a, ActionOutcome *o);
void guard_watch_agent(Guard *g);
void guard_reconnect_agent(Guard *g);
