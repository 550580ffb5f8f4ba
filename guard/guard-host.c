/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The link to oomguard-agent: reports and deflate requests to the host,
 * its answers and its requests for memory back. */
#include "guard-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "spare.h"

static int on_agent(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* The deflate request the agent was given and has not answered: its id is
 * the one decide() waits for. */
static bool request_outstanding(const Guard *g)
{
        return g->state.balloon_pending && g->last_request.id == g->state.balloon_id;
}

/* Every send goes through here: a failed send closes the link, and its
 * watch must go with it, or a reconnect that gets the same fd number back
 * would never be watched (and a later unref would remove someone else's).
 * A new link is to a new agent (the old one was killed or restarted, and
 * its pending list went with it): the unanswered request goes to it first,
 * same id, or nobody would answer it and the guard would count a grant
 * the host may already have made as a refusal after balloon timeout_ms.
 * The host answers a repeated id from memory, without moving the balloon
 * again (PROTOCOL.md §2.6). */
static int agent_send(Guard *g, const void *record, size_t len)
{
        bool new_link = g->agent.fd < 0;
        const WireHeader *h = record;
        int r = 0;

        if (new_link && request_outstanding(g) && h->type != WIRE_DEFLATE_REQUEST) {
                r = agent_link_send(&g->agent, &g->last_request, sizeof(g->last_request));
                if (r >= 0)
                        guard_log(g, 6, "agent reconnected: deflate request %" PRIu64 " sent again", g->last_request.id);
        }
        if (r >= 0)
                r = agent_link_send(&g->agent, record, len);
        if (r >= 0)
                g->agent_seen = true;
        if (g->agent.fd < 0)
                g->agent_source = sd_event_source_disable_unref(g->agent_source);
        else
                guard_watch_agent(g);
        return r;
}

/* The host hears from the guard every report interval, and at once on a
 * level change. Nobody listening is normal (no host relay configured). */
void guard_send_report(Guard *g, bool level_changed)
{
        WireReport rep;
        WireSpare spare;
        uint64_t now = guard_now_usec(g);

        if (!level_changed && g->report_seq && now - g->last_report_usec < g->policy.report_interval_ms * USEC_PER_MSEC)
                return;
        g->last_report_usec = now;
        wire_report_build(g->sample, g->step.model, &g->step.pressure, &g->step.decision, &g->tally, now, ++g->report_seq, &rep);
        wire_spare_build(g->report_seq, spare_kb(&g->policy, &g->step.pressure, &g->state),
                         spare_clean_cache_kb(g->sample), &spare);
        if (agent_send(g, &spare, sizeof(spare)) >= 0)
                (void)agent_send(g, &rep, sizeof(rep));
}

/* While a request waits for its answer and the agent has gone away, look
 * for its successor every tick rather than every report interval: the
 * answer has balloon timeout_ms to come back. */
void guard_resend_pending(Guard *g)
{
        if (g->agent.fd < 0 && request_outstanding(g) && !g->opt.dry_run &&
            agent_send(g, &g->last_request, sizeof(g->last_request)) >= 0)
                guard_log(g, 6, "agent reconnected: deflate request %" PRIu64 " sent again", g->last_request.id);
}

void guard_watch_agent(Guard *g)
{
        if (!g->agent_source && g->agent.fd >= 0) {
                if (sd_event_add_io(g->event, &g->agent_source, g->agent.fd, EPOLLIN, on_agent, g) >= 0)
                        sd_event_source_set_description(g->agent_source, "agent");
        }
}

void guard_send_balloon_request(Guard *g, const PlannedAction *a, ActionOutcome *o)
{
        WireDeflateRequest req = {
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_DEFLATE_REQUEST },
                .id = a->request_id,
                .bytes = a->amount_kb * 1024,
                .level = (uint32_t)g->step.decision.level,
                .reason = (uint32_t)a->reason,
                .headroom_min_kb = g->step.pressure.headroom_min_kb,
                .balloon_kb = g->step.pressure.balloon_kb,
                .psi_full_avg10 = g->step.pressure.psi_full_avg10,
        };
        int r;

        if (g->opt.dry_run) {
                o->result = "dry-run";
                decide_balloon_answer(&g->state, a->request_id, false, guard_now_usec(g));
                return;
        }
        g->last_request = req;
        r = agent_send(g, &req, sizeof(req));
        if ((r == -ENOENT || r == -ECONNREFUSED) && g->agent_seen) {
                /* The agent answered before and is gone: killed or
                 * crashed, systemd starts it again within RestartSec=. The
                 * request waits for it like one it had taken: every tick
                 * tries to hand it over (guard_resend_pending()), and
                 * balloon timeout_ms bounds the wait. */
                o->result = "waiting-for-agent";
                return;
        }
        if (r < 0) {
                /* No one to ask: settle the request now so that local
                 * actions, and a kill if allowed, are not held for it. */
                o->result = r == -ENOENT || r == -ECONNREFUSED ? "no-agent" : "failed";
                /* like a refusal: ask less often (cooldown doubles, up to 16x) */
                decide_balloon_answer(&g->state, a->request_id, false, guard_now_usec(g));
                return;
        }
        o->result = "sent";
}

