/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "host-policy.h"

/* Loads and parses host.ini; errors are printed to err, one per line, as
 * FILE:LINE: [section] key: message. A missing file gives the defaults
 * unless required. Returns 0 or a negative errno. */
int host_policy_load(const char *path, bool required, HostPolicy *ret, FILE *err);
