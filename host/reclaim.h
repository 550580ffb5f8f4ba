/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The relay's side of the arbiter (rules/arbiter.h): it feeds the
 * arbiter the guests' reports and requests and the hypervisor's figures,
 * and moves the balloons by the steps it decides, through the Backend. */

#include <stdint.h>

#include "relay.h"

void reclaim_domain_init(RelayDomain *d);

void reclaim_note_report(RelayDomain *d, const SessionReport *rep, uint64_t now_usec);
void reclaim_note_request(RelayDomain *d, uint64_t now_usec);

/* The hypervisor's figures were read (a refresh, a BALLOON_CHANGE event):
 * a move nobody here made is adopted as the entitlement and logged once. */
void reclaim_observe(RelayDomain *d, uint64_t actual_kb, uint64_t maximum_kb, uint64_t now_usec);

/* Before a round: whether the guest's figures earn the critical path. */
void reclaim_before_round(RelayDomain *d, uint64_t now_usec);
/* A grant moved the balloon to target_kb. */
void reclaim_granted(RelayDomain *d, uint64_t target_kb);

/* Moves d's balloon down to target_kb as a grant moves it up: saved
 * first (d->pending without ids), then one command, confirmed through
 * relay_target_done(); the log is the caller's. -EBUSY while another
 * command of d is out, -EIO when the state cannot be saved (nothing
 * moved). */
int reclaim_move(Relay *r, RelayDomain *d, uint64_t target_kb);

/* Once a second: reads every domain's balloon, decides over all of them
 * and moves the balloons that give memory back. */
void relay_reclaim(Relay *r, uint64_t host_available_kb, uint64_t now_usec);