/* The host is short and asks for memory back: make what the guest does not
 * need easy to take (clean cache dropped, free memory compacted) so the
 * balloon can inflate without pushing the guest into reclaim. Never above
 * warn, and at most once per release_cooldown_ms. */
static void release_for_host(Guard *g, const WireRelease *rel)
{
        WireReleaseDone done = { .id = rel->id };
        MeminfoSample before, after;
        ActResult res = { 0 };
        uint64_t now = guard_now_usec(g);
        const char *what = "nothing (dry run)";

        wire_header_init(&done.h, WIRE_RELEASE_DONE);
        if (g->step.decision.level > LEVEL_WARN)
                what = "nothing: the guest is under pressure itself";
        else if (g->released_once && now - g->last_release_usec < g->policy.release_cooldown_ms * USEC_PER_MSEC)
                what = "nothing: released recently";
        else if (!g->opt.dry_run && guard_read_meminfo(g, &before) >= 0) {
                g->released_once = true;
                g->last_release_usec = now;
                done.dropped_caches = act_drop_caches(g->root, &res) == 0;
                done.compacted = act_compact(g->root, 0, &res) == 0;
                if (guard_read_meminfo(g, &after) >= 0)
                        done.freed_kb = (int64_t)after.mem_available_kb - (int64_t)before.mem_available_kb;
                what = done.dropped_caches || done.compacted ? "dropped caches and compacted" : "tried, and failed";
        }
        guard_log(g, 6, "host asked for memory back (release %" PRIu64 ", %" PRIu64 " kB): %s, MemAvailable %+" PRId64 " kB",
                 rel->id, rel->bytes / 1024, what, done.freed_kb);
        (void)agent_send(g, &done, sizeof(done));
}

static int on_agent(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        WireDeflateAnswer ans;
        WireRelease rel;
        int r;

        (void)fd;
        (void)revents;
        while ((r = agent_link_receive(&g->agent, &ans, &rel)) != 0) {
                if (r == -EBADMSG) {
                        guard_log(g, 4, "dropped a malformed record from the agent");
                        continue;
                }
                if (r < 0)
                        break;
                if (r == WIRE_RELEASE) {
                        release_for_host(g, &rel);
                        continue;
                }
                decide_balloon_answer(&g->state, ans.id, ans.granted, guard_now_usec(g));
                g->host_said = ans.granted ? NULL : wire_refusal_name(ans.refusal);
                if (ans.granted)
                        g->counters.grants++;
                else
                        g->counters.refusals[ans.refusal < METRICS_REFUSALS_MAX ? ans.refusal : WIRE_REFUSED_OTHER]++;
                if (ans.granted)
                        guard_log(g, 6, "host granted deflate request %" PRIu64 " (%" PRIu64 " kB)", ans.id,
                                 ans.granted_bytes / 1024);
                else
                        guard_log(g, 6, "host refused deflate request %" PRIu64 " (%s)", ans.id,
                                 wire_refusal_name(ans.refusal));
        }
        if (g->agent.fd < 0)
                g->agent_source = sd_event_source_disable_unref(s);
        return 0;
}


void guard_reconnect_agent(Guard *g)
{
        g->agent_source = sd_event_source_disable_unref(g->agent_source);
        agent_link_close(&g->agent);
        agent_link_init(&g->agent, g->policy.agent_socket);
        g->agent_seen = false;  /* agent_socket may name another place now */
}
