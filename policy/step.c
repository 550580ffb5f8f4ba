/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "step.h"

int policy_step(const Policy *p, const Sample *s, uint64_t now_usec, DecideState *st, Step *step)
{
        int r = model_build(s, step->model);

        if (r < 0)
                return r;
        pressure_from(s, step->model, (unsigned)p->order, now_usec, &step->pressure);
        decide(p, &step->pressure, st, &step->decision);
        return 0;
}
