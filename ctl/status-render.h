/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* oomguardctl status: asks the running guard on its status socket and
 * prints its answer, as sent (JSON) or for people. */

#include <stddef.h>
#include <stdio.h>

/* Reads the guard's whole answer into buf (at most size - 1 bytes, NUL
 * terminated). Returns its length, -ENOENT/-ECONNREFUSED when no guard
 * listens at path, -ETIMEDOUT after timeout_ms without an answer, or
 * another negative errno. */
int status_fetch(const char *path, int timeout_ms, char *buf, size_t size);

/* The answer as text; -EBADMSG (with a message on err) if it is not the
 * guard's JSON. */
int status_render_text(FILE *f, const char *json, size_t len, FILE *err);
