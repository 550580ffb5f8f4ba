/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plain QEMU: one guest, reached through two unix sockets QEMU listens on.
 *   --qmp SOCKET      -chardev socket,id=mon0,path=SOCKET,server=on,wait=off -mon chardev=mon0,mode=control
 *   --channel SOCKET  -chardev socket,id=ch0,path=SOCKET,server=on,wait=off
 *                     -device virtserialport,chardev=ch0,name=org.oomguard.0
 * The queries (query-balloon, query-memory-size-summary) are few and local,
 * so they run synchronously with a timeout. `balloon` does not: its reply
 * may come late, and resending it after a timeout while the first one is
 * still queued in QEMU's monitor told a guest "refused" about a balloon
 * that moved. It is sent once, with an id, and its reply (or a
 * BALLOON_CHANGE event showing the balloon grow) is read from the main loop
 * whenever it comes; the relay is told through relay_target_done(), from
 * an idle callback so never from inside one of its own calls. The channel
 * is non-blocking on the main loop and reconnected when it drops. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend.h"
#include "hostlog.h"
#include "jsonline.h"

#define QMP_TIMEOUT_MS 2000
#define OUT_MAX (1024 * 1024)   /* a guest that does not read loses its session, not our memory */
#define RECONNECT_S 1

struct QmpBackend {
        Relay *relay;
        RelayDomain *domain;
        char *qmp_path, *channel_path;

        int qmp_fd;
        guint qmp_watch;
        JsonLineFramer qmp_framer;
        char qmp_buf[4096];
        size_t qmp_pos, qmp_len;

        /* the one balloon command out, and its outcome for the relay */
        bool balloon_out;
        uint64_t balloon_seq;
        uint64_t last_actual_kb;        /* the last query-balloon's */
        int balloon_result;
        guint balloon_done_source;

        int ch_fd;
        guint ch_watch, out_watch, reconnect_timer;
        GByteArray *out;
};

static int unix_connect(const char *path, bool nonblock)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int k = -errno;

                close(fd);
                return k;
        }
        return fd;
}

/* ---- QMP --------------------------------------------------------------- */

static gboolean balloon_done(gpointer user)
{
        QmpBackend *b = user;

        b->balloon_done_source = 0;
        relay_target_done(b->relay, b->domain, b->balloon_result);
        return G_SOURCE_REMOVE;
}

/* The balloon command's outcome: 0 confirmed, -EREMOTEIO refused,
 * -ECONNRESET lost with the connection. */
static void balloon_settled(QmpBackend *b, int result)
{
        b->balloon_out = false;
        b->balloon_result = result;
        if (!b->balloon_done_source)
                b->balloon_done_source = host_timeout_add(0, balloon_done, b);
}

static void qmp_close(QmpBackend *b)
{
        if (b->qmp_watch)
                host_source_remove(b->qmp_watch);
        b->qmp_watch = 0;
        if (b->qmp_fd >= 0)
                close(b->qmp_fd);
        b->qmp_fd = -1;
        b->qmp_pos = b->qmp_len = 0;
        jsonline_framer_reset(&b->qmp_framer);
        if (b->balloon_out)
                balloon_settled(b, -ECONNRESET);
}

/* The balloon command's reply (by its id) or a BALLOON_CHANGE event, which
 * may come between any two lines: true when o was one of those. */
static bool qmp_async(QmpBackend *b, JsonObject *o)
{
        JsonNode *id = json_object_get_member(o, "id");
        JsonObject *data = NULL;
        char err[128];
        int64_t actual;

        if (json_object_has_member(o, "event")) {
                /* QEMU's qapi_event_send_balloon_change(): the guest's
                 * balloon moved; growing while our command is out, it is
                 * our target being reached. */
                if (b->balloon_out && json_get_object(o, "data", true, &data, err, sizeof(err)) >= 0 &&
                    json_get_int(data, "actual", 1, INT64_MAX, true, &actual, err, sizeof(err)) >= 0 &&
                    (uint64_t)actual / 1024 > b->last_actual_kb)
                        balloon_settled(b, 0);
                return true;
        }
        if (!id)
                return false;   /* the synchronous command's: it carries no id */
        if (b->balloon_out && JSON_NODE_HOLDS_VALUE(id) && json_node_get_value_type(id) == G_TYPE_INT64 &&
            (uint64_t)json_node_get_int(id) == b->balloon_seq)
                balloon_settled(b, json_object_has_member(o, "error") ? -EREMOTEIO : 0);
        return true;            /* a late reply to a command already settled */
}

