/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The guard's end of the local socket to oomguard-agent. Connects when
 * there is something to send; a missing agent is a result, not an error. */

#include <stdbool.h>
#include <stddef.h>

#include "wire.h"

typedef struct AgentLink {
        int fd;                 /* -1 while not connected */
        char path[108];
} AgentLink;

void agent_link_init(AgentLink *l, const char *path);
void agent_link_close(AgentLink *l);

/* Connects if needed and sends. Returns 0, or -ENOENT/-ECONNREFUSED when
 * no agent listens, or another negative errno. */
int agent_link_send(AgentLink *l, const void *record, size_t len);

/* Receives one packet from the connected agent: WIRE_DEFLATE_ANSWER with
 * *ans filled or WIRE_RELEASE with *rel filled, 0 when nothing (more) is
 * there, -EBADMSG for a malformed packet (dropped), -ECONNRESET when the
 * agent went away (the link closes). */
int agent_link_receive(AgentLink *l, WireDeflateAnswer *ans, WireRelease *rel);
