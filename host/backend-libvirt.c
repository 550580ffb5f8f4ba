/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libvirt: every running domain whose XML has
 *   <channel type='unix'><target type='virtio' name='org.oomguard.0'/></channel>
 * is opened with virDomainOpenChannel() (libvirt src/libvirt-domain.c) and
 * followed through lifecycle events. libvirt's event loop runs in a thread
 * of its own (virEventRunDefaultImpl); its callbacks only copy what they
 * got and post it to the relay's main context, so the relay stays
 * single-threaded. Grants go through virDomainSetMemoryFlags(LIVE), which
 * keeps libvirt's <currentMemory> right (qemuDomainSetMemoryFlags()), never raw QMP. */
#include <errno.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "hostlog.h"
#include "reclaim.h"

#define OUT_MAX (1024 * 1024)
#define REOPEN_MS 1000
#define STREAM_EVENTS (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)

typedef struct LvDomain LvDomain;

/* Shared with libvirt's thread: the callback's opaque. Reference counted
 * because libvirt frees it (ff) whenever it likes. */
/* What libvirt's thread may have read but the relay's thread not yet
 * handled, per stream. A guest writing flat out while the relay waits in a
 * synchronous libvirt call must not grow the host's memory without bound:
 * above this, its bytes are read and dropped, and counted as a flood. */
#define LV_QUEUED_MAX (1 << 20)

typedef struct LvStream {
        gint ref;
        gint queued;            /* bytes posted, not yet handled */
        gint dropped;           /* bytes dropped since the relay last looked */
        LibvirtBackend *backend;
        virStreamPtr st;
        char name[HOST_POLICY_NAME_MAX];
} LvStream;

struct LvDomain {
        LibvirtBackend *backend;
        RelayDomain *rd;
        virDomainPtr dom;
        LvStream *stream;       /* NULL: not open */
        GByteArray *out;
        bool want_writable;
        guint reopen_timer;
};

struct LibvirtBackend {
        Relay *relay;
        virConnectPtr conn;
        GMainContext *ctx;      /* the relay's */
        GThread *thread;
        gint stop;
        int lifecycle_id, balloon_id;
        GPtrArray *domains;     /* LvDomain */
};

typedef enum { MSG_DATA, MSG_HANGUP, MSG_WRITABLE, MSG_STARTED, MSG_STOPPED, MSG_BALLOON } MsgType;

typedef struct Msg {
        MsgType type;
        LibvirtBackend *backend;
        LvStream *stream;       /* DATA, HANGUP, WRITABLE */
        char name[HOST_POLICY_NAME_MAX];
        GBytes *data;
} Msg;

static LvStream *stream_ref(LvStream *s)
{
        g_atomic_int_inc(&s->ref);
        return s;
}

static void stream_unref(void *p)
{
        LvStream *s = p;

        if (s && g_atomic_int_dec_and_test(&s->ref)) {
                virStreamFree(s->st);
                g_free(s);
        }
}

static void msg_free(gpointer p)
{
        Msg *m = p;

        stream_unref(m->stream);
        if (m->data)
                g_bytes_unref(m->data);
        g_free(m);
}

static gboolean msg_handle(gpointer p);

static void post(LibvirtBackend *b, MsgType type, LvStream *s, const char *name, GBytes *data)
{
        Msg *m = g_new0(Msg, 1);

        m->type = type;
        m->backend = b;
        m->stream = s ? stream_ref(s) : NULL;
        g_strlcpy(m->name, name, sizeof(m->name));
        m->data = data;
        g_main_context_invoke_full(b->ctx, G_PRIORITY_DEFAULT, msg_handle, m, msg_free);
}

/* ---- libvirt's thread ------------------------------------------------- */

