/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Errors found in a configuration file (policy.ini, host.ini), each with
 * the line, section and key it is about, so a message can name them. */

#include <stdio.h>

/* A socket path fits struct sockaddr_un's sun_path. */
#define CONFIG_PATH_MAX 108

#define CONFIG_MAX_ERRORS 16

typedef struct ConfigError {
        unsigned line;          /* 0: not tied to one line */
        char section[32], key[48];
        char message[256];      /* room for a cross-field rule naming every key, value and line */
} ConfigError;

typedef struct ConfigErrors {
        unsigned n;             /* may exceed CONFIG_MAX_ERRORS; only the first are kept */
        ConfigError e[CONFIG_MAX_ERRORS];
} ConfigErrors;

/* Appends one error; counted even when there is no room left to keep it. */
void config_error_add(ConfigErrors *errs, unsigned line, const char *section, const char *key, const char *fmt, ...)
        __attribute__((format(printf, 5, 6)));

/* "PATH:LINE: [section] key: message", one a line, then "N more errors". */
void config_errors_print(const ConfigErrors *errs, const char *path, FILE *out);
