/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "status-render.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "jsonline.h"

int status_fetch(const char *path, int timeout_ms, char *buf, size_t size)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        size_t used = 0;
        int fd, r = 0;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        for (;;) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t n;

                if (used + 1 >= size) {
                        r = -EMSGSIZE;
                        break;
                }
                if (poll(&p, 1, timeout_ms) == 0) {
                        r = -ETIMEDOUT;
                        break;
                }
                n = read(fd, buf + used, size - 1 - used);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                used += (size_t)n;
        }
        close(fd);
        buf[used] = '\0';
        return r < 0 ? r : (int)used;
}

static int64_t int_of(JsonObject *o, const char *key, int64_t dflt)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;

        return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_int(n) : dflt;
}

static bool is_null(JsonObject *o, const char *key)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;

        return !n || JSON_NODE_HOLDS_NULL(n);
}

static const char *str_of(JsonObject *o, const char *key)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;

        return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING ? json_node_get_string(n)
                                                                                            : NULL;
}

static JsonObject *obj_of(JsonObject *o, const char *key)
{
        JsonNode *n = o ? json_object_get_member(o, key) : NULL;

        return n && JSON_NODE_HOLDS_OBJECT(n) ? json_node_get_object(n) : NULL;
}

static double mib(int64_t kb)
{
        return (double)kb / 1024;
}

static void render_figures(FILE *f, JsonObject *fig)
{
        fprintf(f, "  headroom above min %.1f MiB, above low %.1f MiB, above high %.1f MiB\n",
                mib(int_of(fig, "headroom_min_kb", 0)), mib(int_of(fig, "headroom_low_kb", 0)),
                mib(int_of(fig, "headroom_high_kb", 0)));
        if (!is_null(fig, "time_to_min_ms"))
                fprintf(f, "  time to min %.1f s at %.1f MiB/s\n", (double)int_of(fig, "time_to_min_ms", 0) / 1000,
                        mib(int_of(fig, "decline_kb_per_s", 0)));
        else
                fprintf(f, "  not declining\n");
        if (!is_null(fig, "psi_some_avg10"))
                fprintf(f, "  PSI some %.2f%%, full %.2f%% (avg10)\n",
                        json_object_get_double_member(fig, "psi_some_avg10"),
                        json_object_get_double_member(fig, "psi_full_avg10"));
        fprintf(f, "  balloon %.1f MiB of guest RAM %.1f MiB; order %" PRId64 " %s\n", mib(int_of(fig, "balloon_kb", 0)),
                mib(int_of(fig, "guest_ram_kb", 0)), int_of(fig, "order", 0),
                json_object_get_boolean_member_with_default(fig, "order_ok", true) ? "served at low" : "not served at low");
}

static void render_zones(FILE *f, JsonArray *zones)
{
        fprintf(f, "zones (what an order-0 user allocation may take above min, reserve counted):\n");
        for (guint i = 0; zones && i < json_array_get_length(zones); i++) {
                JsonObject *z = json_array_get_object_element(zones, i);

                if (!z || int_of(z, "managed_kb", 0) == 0)
                        continue;
                fprintf(f, "  node %" PRId64 " %-8s free %8.1f MiB  min %7.1f  low %7.1f  reserve %7.1f  headroom %+9.1f MiB%s\n",
                        int_of(z, "node", 0), str_of(z, "zone") ? str_of(z, "zone") : "?", mib(int_of(z, "free_kb", 0)),
                        mib(int_of(z, "min_kb", 0)), mib(int_of(z, "low_kb", 0)), mib(int_of(z, "reserve_kb", 0)),
                        mib(int_of(z, "headroom_min_kb", 0)),
                        json_object_get_boolean_member_with_default(z, "user_allocations", true) ? "" : "  (not for user allocations)");
        }
}

static void render_actions(FILE *f, JsonArray *actions)
{
        guint n = actions ? json_array_get_length(actions) : 0;

        fprintf(f, "actions:%s\n", n ? "" : " none since the level was last normal");
        for (guint i = 0; i < n; i++) {
                JsonObject *a = json_array_get_object_element(actions, i);

                JsonObject *last = obj_of(a, "last_run");

                fprintf(f, "  %-16s %s %.1f s ago: %s\n", str_of(a, "action") ? str_of(a, "action") : "?",
                        str_of(a, "outcome") ? str_of(a, "outcome") : "?", (double)int_of(a, "ago_ms", 0) / 1000,
                        str_of(a, "detail") ? str_of(a, "detail") : "");
                if (last && str_of(a, "skip_reason"))
                        fprintf(f, "  %-16s last run: %s %.1f s ago%s%s\n", "", str_of(last, "outcome") ? str_of(last, "outcome") : "?",
                                (double)int_of(last, "ago_ms", 0) / 1000, str_of(last, "detail") && str_of(last, "detail")[0] ? ": " : "",
                                str_of(last, "detail") ? str_of(last, "detail") : "");
        }
}

int status_render_text(FILE *f, const char *json, size_t len, FILE *err)
{
        JsonObject *o, *fig, *zone, *req, *pol;
        JsonNode *root = NULL;
        JsonArray *arr;
        char msg[256];
        int64_t loaded;

        if (jsonline_parse(json, len, &root, msg, sizeof(msg)) < 0) {
                fprintf(err, "oomguardctl: the guard's answer is not its JSON: %s\n", msg);
                return -EBADMSG;
        }
        o = json_node_get_object(root);
        fprintf(f, "oomguard %" PRId64 "%s: level %s (%s) for %.1f s\n", int_of(o, "pid", 0),
                json_object_get_boolean_member_with_default(o, "dry_run", false) ? ", dry run" : "",
                str_of(o, "level") ? str_of(o, "level") : "?", str_of(o, "reason") ? str_of(o, "reason") : "?",
                (double)int_of(o, "level_since_ms_ago", 0) / 1000);
        fig = obj_of(o, "figures");
        render_figures(f, fig);
        zone = obj_of(o, "deciding_zone");
        if (zone)
                fprintf(f, "  the zone named in its log: node %" PRId64 " %s\n", int_of(zone, "node", 0),
                        str_of(zone, "zone") ? str_of(zone, "zone") : "?");
        arr = json_object_has_member(o, "zones") ? json_object_get_array_member(o, "zones") : NULL;
        render_zones(f, arr);
        arr = json_object_has_member(o, "actions") ? json_object_get_array_member(o, "actions") : NULL;
        render_actions(f, arr);
        req = obj_of(o, "host_request");
        if (req)
                fprintf(f, "host request %" PRId64 " for %.1f MiB, sent %.1f s ago, not answered yet\n",
                        int_of(req, "id", 0), mib(int_of(req, "kb", 0)), (double)int_of(req, "sent_ms_ago", 0) / 1000);
        else
                fprintf(f, "no host request pending\n");
        if (str_of(o, "host_refusal"))
                fprintf(f, "the host's last answer: refused (%s)\n", str_of(o, "host_refusal"));
        pol = obj_of(o, "policy");
        loaded = int_of(pol, "loaded_unix", 0);
        {
                char when[64] = "?";
                time_t t = (time_t)loaded;
                struct tm tm;

                if (gmtime_r(&t, &tm))
                        strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
                fprintf(f, "policy: %s, loaded %s\n", str_of(pol, "path") ? str_of(pol, "path") : "the shipped defaults",
                        when);
        }
        if (str_of(o, "notes") && str_of(o, "notes")[0])
                fprintf(f, "note: %s\n", str_of(o, "notes"));
        json_node_unref(root);
        return 0;
}