static void stream_event(virStreamPtr st, int events, void *opaque)
{
        LvStream *s = opaque;

        if (events & VIR_STREAM_EVENT_READABLE) {
                char buf[16384];
                int n;

                /* Drain until it would block (virStreamRecv() -2); 0 is EOF. */
                while ((n = virStreamRecv(st, buf, sizeof(buf))) > 0) {
                        if (g_atomic_int_get(&s->queued) >= LV_QUEUED_MAX) {
                                g_atomic_int_add(&s->dropped, n);
                                continue;
                        }
                        g_atomic_int_add(&s->queued, n);
                        post(s->backend, MSG_DATA, s, s->name, g_bytes_new(buf, (gsize)n));
                }
                if (n == 0 || n == -1)
                        events |= VIR_STREAM_EVENT_HANGUP;
        }
        if (events & (VIR_STREAM_EVENT_HANGUP | VIR_STREAM_EVENT_ERROR)) {
                post(s->backend, MSG_HANGUP, s, s->name, NULL);
                /* Whoever removes the callback drops its reference. */
                if (virStreamEventRemoveCallback(st) == 0)
                        stream_unref(s);
                return;
        }
        if (events & VIR_STREAM_EVENT_WRITABLE)
                post(s->backend, MSG_WRITABLE, s, s->name, NULL);
}

static int lifecycle_event(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
        LibvirtBackend *b = opaque;

        if (event == VIR_DOMAIN_EVENT_STARTED || event == VIR_DOMAIN_EVENT_RESUMED)
                post(b, MSG_STARTED, NULL, virDomainGetName(dom), NULL);
        else if (event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_SHUTDOWN)
                post(b, MSG_STOPPED, NULL, virDomainGetName(dom), NULL);
        return 0;
}

/* The balloon moved (anyone's target): the relay reads it again at once, so
 * that a move it did not make is adopted rather than fought (reclaim.c). */
static void balloon_event(virConnectPtr conn, virDomainPtr dom, unsigned long long actual, void *opaque)
{
        post(opaque, MSG_BALLOON, NULL, virDomainGetName(dom), NULL);
}

static gpointer event_thread(gpointer p)
{
        LibvirtBackend *b = p;

        while (!g_atomic_int_get(&b->stop))
                if (virEventRunDefaultImpl() < 0)
                        break;
        return NULL;
}

static void wake_timeout(int timer, void *opaque)
{
        LibvirtBackend *b = opaque;

        virEventRemoveTimeout(timer);
        g_atomic_int_set(&b->stop, 1);
}

/* Drops the callback's reference on libvirt's thread: a timer cannot run
 * while a stream callback is still being dispatched there. */
static void unref_timeout(int timer, void *opaque)
{
        virEventRemoveTimeout(timer);
        stream_unref(opaque);
}

/* ---- the relay's thread ----------------------------------------------- */

static const char *last_error(void)
{
        virErrorPtr e = virGetLastError();

        return e && e->message ? e->message : "unknown libvirt error";
}

static LvDomain *find(LibvirtBackend *b, const char *name)
{
        for (guint i = 0; i < b->domains->len; i++) {
                LvDomain *d = g_ptr_array_index(b->domains, i);

                if (strcmp(d->rd->name, name) == 0)
                        return d;
        }
        return NULL;
}

static void channel_close(LvDomain *d)
{
        LvStream *s = d->stream;

        if (!s)
                return;
        d->stream = NULL;
        if (virStreamEventRemoveCallback(s->st) == 0 && virEventAddTimeout(0, unref_timeout, s, NULL) < 0)
                stream_unref(s);
        virStreamAbort(s->st);
        stream_unref(s);
        g_byte_array_set_size(d->out, 0);
        d->want_writable = false;
        relay_disconnected(d->backend->relay, d->rd);
}

static void reopen_later(LvDomain *d, guint ms);