/* The next JSON object from the monitor, within timeout_ms (-ETIMEDOUT). */
static int qmp_read(QmpBackend *b, int timeout_ms, JsonNode **ret)
{
        for (;;) {
                const char *data = b->qmp_buf + b->qmp_pos, *line;
                size_t len = b->qmp_len - b->qmp_pos, line_len;
                char err[128];
                int k;

                k = jsonline_framer_next(&b->qmp_framer, &data, &len, &line, &line_len);
                b->qmp_pos = b->qmp_len - len;
                if (k == JSONLINE_LINE) {
                        if (jsonline_parse(line, line_len, ret, err, sizeof(err)) < 0)
                                return -EBADMSG;
                        return 0;
                }
                if (k < 0 && k != -EMSGSIZE)
                        return k;
                if (len == 0) {
                        struct pollfd p = { .fd = b->qmp_fd, .events = POLLIN };
                        ssize_t n;

                        k = poll(&p, 1, timeout_ms);
                        if (k == 0)
                                return -ETIMEDOUT;
                        if (k < 0)
                                return -errno;
                        n = read(b->qmp_fd, b->qmp_buf, sizeof(b->qmp_buf));
                        if (n <= 0)
                                return n == 0 ? -ECONNRESET : -errno;
                        b->qmp_pos = 0;
                        b->qmp_len = (size_t)n;
                }
        }
}

/* Sends one command and waits for its return, skipping events. On success
 * *ret holds the "return" member (a new reference). */
static int qmp_command(QmpBackend *b, const char *json, JsonNode **ret)
{
        size_t len = strlen(json);

        if (write(b->qmp_fd, json, len) != (ssize_t)len)
                return -EIO;
        for (;;) {
                g_autoptr(JsonNode) reply = NULL;
                JsonObject *o;
                int k = qmp_read(b, QMP_TIMEOUT_MS, &reply);

                if (k < 0)
                        return k;
                o = json_node_get_object(reply);
                if (qmp_async(b, o))
                        continue;
                if (json_object_has_member(o, "error"))
                        return -EREMOTEIO;
                if (!json_object_has_member(o, "return"))
                        continue;
                if (ret)
                        *ret = json_node_copy(json_object_get_member(o, "return"));
                return 0;
        }
}

/* Between commands: what the monitor sends on its own (a late balloon
 * reply, events), read without blocking. */
static gboolean qmp_readable(gint fd, GIOCondition cond, gpointer user)
{
        QmpBackend *b = user;

        for (;;) {
                g_autoptr(JsonNode) node = NULL;
                int k = qmp_read(b, 0, &node);

                if (k == -ETIMEDOUT)
                        return G_SOURCE_CONTINUE;
                if (k == -EBADMSG)
                        continue;
                if (k < 0) {
                        hostlog(b->relay->log_flags, LOG_WARNING, b->domain->name, "QMP connection lost: %s",
                                strerror(-k));
                        b->qmp_watch = 0;       /* removed by returning */
                        qmp_close(b);
                        return G_SOURCE_REMOVE;
                }
                (void)qmp_async(b, json_node_get_object(node));
        }
}

static int qmp_ensure(QmpBackend *b)
{
        g_autoptr(JsonNode) greeting = NULL;
        int k;

        if (b->qmp_fd >= 0)
                return 0;
        b->qmp_fd = unix_connect(b->qmp_path, false);
        if (b->qmp_fd < 0)
                return b->qmp_fd;
        k = qmp_read(b, QMP_TIMEOUT_MS, &greeting);
        if (k >= 0 && !json_object_has_member(json_node_get_object(greeting), "QMP"))
                k = -EPROTO;
        if (k >= 0)
                k = qmp_command(b, "{\"execute\":\"qmp_capabilities\"}\n", NULL);
        if (k < 0)
                qmp_close(b);
        else
                b->qmp_watch = host_fd_add(b->qmp_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, qmp_readable, b);
        return k;
}

/* A command once more on a fresh connection if the old one broke. */
static int qmp_call(QmpBackend *b, const char *json, JsonNode **ret)
{
        int k;

        for (int attempt = 0; attempt < 2; attempt++) {
                k = qmp_ensure(b);
                if (k >= 0)
                        k = qmp_command(b, json, ret);
                if (k >= 0 || k == -EREMOTEIO)
                        return k;
                qmp_close(b);
        }
        return k;
}

