/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status JSON: valid JSON whatever the names hold, cut cleanly when the
 * buffer is short, and written without a single allocation (the guard
 * answers while under memory pressure). Allocations are counted by
 * wrapping the allocator at link time. */
#include "helpers.h"
#include "alloc-count.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "jsonline.h"
#include "status.h"
#include "step.h"

typedef struct World {
        Sample *s;
        Step step;
        DecideState st;
        Policy p;
        ActionLog actions[_ACTION_MAX];
        StatusView v;
} World;

static World *world_new(void)
{
        World *w = calloc(1, sizeof(*w));

        w->s = fixture_sample(FIXTURE_ROOT("format-5.4-balloon-384"));
        w->step.model = calloc(1, sizeof(Model));
        policy_init_shipped(&w->p);
        decide_state_init(&w->st);
        w->st.next_request_id = 41;
        assert_int_equal(policy_step(&w->p, w->s, 5000000, &w->st, &w->step), 0);
        /* a process name with a quote, a backslash and a control character */
        w->actions[ACTION_KILL] = (ActionLog){ .ran = true, .outcome = "done", .ran_usec = 4000000 };
        snprintf(w->actions[ACTION_KILL].detail, sizeof(w->actions[ACTION_KILL].detail), "killed 42 (a\"b\\c\x01)");
        w->actions[ACTION_DROP_CACHES] = (ActionLog){ .skipped = true, .skip = SKIP_COOLDOWN, .skip_usec = 5000000,
                                                      .until_usec = 7500000 };
        w->v = (StatusView){ .mode = "daemon", .pid = 7, .now_usec = 6000000, .s = w->s, .m = w->step.model,
                             .in = &w->step.pressure, .d = &w->step.decision, .st = &w->st, .actions = w->actions,
                             .host_refusal = "rate-limit", .policy_path = "/etc/oomguard/policy.ini",
                             .policy_from_file = true, .policy_loaded_unix = 1700000000, .notes = "" };
        return w;
}

static void world_free(World *w)
{
        free(w->step.model);
        free(w->s);
        free(w);
}

static void valid_and_allocation_free(void **state)
{
        World *w = world_new();
        static char buf[STATUS_JSON_MAX];
        char err[256];
        unsigned long before;
        JsonNode *root;
        JsonObject *o;
        int n;

        before = alloc_count();
        n = status_format_json(buf, sizeof(buf), &w->v);
        assert_int_equal(alloc_count(), before);
        assert_true(n > 0);
        assert_int_equal(buf[n - 1], '\n');
        if (jsonline_parse(buf, (size_t)n - 1, &root, err, sizeof(err)) < 0)
                fail_msg("not JSON: %s\n%s", err, buf);
        o = json_node_get_object(root);
        assert_string_equal(json_object_get_string_member(o, "level"), "critical");
        assert_string_equal(json_object_get_string_member(o, "host_refusal"), "rate-limit");
        assert_non_null(strstr(buf, "\"detail\":\"killed 42 (a\\\"b\\\\c\\u0001)\""));
        assert_non_null(strstr(buf, "\"skip_reason\":\"cooldown\",\"ago_ms\":1000,\"retry_in_ms\":1500"));
        assert_non_null(strstr(buf, "\"host_request\":{\"id\":41,\"kb\":163840,\"sent_ms_ago\":1000}"));
        json_node_unref(root);
        /* the wrap does see allocations */
        {
                void *volatile p = malloc(1);   /* volatile: not elided */

                free(p);
        }
        assert_true(alloc_count() > before);
        world_free(w);
}

static void short_buffer(void **state)
{
        World *w = world_new();
        char buf[256];

        memset(buf, 'x', sizeof(buf));
        assert_int_equal(status_format_json(buf, sizeof(buf), &w->v), -ENOBUFS);
        assert_non_null(memchr(buf, '\0', sizeof(buf)));
        world_free(w);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(valid_and_allocation_free),
                cmocka_unit_test(short_buffer),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
