/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy_step(): the one composition of model, pressure and decision that
 * the daemon and replay share. */
#include "helpers.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "step.h"

#define SEC UINT64_C(1000000)

static void composes_model_pressure_decide(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("format-5.4-balloon-384"));
        Model *m = calloc(1, sizeof(*m));
        Step step = { .model = calloc(1, sizeof(Model)) };
        DecideState a, b;
        Pressure in;
        Decision d;
        Policy p;

        policy_init_shipped(&p);
        decide_state_init(&a);
        decide_state_init(&b);
        assert_int_equal(policy_step(&p, s, 7 * SEC, &a, &step), 0);
        assert_int_equal(model_build(s, m), 0);
        pressure_from(s, m, (unsigned)p.order, 7 * SEC, &in);
        decide(&p, &in, &b, &d);
        assert_memory_equal(&step.pressure, &in, sizeof(in));
        assert_memory_equal(&step.decision, &d, sizeof(d));
        assert_memory_equal(&a, &b, sizeof(a));
        /* this fixture sits at its min watermark: critical, ask the host */
        assert_int_equal(step.decision.level, LEVEL_CRITICAL);
        assert_int_equal(step.decision.actions[0].kind, ACTION_BALLOON);
        assert_int_equal(step.pressure.now_usec, 7 * SEC);
        free(m);
        free(step.model);
        free(s);
}

static void no_zones_leaves_state_alone(void **state)
{
        Sample *s = fixture_sample(FIXTURE_ROOT("format-5.4-balloon-384"));
        Step step = { .model = calloc(1, sizeof(Model)) };
        DecideState st, before;
        Policy p;

        policy_init_shipped(&p);
        decide_state_init(&st);
        s->n_nodes = 0;
        before = st;
        assert_int_equal(policy_step(&p, s, 1 * SEC, &st, &step), -EINVAL);
        assert_memory_equal(&st, &before, sizeof(st));
        free(step.model);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(composes_model_pressure_decide),
                cmocka_unit_test(no_zones_leaves_state_alone),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
