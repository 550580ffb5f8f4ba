/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <glib-unix.h>

#include "agent-proto.h"
#include "jsonline.h"
#include "log-line.h"
#include "port.h"

#define PORT_RETRY_MS 2000              /* PROTOCOL.md §2.1 */
#define HOST_AWAY_MIN_MS 250            /* qemu-ga sleeps 100 ms; fewer wake-ups here */
#define HOST_AWAY_MAX_MS 1000
#define TICK_MS 1000
#define READ_CHUNK 4096                 /* virtio_console hands out one page per read */
#define READS_PER_WAKEUP 16             /* then let the guard socket have a turn */
#define GUARDS_MAX 16                   /* only root and our own uid can connect */

typedef struct GuardConn {
        Agent *agent;
        uint64_t id;
        int fd;
        guint watch;
} GuardConn;

struct Agent {
        AgentOptions opt;
        GMainLoop *loop;
        AgentProto proto;
        AgentOut out;
        JsonLineFramer framer;

        int port_fd;
        bool port_is_socket;
        bool host_present;              /* data came since the last hang-up */
        bool port_missing_logged;
        char *port_path;
        GString *queue;
        guint port_in, port_out, port_timer;
        unsigned away_ms;

        int listen_fd;
        guint listen_watch;
        GPtrArray *guards;              /* GuardConn, owned */
        uint64_t next_conn;

        guint tick, sigterm, sigint;
};

