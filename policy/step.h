/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One evaluation: sample -> model -> pressure -> decide. The daemon and
 * `oomguardctl replay` both call this, so a replay decides as the daemon
 * does by construction. Pure: the sample is read by the caller, the time
 * comes in now_usec. */

#include <stdint.h>

#include "decide.h"
#include "model.h"
#include "policy.h"
#include "pressure.h"
#include "sample.h"

typedef struct Step {
        Model *model;           /* caller-allocated (large): no allocation here */
        Pressure pressure;
        Decision decision;
} Step;

/* Returns 0, or -EINVAL for a sample with no zones to model (then *st is
 * untouched and step->decision is not valid). */
int policy_step(const Policy *p, const Sample *s, uint64_t now_usec, DecideState *st, Step *step);