static gboolean channel_open(gpointer p)
{
        LvDomain *d = p;
        LibvirtBackend *b = d->backend;
        LvStream *s;

        d->reopen_timer = 0;
        s = g_new0(LvStream, 1);
        s->ref = 1;
        s->backend = b;
        g_strlcpy(s->name, d->rd->name, sizeof(s->name));
        s->st = virStreamNew(b->conn, VIR_STREAM_NONBLOCK);
        /* The callback's reference, taken before it can run and drop it. */
        stream_ref(s);
        /* FORCE: a relay that died may have left its stream behind (virDomainOpenChannel()). */
        if (!s->st || virDomainOpenChannel(d->dom, OOMGUARD_PORT_NAME, s->st, VIR_DOMAIN_CHANNEL_FORCE) < 0 ||
            virStreamEventAddCallback(s->st, STREAM_EVENTS, stream_event, s, NULL) < 0) {
                hostlog(b->relay->log_flags, LOG_WARNING, d->rd->name, "cannot open channel %s: %s", OOMGUARD_PORT_NAME,
                        last_error());
                if (s->st)
                        virStreamAbort(s->st);
                stream_unref(s);
                stream_unref(s);
                reopen_later(d, REOPEN_MS * 5);
                return G_SOURCE_REMOVE;
        }
        d->stream = s;
        hostlog(b->relay->log_flags, LOG_INFO, d->rd->name, "channel %s open", OOMGUARD_PORT_NAME);
        (void)relay_connected(b->relay, d->rd, host_random_id(), host_now_usec());
        return G_SOURCE_REMOVE;
}

static void reopen_later(LvDomain *d, guint ms)
{
        if (!d->reopen_timer)
                d->reopen_timer = host_timeout_add(ms, channel_open, d);
}

static void set_writable(LvDomain *d, bool on)
{
        if (d->want_writable == on || !d->stream)
                return;
        d->want_writable = on;
        virStreamEventUpdateCallback(d->stream->st, STREAM_EVENTS | (on ? VIR_STREAM_EVENT_WRITABLE : 0));
}

static int flush(LvDomain *d)
{
        while (d->out->len > 0) {
                int n = virStreamSend(d->stream->st, (const char *)d->out->data, d->out->len);

                if (n == -2) {
                        set_writable(d, true);
                        return 0;
                }
                if (n < 0)
                        return -EIO;
                g_byte_array_remove_range(d->out, 0, (guint)n);
        }
        set_writable(d, false);
        return 0;
}

static int lv_send(void *handle, const char *data, size_t len)
{
        LvDomain *d = handle;

        if (!d->stream)
                return -ENOTCONN;
        if (d->out->len + len > OUT_MAX) {
                /* The guest does not read: start over on a new stream. */
                hostlog(d->backend->relay->log_flags, LOG_WARNING, d->rd->name, "guest does not read its port, reopening");
                channel_close(d);
                reopen_later(d, REOPEN_MS);
                return -ENOBUFS;
        }
        g_byte_array_append(d->out, (const guint8 *)data, (guint)len);
        return flush(d);
}

static int lv_get_memory(void *handle, uint64_t *ret_actual_kb, uint64_t *ret_maximum_kb)
{
        LvDomain *d = handle;
        virDomainInfo info;
        unsigned long max;

        if (virDomainGetInfo(d->dom, &info) < 0)
                return -EIO;
        max = virDomainGetMaxMemory(d->dom);
        if (max == 0)
                return -EIO;
        *ret_actual_kb = info.memory;
        *ret_maximum_kb = max;
        return 0;
}

static int lv_set_target(void *handle, uint64_t target_kb)
{
        LvDomain *d = handle;

        if (virDomainSetMemoryFlags(d->dom, (unsigned long)target_kb, VIR_DOMAIN_AFFECT_LIVE) < 0) {
                hostlog(d->backend->relay->log_flags, LOG_ERR, d->rd->name, "virDomainSetMemoryFlags: %s", last_error());
                return -EIO;
        }
        return 0;
}

/* libvirt has no call for QEMU's pid; its QEMU driver writes it to
 * RUNDIR/NAME.pid (src/qemu/qemu_process.c: qemuProcessLaunch()), RUNDIR
 * being /run/libvirt/qemu for qemu:///system. */
#define LV_QEMU_RUNDIR "/run/libvirt/qemu"

static int lv_get_pid(void *handle, int *ret_pid)
{
        LvDomain *d = handle;
        g_autofree char *path = g_strdup_printf("%s/%s.pid", LV_QEMU_RUNDIR, d->rd->name), *text = NULL;
        char *end;
        long pid;

        if (!g_file_get_contents(path, &text, NULL, NULL))
                return -ENOENT;
        pid = strtol(text, &end, 10);
        if (end == text || pid <= 0 || pid > INT32_MAX)
                return -EINVAL;
        *ret_pid = (int)pid;
        return 0;
}