static void say(Agent *a, int prio, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(Agent *a, int prio, const char *fmt, ...)
{
        va_list ap;

        if (prio >= 7 && !a->opt.verbose)
                return;
        va_start(ap, fmt);
        log_line_v(prio, fmt, ap);
        va_end(ap);
}

static uint64_t now_mono(void)
{
        return (uint64_t)g_get_monotonic_time();
}

static int64_t now_real(void)
{
        return g_get_real_time();
}

static void port_close(Agent *a);
static void port_schedule(Agent *a, unsigned ms);
static void port_watch_out(Agent *a);

/* ---- carrying out what the protocol decided ---------------------------- */

static GuardConn *guard_find(Agent *a, uint64_t id)
{
        for (guint i = 0; i < a->guards->len; i++) {
                GuardConn *c = g_ptr_array_index(a->guards, i);

                if (c->id == id)
                        return c;
        }
        /* the connection that asked is gone: any guard will do, the
         * records carry ids */
        return a->guards->len ? g_ptr_array_index(a->guards, 0) : NULL;
}

static void apply(Agent *a)
{
        AgentOut *o = &a->out;

        for (guint i = 0; i < o->log->len; i++)
                say(a, 6, "%s", (const char *)g_ptr_array_index(o->log, i));
        if (o->host->len > 0 && a->port_fd >= 0) {
                int r = port_send(a->port_fd, a->queue, o->host->str, o->host->len);

                if (r == 1)
                        port_watch_out(a);
                else if (r == -ENOBUFS)
                        say(a, 4, "host is not reading: %zu bytes of output dropped", o->host->len);
                else if (r < 0) {
                        say(a, 3, "writing to %s: %s", a->port_path, strerror(-r));
                        port_close(a);
                        port_schedule(a, PORT_RETRY_MS);
                }
        }
        for (guint i = 0; i < o->guard->len; i++) {
                const AgentGuardOut *g = &g_array_index(o->guard, AgentGuardOut, i);
                GuardConn *c = guard_find(a, g->conn);

                if (!c) {
                        say(a, 4, "no guard connected: record type %u dropped", g->rec.h.type);
                        continue;
                }
                if (send(c->fd, &g->rec, g->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
                        say(a, 4, "sending to guard connection %" PRIu64 ": %m", c->id);
        }
        agent_out_clear(o);
}

/* ---- the port ----------------------------------------------------------- */

static gboolean on_port_in(int fd, GIOCondition cond, gpointer userdata);

static void port_watch_in(Agent *a)
{
        if (!a->port_in && a->port_fd >= 0)
                a->port_in = g_unix_fd_add(a->port_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_port_in, a);
}

static gboolean on_port_out(int fd, GIOCondition cond, gpointer userdata)
{
        Agent *a = userdata;
        int r = port_flush(fd, a->queue);

        if (r == 1)
                return G_SOURCE_CONTINUE;
        a->port_out = 0;
        if (r < 0) {
                say(a, 3, "writing to %s: %s", a->port_path, strerror(-r));
                port_close(a);
                port_schedule(a, PORT_RETRY_MS);
        }
        return G_SOURCE_REMOVE;
}

/* POLLOUT only while output waits, or poll() spins */
static void port_watch_out(Agent *a)
{
        if (!a->port_out && a->port_fd >= 0)
                a->port_out = g_unix_fd_add(a->port_fd, G_IO_OUT, on_port_out, a);
}

static void port_close(Agent *a)
{
        g_clear_handle_id(&a->port_in, g_source_remove);
        g_clear_handle_id(&a->port_out, g_source_remove);
        if (a->port_fd >= 0)
                close(a->port_fd);
        a->port_fd = -1;
        g_string_truncate(a->queue, 0);
        jsonline_framer_reset(&a->framer);
        agent_proto_host_reset(&a->proto);
        a->host_present = false;
}

/* A new agent on the port says so with a lone 0xFF (PROTOCOL.md §2.2).
 * virtio-serial tells the host's chardev nothing when the guest opens or
 * closes the port (QEMU's set_guest_connected() only emits the QMP event
 * VSERPORT_CHANGE), so a host that had synchronised with the agent before
 * it was killed would wait for events that this agent, not synchronised,
 * never sends. The byte also ends any line the killed agent left half
 * written. */
static void port_hello(Agent *a)
{
        int r = port_send(a->port_fd, a->queue, (const char[]){ (char)JSONLINE_SYNC_BYTE }, 1);

        if (r == 1)
                port_watch_out(a);
        else if (r < 0)
                say(a, 4, "could not announce the agent on %s: %s", a->port_path, strerror(-r));
}

static int port_open_now(Agent *a)
{
        g_autofree char *path = NULL;
        int fd;

        if (a->opt.device) {
                fd = port_open_path(a->opt.device, &a->port_is_socket);
                path = g_strdup(a->opt.device);
        } else {
                a->port_is_socket = false;
                fd = port_open(a->opt.root, a->opt.port_name, &path);
        }
        if (fd < 0) {
                if (!a->port_missing_logged)
                        say(a, fd == -ENOENT || fd == -ECONNREFUSED ? 5 : 3,
                            "port %s: %s; looking again every %u s", a->opt.device ? a->opt.device : a->opt.port_name,
                            strerror(-fd), PORT_RETRY_MS / 1000);
                a->port_missing_logged = true;
                return fd;
        }
        a->port_missing_logged = false;
        a->port_fd = fd;
        g_free(a->port_path);
        a->port_path = g_steal_pointer(&path);
        a->away_ms = 0;
        say(a, 6, "opened %s", a->port_path);
        port_watch_in(a);
        port_hello(a);
        return 0;
}

static gboolean on_port_timer(gpointer userdata)
{
        Agent *a = userdata;

        a->port_timer = 0;
        if (a->port_fd < 0) {
                if (port_open_now(a) < 0)
                        port_schedule(a, PORT_RETRY_MS);
        } else
                port_watch_in(a);
        return G_SOURCE_REMOVE;
}

static void port_schedule(Agent *a, unsigned ms)
{
        g_clear_handle_id(&a->port_timer, g_source_remove);
        a->port_timer = g_timeout_add(ms, on_port_timer, a);
}

/* virtio-serial has no connections: with no process on the host side the
 * port polls IN|HUP and read() returns 0, level-triggered, until one
 * attaches (drivers/char/virtio_console.c: port_fops_poll(), port_fops_read()). Keep the fd (closing it would tell QEMU
 * the guest left), stop watching it for a while, and forget the session:
 * the next host starts with 0xFF and guest-sync-delimited. A stream socket
 * (--device, tests) at EOF is over, so it is closed and connected again. */
static void host_away(Agent *a)
{
        if (a->host_present)
                say(a, 5, "host side of %s went away; events wait until the host synchronises again", a->port_path);
        a->host_present = false;
        a->away_ms = a->away_ms ? MIN(a->away_ms * 2, HOST_AWAY_MAX_MS) : HOST_AWAY_MIN_MS;
        if (a->port_is_socket) {
                port_close(a);
                port_schedule(a, a->away_ms);
                return;
        }
        g_clear_handle_id(&a->port_in, g_source_remove);
        g_clear_handle_id(&a->port_out, g_source_remove);
        g_string_truncate(a->queue, 0);
        jsonline_framer_reset(&a->framer);
        agent_proto_host_reset(&a->proto);
        port_schedule(a, a->away_ms);
}

static void host_bytes(Agent *a, const char *data, size_t len)
{
        const char *line;
        size_t line_len;
        int r;

        while ((r = jsonline_framer_next(&a->framer, &data, &len, &line, &line_len)) != JSONLINE_NEED_MORE) {
                if (r == JSONLINE_SYNC) {
                        /* a new host session starts: nothing more is sent
                         * until it has synchronised */
                        say(a, 7, "host: 0xFF");
                        agent_proto_host_reset(&a->proto);
                } else if (r == -EMSGSIZE)
                        agent_proto_host_oversized(&a->proto, &a->out);
                else {
                        if (a->opt.verbose) {
                                g_autofree char *shown = g_strndup(line, MIN(line_len, 512));

                                for (char *c = shown; *c; c++)
                                        if ((unsigned char)*c < 0x20 || *c == 0x7f)
                                                *c = '?';
                                say(a, 7, "host: %s", shown);
                        }
                        agent_proto_host_line(&a->proto, line, line_len, now_mono(), now_real(), &a->out);
                }
                apply(a);
        }
}

static gboolean on_port_in(int fd, GIOCondition cond, gpointer userdata)
{
        Agent *a = userdata;
        char buf[READ_CHUNK];

        for (int i = 0; i < READS_PER_WAKEUP; i++) {
                ssize_t n = read(fd, buf, sizeof(buf));

                if (n > 0) {
                        if (!a->host_present)
                                say(a, 6, "host is talking on %s", a->port_path);
                        a->host_present = true;
                        a->away_ms = 0;
                        host_bytes(a, buf, (size_t)n);
                        if (a->port_fd != fd)
                                return G_SOURCE_REMOVE; /* closed meanwhile; port_in already cleared */
                        continue;
                }
                if (n == 0) {
                        a->port_in = 0;
                        host_away(a);
                        return G_SOURCE_REMOVE;
                }
                if (errno == EINTR)
                        continue;
                if (errno == EAGAIN)
                        break;
                /* ENODEV: the port was unplugged */
                say(a, 3, "reading %s: %m; closing it", a->port_path);
                a->port_in = 0;
                port_close(a);
                port_schedule(a, PORT_RETRY_MS);
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

/* ---- the guard socket --------------------------------------------------- */

static void guard_free(gpointer p)
{
        GuardConn *c = p;

        g_clear_handle_id(&c->watch, g_source_remove);
        if (c->fd >= 0)
                close(c->fd);
        g_free(c);
}

static void guard_drop(Agent *a, GuardConn *c, const char *why)
{
        say(a, 6, "guard connection %" PRIu64 " %s", c->id, why);
        c->watch = 0;   /* the caller returns G_SOURCE_REMOVE */
        g_ptr_array_remove(a->guards, c);
        a->proto.guards = a->guards->len;
}

static gboolean on_guard(int fd, GIOCondition cond, gpointer userdata)
{
        GuardConn *c = userdata;
        Agent *a = c->agent;
        /* one byte more than the largest record, so an oversized one shows */
        unsigned char buf[sizeof(WireReport) + 1];

        for (int i = 0; i < READS_PER_WAKEUP; i++) {
                ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);

                if (n > 0) {
                        say(a, 7, "guard %" PRIu64 ": %zd-byte record", c->id, n);
                        agent_proto_guard_packet(&a->proto, c->id, buf, (size_t)n, now_mono(), now_real(), &a->out);
                        apply(a);
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return G_SOURCE_CONTINUE;
                guard_drop(a, c, n == 0 ? "closed" : "failed");
                return G_SOURCE_REMOVE;
        }
        return G_SOURCE_CONTINUE;
}

static gboolean on_listen(int fd, GIOCondition cond, gpointer userdata)
{
        Agent *a = userdata;
        struct ucred cred;
        socklen_t sl = sizeof(cred);
        GuardConn *c;
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

        if (cfd < 0) {
                if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                        say(a, 4, "accept on %s: %m", a->opt.socket_path);
                return G_SOURCE_CONTINUE;
        }
        /* the socket file is world-writable so that a guard without
         * CAP_DAC_OVERRIDE can connect; the credentials are the gate */
        if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &sl) < 0 ||
            (cred.uid != 0 && cred.uid != getuid())) {
                say(a, 4, "refused a guard connection from uid %d (pid %d): only root and uid %u may connect",
                    (int)cred.uid, (int)cred.pid, (unsigned)getuid());
                close(cfd);
                return G_SOURCE_CONTINUE;
        }
        if (a->guards->len >= GUARDS_MAX) {
                say(a, 4, "refused a guard connection from pid %d: %u already open", (int)cred.pid, GUARDS_MAX);
                close(cfd);
                return G_SOURCE_CONTINUE;
        }
        c = g_new0(GuardConn, 1);
        c->agent = a;
        c->id = ++a->next_conn;
        c->fd = cfd;
        c->watch = g_unix_fd_add(cfd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_guard, c);
        g_ptr_array_add(a->guards, c);
        a->proto.guards = a->guards->len;
        say(a, 6, "guard connection %" PRIu64 " from pid %d (uid %u)", c->id, (int)cred.pid, (unsigned)cred.uid);
        return G_SOURCE_CONTINUE;
}

/* A socket file nobody listens on is what a crashed agent leaves behind;
 * one that still answers belongs to a running agent and stays. */
static int remove_stale(const char *path, const struct sockaddr_un *sa)
{
        struct stat st;
        int fd, r;

        if (lstat(path, &st) < 0)
                return errno == ENOENT ? 0 : -errno;
        if (!S_ISSOCK(st.st_mode))
                return -EEXIST;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
        close(fd);
        if (r == 0)
                return -EADDRINUSE;
        return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

static int listen_guard(Agent *a)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = a->opt.socket_path;
        int fd, r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        r = remove_stale(path, &sa);
        if (r < 0) {
                say(a, 3, "%s: %s", path, r == -EADDRINUSE ? "another agent listens there" : strerror(-r));
                return r;
        }
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 || listen(fd, 4) < 0) {
                r = -errno;
                say(a, 3, "listening on %s: %s", path, strerror(-r));
                close(fd);
                return r;
        }
        a->listen_fd = fd;
        a->listen_watch = g_unix_fd_add(fd, G_IO_IN, on_listen, a);
        say(a, 6, "listening for the guard on %s", path);
        return 0;
}

/* ---- life cycle --------------------------------------------------------- */

static gboolean on_tick(gpointer userdata)
{
        Agent *a = userdata;

        agent_proto_tick(&a->proto, now_mono(), &a->out);
        apply(a);
        return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer userdata)
{
        Agent *a = userdata;

        say(a, 6, "stopping");
        g_main_loop_quit(a->loop);
        return G_SOURCE_CONTINUE;
}

int agent_new(const AgentOptions *opt, Agent **ret)
{
        Agent *a = g_new0(Agent, 1);
        int r;

        a->opt = *opt;
        a->port_fd = -1;
        a->listen_fd = -1;
        a->loop = g_main_loop_new(NULL, FALSE);
        a->queue = g_string_new(NULL);
        a->guards = g_ptr_array_new_with_free_func(guard_free);
        agent_out_init(&a->out);
        agent_proto_init(&a->proto);
        r = jsonline_framer_init(&a->framer, 0);
        if (r >= 0)
                r = listen_guard(a);
        if (r < 0) {
                agent_free(a);
                return r;
        }
        *ret = a;
        return 0;
}

int agent_run(Agent *a)
{
        say(a, 6, "oomguard-agent %s, protocol %d, port %s", AGENT_VERSION, AGENT_PROTOCOL,
            a->opt.device ? a->opt.device : a->opt.port_name);
        if (port_open_now(a) < 0)
                port_schedule(a, PORT_RETRY_MS);
        a->tick = g_timeout_add(TICK_MS, on_tick, a);
        a->sigterm = g_unix_signal_add(SIGTERM, on_signal, a);
        a->sigint = g_unix_signal_add(SIGINT, on_signal, a);
        g_main_loop_run(a->loop);
        say(a, 6, "%" PRIu64 " host lines (%" PRIu64 " malformed, %" PRIu64 " refused), %" PRIu64
            " guard records (%" PRIu64 " malformed)", a->proto.host_lines, a->proto.host_malformed,
            a->proto.host_errors, a->proto.guard_records, a->proto.guard_malformed);
        return 0;
}

Agent *agent_free(Agent *a)
{
        if (!a)
                return NULL;
        port_close(a);
        g_clear_handle_id(&a->port_timer, g_source_remove);
        g_clear_handle_id(&a->tick, g_source_remove);
        g_clear_handle_id(&a->sigterm, g_source_remove);
        g_clear_handle_id(&a->sigint, g_source_remove);
        g_clear_handle_id(&a->listen_watch, g_source_remove);
        if (a->listen_fd >= 0) {
                close(a->listen_fd);
                unlink(a->opt.socket_path);
        }
        g_ptr_array_free(a->guards, TRUE);
        agent_out_done(&a->out);
        jsonline_framer_done(&a->framer);
        g_string_free(a->queue, TRUE);
        g_free(a->port_path);
        g_main_loop_unref(a->loop);
        g_free(a);
        return NULL;
}
