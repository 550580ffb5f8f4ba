/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "agent-link.h"
#include "wire-report.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

void agent_link_init(AgentLink *l, const char *path)
{
        l->fd = -1;
        snprintf(l->path, sizeof(l->path), "%s", path);
}

void agent_link_close(AgentLink *l)
{
        if (l->fd >= 0)
                close(l->fd);
        l->fd = -1;
}

static int connect_agent(AgentLink *l)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (!l->path[0])
                return -ENOENT;
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        memcpy(sa.sun_path, l->path, strlen(l->path));
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        l->fd = fd;
        return 0;
}

int agent_link_send(AgentLink *l, const void *record, size_t len)
{
        int r;

        if (l->fd < 0 && (r = connect_agent(l)) < 0)
                return r;
        if (send(l->fd, record, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
                r = -errno;
                agent_link_close(l);    /* the next request reconnects */
                return r;
        }
        return 0;
}

int agent_link_receive(AgentLink *l, WireDeflateAnswer *ans, WireRelease *rel)
{
        /* one byte more than the largest record, so an oversized packet shows */
        unsigned char buf[(sizeof(WireDeflateAnswer) > sizeof(WireRelease) ? sizeof(WireDeflateAnswer) : sizeof(WireRelease)) + 1];
        ssize_t n;

        if (l->fd < 0)
                return 0;
        n = recv(l->fd, buf, sizeof(buf), MSG_DONTWAIT);
        if (n < 0)
                return errno == EAGAIN || errno == EINTR ? 0 : (agent_link_close(l), -ECONNRESET);
        if (n == 0) {
                agent_link_close(l);
                return -ECONNRESET;
        }
        return wire_parse_inbound(buf, (size_t)n, ans, rel);
}
