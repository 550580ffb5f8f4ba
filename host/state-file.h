/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Reading and writing a domain's state file (state.h) in the state
 * directory (oomguard-host --state-dir, default /var/lib/oomguard-host). */

#include <stddef.h>

#include "state.h"

#define STATE_FILE_NAME_MAX 256         /* a 63-byte domain name, every byte escaped, + ".state" */

/* Creates the directory (0700) when missing; returns an O_DIRECTORY fd. */
int state_dir_open(const char *path);

/* Returns 0, -ENOENT when the domain has no state yet, -EBADMSG with err
 * set when the file is not one this relay wrote, or another -errno. */
int state_file_load(int dir_fd, const char *domain, DomainState *ret, char *err, size_t errlen);

/* Replaces the domain's file atomically and durably. */
int state_file_save(int dir_fd, const char *domain, const DomainState *st);

/* This boot's id (/proc/sys/kernel/random/boot_id), for telling whether
 * the CLOCK_MONOTONIC times in a state file are of this boot. */
int state_boot_id(char *buf, size_t size);
