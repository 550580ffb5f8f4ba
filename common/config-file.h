/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Reads a configuration file (policy.ini, host.ini) whole, for a pure
 * parser to take from a buffer. The one loader guard, oomguardctl and
 * oomguard-host share. */

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "config-errors.h"

#define CONFIG_FILE_MAX (256 * 1024)

/* Reads PATH into a NUL-terminated buffer the caller frees. Refuses, with
 * a line on err naming the file and why: anything but a regular file
 * (opened O_NONBLOCK, so a FIFO never blocks the caller), more than
 * CONFIG_FILE_MAX bytes, and a NUL byte. Returns 0, or the negative errno
 * of the failure itself (-EACCES stays -EACCES). -ENOENT is returned
 * without a message when !required, so the caller can fall back. */
int config_file_read(const char *path, bool required, char **ret_text, FILE *err);

/* A pure parser from text: policy_parse(), host_policy_parse(). */
typedef int (*ConfigParseFn)(const char *text, void *ret, ConfigErrors *errs);

/* config_file_read(), then parse; every parse error is printed as
 * "PATH:LINE: [section] key: message". Returns 0, -ENOENT (quietly, when
 * !required, so the caller can use its defaults) or a negative errno. */
int config_file_load(const char *path, bool required, ConfigParseFn parse, void *ret, FILE *err);