const Backend libvirt_backend_ops = {
        .get_memory = lv_get_memory,
        .set_target = lv_set_target,
        .send = lv_send,
        .get_pid = lv_get_pid,
};

/* Looks for our channel in the domain's live XML. The XML comes from
 * libvirt, not the guest; GMarkup is enough for it. */
typedef struct XmlScan {
        unsigned depth_channel; /* depth of the open <channel type='unix'>, 0 if none */
        unsigned depth;
        bool found;
} XmlScan;

static void xml_start(GMarkupParseContext *c, const char *el, const char **names, const char **values, gpointer p,
                      GError **error)
{
        XmlScan *x = p;
        const char *type = NULL, *name = NULL;

        x->depth++;
        for (size_t i = 0; names[i]; i++) {
                if (strcmp(names[i], "type") == 0)
                        type = values[i];
                else if (strcmp(names[i], "name") == 0)
                        name = values[i];
        }
        if (strcmp(el, "channel") == 0 && type && strcmp(type, "unix") == 0)
                x->depth_channel = x->depth;
        else if (x->depth_channel && x->depth == x->depth_channel + 1 && strcmp(el, "target") == 0 && type &&
                 strcmp(type, "virtio") == 0 && name && strcmp(name, OOMGUARD_PORT_NAME) == 0)
                x->found = true;
}

static void xml_end(GMarkupParseContext *c, const char *el, gpointer p, GError **error)
{
        XmlScan *x = p;

        if (x->depth == x->depth_channel)
                x->depth_channel = 0;
        x->depth--;
}

static bool has_channel(virDomainPtr dom)
{
        static const GMarkupParser parser = { .start_element = xml_start, .end_element = xml_end };
        g_autofree char *xml = virDomainGetXMLDesc(dom, 0);
        XmlScan x = { 0 };
        GMarkupParseContext *c;

        if (!xml)
                return false;
        c = g_markup_parse_context_new(&parser, 0, &x, NULL);
        if (!g_markup_parse_context_parse(c, xml, -1, NULL))
                x.found = false;
        g_markup_parse_context_free(c);
        return x.found;
}

static void domain_add(LibvirtBackend *b, virDomainPtr dom)
{
        const char *name = virDomainGetName(dom);
        LvDomain *d;

        if (!name || find(b, name) || !has_channel(dom))
                return;
        d = g_new0(LvDomain, 1);
        d->backend = b;
        d->out = g_byte_array_new();
        d->rd = relay_add(b->relay, name, d, host_now_usec());
        if (!d->rd) {
                hostlog(b->relay->log_flags, LOG_ERR, name, "not followed: too many domains or a name too long");
                g_byte_array_unref(d->out);
                g_free(d);
                return;
        }
        virDomainRef(dom);
        d->dom = dom;
        g_ptr_array_add(b->domains, d);
        channel_open(d);
}

static void domain_free(gpointer p)
{
        LvDomain *d = p;

        if (d->reopen_timer)
                host_source_remove(d->reopen_timer);
        channel_close(d);
        relay_remove(d->backend->relay, d->rd);
        virDomainFree(d->dom);
        g_byte_array_unref(d->out);
        g_free(d);
}

