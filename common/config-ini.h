/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* INI text (policy.ini, host.ini) through libinih, with the line number of
 * every key. Debian's inih gives its handler no line number
 * (INI_HANDLER_LINENO is off in the distro library), so the text is fed to
 * ini_parse_stream() through our own line reader: inih asks it for one
 * line at a time and calls the handler for that line before asking for the
 * next, so the reader's count is the handler's line. The reader also
 * refuses what inih would silently reinterpret: a line longer than inih's
 * buffer (cut in two), an indented line (a continuation of the previous
 * value, INI_ALLOW_MULTILINE) and a section header without ']' (inih would
 * keep the previous section). */

#include "config-errors.h"

/* Called once per "key = value" line; section is "" before the first
 * [section]. Errors go to the ConfigErrors given to config_ini_parse(). */
typedef void (*ConfigIniHandler)(void *user, unsigned line, const char *section, const char *key, const char *value);

/* Parses NUL-terminated text. Every line inih cannot read becomes an error
 * in errs naming its line. Returns 0 (errors, if any, are in errs) or
 * -ENOMEM. */
int config_ini_parse(const char *text, ConfigErrors *errs, ConfigIniHandler handler, void *user);