static int object_bytes(JsonNode *n, const char *key, uint64_t *ret_kb)
{
        int64_t v;
        char err[128];

        if (!n || !JSON_NODE_HOLDS_OBJECT(n) ||
            json_get_int(json_node_get_object(n), key, 1, INT64_MAX, true, &v, err, sizeof(err)) < 0)
                return -EPROTO;
        *ret_kb = (uint64_t)v / 1024;
        return 0;
}

static int qmp_get_memory(void *handle, uint64_t *ret_actual_kb, uint64_t *ret_maximum_kb)
{
        QmpBackend *b = handle;
        g_autoptr(JsonNode) balloon = NULL, summary = NULL;
        int k;

        k = qmp_call(b, "{\"execute\":\"query-balloon\"}\n", &balloon);
        if (k >= 0)
                k = object_bytes(balloon, "actual", ret_actual_kb);
        if (k >= 0)
                b->last_actual_kb = *ret_actual_kb;
        if (k >= 0)
                k = qmp_call(b, "{\"execute\":\"query-memory-size-summary\"}\n", &summary);
        if (k >= 0)
                k = object_bytes(summary, "base-memory", ret_maximum_kb);
        return k;
}

static int qmp_set_target(void *handle, uint64_t target_kb)
{
        QmpBackend *b = handle;
        char cmd[160];
        size_t len;
        int k;

        if (b->balloon_out)
                return -EBUSY;  /* the relay sends one at a time */
        k = qmp_ensure(b);
        if (k < 0)
                return k;       /* nothing was sent */
        len = (size_t)snprintf(cmd, sizeof(cmd),
                               "{\"execute\":\"balloon\",\"arguments\":{\"value\":%llu},\"id\":%llu}\n",
                               (unsigned long long)target_kb * 1024, (unsigned long long)++b->balloon_seq);
        b->balloon_out = true;
        /* A write that fails may still have delivered the command: the
         * relay learns -ECONNRESET and looks at the balloon. */
        if (write(b->qmp_fd, cmd, len) != (ssize_t)len)
                qmp_close(b);
        return RELAY_TARGET_SENT;
}

/* ---- the port's chardev ------------------------------------------------- */

static void channel_connect_later(QmpBackend *b);

static void channel_drop(QmpBackend *b)
{
        if (b->ch_watch)
                host_source_remove(b->ch_watch);
        if (b->out_watch)
                host_source_remove(b->out_watch);
        b->ch_watch = b->out_watch = 0;
        if (b->ch_fd >= 0) {
                close(b->ch_fd);
                b->ch_fd = -1;
                relay_disconnected(b->relay, b->domain);
        }
        g_byte_array_set_size(b->out, 0);
}

static gboolean channel_writable(gint fd, GIOCondition cond, gpointer user)
{
        QmpBackend *b = user;
        ssize_t n = write(fd, b->out->data, b->out->len);

        if (n < 0 && errno == EAGAIN)
                return G_SOURCE_CONTINUE;
        if (n < 0) {
                b->out_watch = 0;
                channel_drop(b);
                channel_connect_later(b);
                return G_SOURCE_REMOVE;
        }
        g_byte_array_remove_range(b->out, 0, (guint)n);
        if (b->out->len > 0)
                return G_SOURCE_CONTINUE;
        b->out_watch = 0;
        return G_SOURCE_REMOVE;
}

static int qmp_send(void *handle, const char *data, size_t len)
{
        QmpBackend *b = handle;
        ssize_t n = 0;

        if (b->ch_fd < 0)
                return -ENOTCONN;
        if (b->out->len == 0) {
                n = write(b->ch_fd, data, len);
                if (n < 0 && errno != EAGAIN)
                        return -errno;
                if (n < 0)
                        n = 0;
        }
        if ((size_t)n == len)
                return 0;
        if (b->out->len + len - (size_t)n > OUT_MAX) {
                /* The guest does not read: start over on a new connection. */
                hostlog(b->relay->log_flags, LOG_WARNING, b->domain->name, "guest does not read its port, reconnecting");
                channel_drop(b);
                channel_connect_later(b);
                return -ENOBUFS;
        }
        g_byte_array_append(b->out, (const guint8 *)data + n, (guint)(len - (size_t)n));
        if (!b->out_watch)
                b->out_watch = host_fd_add(b->ch_fd, G_IO_OUT, channel_writable, b);
        return 0;
}

