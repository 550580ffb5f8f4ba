/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oomguard-agent: relays between the guard's local socket and the host's
 * virtio-serial port. Runs without privileges; see README.md. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "agent.h"

int main(int argc, char **argv)
{
        g_autofree char *socket_path = NULL, *port_name = NULL, *root = NULL, *device = NULL;
        gboolean verbose = FALSE, version = FALSE;
        GOptionEntry entries[] = {
                { "socket", 's', 0, G_OPTION_ARG_FILENAME, &socket_path,
                  "Guard socket to listen on (default " AGENT_DEFAULT_SOCKET ")", "PATH" },
                { "port", 'p', 0, G_OPTION_ARG_STRING, &port_name,
                  "virtio-serial port name (default " AGENT_DEFAULT_PORT ")", "NAME" },
                { "root", 'r', 0, G_OPTION_ARG_FILENAME, &root,
                  "Look for the port below DIR (default /)", "DIR" },
                { "device", 'd', 0, G_OPTION_ARG_FILENAME, &device,
                  "Open PATH (a character device or a unix stream socket) instead of looking for the port", "PATH" },
                { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log every message", NULL },
                { "version", 'V', 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL },
                {},
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- oomguard's guest agent");
        g_autoptr(GError) error = NULL;
        AgentOptions opt;
        Agent *a = NULL;
        int r;

        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
                fprintf(stderr, "oomguard-agent: %s\n", error->message);
                return 2;
        }
        if (argc > 1) {
                fprintf(stderr, "oomguard-agent: unexpected argument '%s'\n", argv[1]);
                return 2;
        }
        if (version) {
                printf("oomguard-agent %s\n", "0.1.0");
                return 0;
        }
        opt = (AgentOptions){
                .socket_path = socket_path ? socket_path : AGENT_DEFAULT_SOCKET,
                .port_name = port_name ? port_name : AGENT_DEFAULT_PORT,
                .root = root ? root : "/",
                .device = device,
                .verbose = verbose,
        };
        if (!opt.port_name[0] || strchr(opt.port_name, '/')) {
                fprintf(stderr, "oomguard-agent: --port: '%s' is not a port name\n", opt.port_name);
                return 2;
        }
        /* a host that closes its end must not kill us on write() */
        signal(SIGPIPE, SIG_IGN);
        r = agent_new(&opt, &a);
        if (r < 0) {
                fprintf(stderr, "<3>oomguard-agent: cannot start: %s\n", strerror(-r));
                return 1;
        }
        r = agent_run(a);
        agent_free(a);
        return r < 0 ? 1 : 0;
}
