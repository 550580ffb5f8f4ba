/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config-errors.h"

#include <stdarg.h>

void config_error_add(ConfigErrors *errs, unsigned line, const char *section, const char *key, const char *fmt, ...)
{
        ConfigError *e = errs->n < CONFIG_MAX_ERRORS ? &errs->e[errs->n] : NULL;
        va_list ap;

        errs->n++;
        if (!e)
                return;
        *e = (ConfigError){ .line = line };
        snprintf(e->section, sizeof(e->section), "%s", section ? section : "");
        snprintf(e->key, sizeof(e->key), "%s", key ? key : "");
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
}

void config_errors_print(const ConfigErrors *errs, const char *path, FILE *out)
{
        for (unsigned i = 0; i < errs->n && i < CONFIG_MAX_ERRORS; i++) {
                const ConfigError *e = &errs->e[i];

                fprintf(out, "%s", path);
                if (e->line)
                        fprintf(out, ":%u", e->line);
                fprintf(out, ": ");
                if (e->section[0])
                        fprintf(out, "[%s] ", e->section);
                if (e->key[0])
                        fprintf(out, "%s: ", e->key);
                fprintf(out, "%s\n", e->message);
        }
        if (errs->n > CONFIG_MAX_ERRORS)
                fprintf(out, "%s: %u more errors\n", path, errs->n - CONFIG_MAX_ERRORS);
}