static gboolean channel_readable(gint fd, GIOCondition cond, gpointer user)
{
        QmpBackend *b = user;
        char buf[16384];
        ssize_t n = read(fd, buf, sizeof(buf));

        if (n < 0 && errno == EAGAIN)
                return G_SOURCE_CONTINUE;
        if (n <= 0) {
                hostlog(b->relay->log_flags, LOG_INFO, b->domain->name, "channel closed, reconnecting");
                b->ch_watch = 0;
                channel_drop(b);
                channel_connect_later(b);
                return G_SOURCE_REMOVE;
        }
        relay_feed(b->relay, b->domain, buf, (size_t)n, host_now_usec());
        return G_SOURCE_CONTINUE;
}

static gboolean channel_connect(gpointer user)
{
        QmpBackend *b = user;
        int fd = unix_connect(b->channel_path, true);

        if (fd < 0) {
                hostlog(b->relay->log_flags, LOG_DEBUG, b->domain->name, "cannot connect to %s: %s", b->channel_path,
                        strerror(-fd));
                return G_SOURCE_CONTINUE;
        }
        b->reconnect_timer = 0;
        b->ch_fd = fd;
        b->ch_watch = host_fd_add(fd, G_IO_IN | G_IO_HUP | G_IO_ERR, channel_readable, b);
        if (relay_connected(b->relay, b->domain, host_random_id(), host_now_usec()) < 0) {
                channel_drop(b);
                channel_connect_later(b);
        }
        return G_SOURCE_REMOVE;
}

static void channel_connect_later(QmpBackend *b)
{
        if (!b->reconnect_timer)
                b->reconnect_timer = host_timeout_add(RECONNECT_S * 1000, channel_connect, b);
}

/* QEMU's pid from the monitor socket's peer credentials (unix(7)
 * SO_PEERCRED): the process that listens is QEMU itself. */
static int qmp_get_pid(void *handle, int *ret_pid)
{
        QmpBackend *b = handle;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        int k = qmp_ensure(b);

        if (k < 0)
                return k;
        if (getsockopt(b->qmp_fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
                return -errno;
        *ret_pid = cred.pid;
        return cred.pid > 0 ? 0 : -ESRCH;
}

const Backend qmp_backend_ops = {
        .get_memory = qmp_get_memory,
        .set_target = qmp_set_target,
        .send = qmp_send,
        .get_pid = qmp_get_pid,
};

int qmp_backend_new(Relay *relay, const char *name, const char *qmp_path, const char *channel_path,
                    QmpBackend **ret)
{
        QmpBackend *b = g_new0(QmpBackend, 1);
        int k;

        b->relay = relay;
        b->qmp_fd = b->ch_fd = -1;
        b->qmp_path = g_strdup(qmp_path);
        b->channel_path = g_strdup(channel_path);
        b->out = g_byte_array_new();
        k = jsonline_framer_init(&b->qmp_framer, JSONLINE_MAX);
        if (k < 0) {
                qmp_backend_free(b);
                return k;
        }
        b->domain = relay_add(relay, name, b, host_now_usec());
        if (!b->domain) {
                qmp_backend_free(b);
                return -ENOMEM;
        }
        k = qmp_ensure(b);
        if (k < 0)
                hostlog(relay->log_flags, LOG_WARNING, name, "QMP %s: %s; trying again when needed", qmp_path,
                        strerror(-k));
        if (channel_connect(b) == G_SOURCE_CONTINUE)
                channel_connect_later(b);
        *ret = b;
        return 0;
}

void qmp_backend_free(QmpBackend *b)
{
        if (!b)
                return;
        if (b->reconnect_timer)
                host_source_remove(b->reconnect_timer);
        if (b->balloon_done_source)
                host_source_remove(b->balloon_done_source);
        b->balloon_out = false;
        if (b->domain) {
                channel_drop(b);
                relay_remove(b->relay, b->domain);
        }
        qmp_close(b);
        jsonline_framer_done(&b->qmp_framer);
        g_byte_array_unref(b->out);
        g_free(b->qmp_path);
        g_free(b->channel_path);
        g_free(b);
}
