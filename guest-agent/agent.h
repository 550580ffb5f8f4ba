/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The oomguard-agent daemon: a GLib main loop around agent-proto, the
 * virtio-serial port (port.c) and the guard socket. */

#include <stdbool.h>

#define AGENT_DEFAULT_SOCKET "/run/oomguard-agent/agent.sock"
#define AGENT_DEFAULT_PORT "org.oomguard.0"

typedef struct AgentOptions {
        const char *socket_path;        /* guard socket to listen on */
        const char *port_name;          /* virtio-serial port name */
        const char *root;               /* prefix for port discovery, "/" normally */
        const char *device;             /* open this path instead of discovering (tests), or NULL */
        bool verbose;
} AgentOptions;

typedef struct Agent Agent;

/* Binds the guard socket (a stale socket file is replaced; one another
 * agent still listens on is not). Returns 0 or a negative errno. */
int agent_new(const AgentOptions *opt, Agent **ret);
/* Runs until SIGTERM or SIGINT. Returns 0. */
int agent_run(Agent *a);
Agent *agent_free(Agent *a);
