/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* cmocka needs these before its header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "sample.h"

/* FIXTURES_DIR is set by tests/meson.build to the source tree's fixtures. */
#define FIXTURE_ROOT(name) FIXTURES_DIR "/roots/" name

/* Reads a whole fixture file (relative to FIXTURES_DIR) into a malloc'ed,
 * NUL-terminated buffer; fails the test if it cannot. */
char *fixture_read(const char *relpath, size_t *ret_len);

/* A full sample of a fixture tree through the production reader. */
Sample *fixture_sample(const char *root);

/* Finds a zone by node id and name; fails the test if absent. */
const ZoneSample *fixture_zone(const Sample *s, int node, const char *name);