static gboolean msg_handle(gpointer p)
{
        Msg *m = p;
        LibvirtBackend *b = m->backend;
        LvDomain *d = find(b, m->name);
        virDomainPtr dom;

        switch (m->type) {
        case MSG_STARTED:
                dom = virDomainLookupByName(b->conn, m->name);
                if (dom) {
                        domain_add(b, dom);
                        virDomainFree(dom);
                }
                break;
        case MSG_STOPPED:
                if (d) {
                        hostlog(b->relay->log_flags, LOG_INFO, m->name, "domain stopped");
                        g_ptr_array_remove(b->domains, d);
                }
                break;
        case MSG_DATA:
                g_atomic_int_add(&m->stream->queued, -(gint)g_bytes_get_size(m->data));
                /* Data of a stream we already closed is stale. */
                if (d && d->stream == m->stream) {
                        gint dropped = g_atomic_int_and(&m->stream->dropped, 0);

                        if (dropped > 0)
                                relay_problem(d->rd, PROBLEM_FLOOD, "more than 1 MiB waiting; bytes dropped");
                        relay_feed(b->relay, d->rd, g_bytes_get_data(m->data, NULL), g_bytes_get_size(m->data),
                                   host_now_usec());
                }
                break;
        case MSG_WRITABLE:
                if (d && d->stream == m->stream && flush(d) < 0) {
                        channel_close(d);
                        reopen_later(d, REOPEN_MS);
                }
                break;
        case MSG_BALLOON:
                if (d) {
                        uint64_t actual, maximum;

                        if (lv_get_memory(d, &actual, &maximum) >= 0)
                                reclaim_observe(d->rd, actual, maximum, host_now_usec());
                }
                break;
        case MSG_HANGUP:
        default:
                if (d && d->stream == m->stream) {
                        hostlog(b->relay->log_flags, LOG_INFO, m->name, "channel closed");
                        channel_close(d);
                        reopen_later(d, REOPEN_MS);
                }
                break;
        }
        return G_SOURCE_REMOVE;
}

/* libvirt prints every error to stderr by default; ours are logged where
 * they matter, with the domain, and the rest (a stream already gone) is
 * expected noise. */
static void quiet_errors(void *user, virErrorPtr e)
{
}

int libvirt_backend_new(Relay *relay, const char *uri, LibvirtBackend **ret)
{
        LibvirtBackend *b;
        virDomainPtr *doms = NULL;
        int n;

        virSetErrorFunc(NULL, quiet_errors);
        /* Before the connection, or it has no event loop (virEventRegisterDefaultImpl()). */
        if (virEventRegisterDefaultImpl() < 0)
                return -EIO;
        b = g_new0(LibvirtBackend, 1);
        b->relay = relay;
        b->ctx = g_main_context_ref_thread_default();
        b->lifecycle_id = b->balloon_id = -1;
        b->domains = g_ptr_array_new_with_free_func(domain_free);
        b->conn = virConnectOpen(uri);
        if (!b->conn) {
                hostlog(relay->log_flags | HOSTLOG_STDERR, LOG_ERR, NULL, "cannot connect to %s: %s",
                        uri ? uri : "libvirt", last_error());
                libvirt_backend_free(b);
                return -ECONNREFUSED;
        }
        b->lifecycle_id = virConnectDomainEventRegisterAny(b->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                                           VIR_DOMAIN_EVENT_CALLBACK(lifecycle_event), b, NULL);
        if (b->lifecycle_id < 0)
                hostlog(relay->log_flags, LOG_WARNING, NULL, "no lifecycle events: %s", last_error());
        b->balloon_id = virConnectDomainEventRegisterAny(b->conn, NULL, VIR_DOMAIN_EVENT_ID_BALLOON_CHANGE,
                                                         VIR_DOMAIN_EVENT_CALLBACK(balloon_event), b, NULL);
        b->thread = g_thread_new("libvirt-events", event_thread, b);
        n = virConnectListAllDomains(b->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        for (int i = 0; i < n; i++) {
                domain_add(b, doms[i]);
                virDomainFree(doms[i]);
        }
        free(doms);
        *ret = b;
        return 0;
}

void libvirt_backend_free(LibvirtBackend *b)
{
        if (!b)
                return;
        g_ptr_array_unref(b->domains);
        if (b->lifecycle_id >= 0)
                virConnectDomainEventDeregisterAny(b->conn, b->lifecycle_id);
        if (b->balloon_id >= 0)
                virConnectDomainEventDeregisterAny(b->conn, b->balloon_id);
        if (b->thread) {
                /* A timer due now wakes virEventRunDefaultImpl(); it runs
                 * after the unref timers the domains' removal queued. */
                virEventAddTimeout(0, wake_timeout, b, NULL);
                g_thread_join(b->thread);
        }
        if (b->conn)
                virConnectClose(b->conn);
        g_main_context_unref(b->ctx);
        g_free(b);
}
