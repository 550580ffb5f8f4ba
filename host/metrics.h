/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Per-domain counters in the Prometheus text format, for node-exporter's
 * textfile collector. */

#include <glib.h>

#include "relay.h"

/* Appends the exposition text for every domain of r to out. */
void metrics_render(const Relay *r, GString *out);

/* Writes metrics_render() to path atomically (temporary file + rename), so
 * a scraper never reads half a file. Returns 0 or a negative errno. */
int metrics_write(const Relay *r, const char *path);
