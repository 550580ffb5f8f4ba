/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads host.ini and prints every error as FILE:LINE: [section] key: text. */
#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "policy-file.h"

#define HOST_INI_MAX (256 * 1024)

static void print_errors(const char *path, const PolicyErrors *errs, FILE *out)
{
        for (unsigned i = 0; i < errs->n && i < POLICY_MAX_ERRORS; i++) {
                const PolicyError *e = &errs->e[i];
                g_autofree char *where = e->line ? g_strdup_printf("%s:%u", path, e->line) : g_strdup(path);

                fprintf(out, "%s: %s%s%s%s%s%s\n", where, e->section[0] ? "[" : "", e->section,
                        e->section[0] ? "] " : "", e->key, e->key[0] ? ": " : "", e->message);
        }
        if (errs->n > POLICY_MAX_ERRORS)
                fprintf(out, "%s: %u more errors\n", path, errs->n - POLICY_MAX_ERRORS);
}

int host_policy_load(const char *path, bool required, HostPolicy *ret, FILE *err)
{
        g_autoptr(GError) error = NULL;
        g_autofree char *text = NULL;
        PolicyErrors errs;
        gsize len;
        int k;

        if (!g_file_get_contents(path, &text, &len, &error)) {
                if (g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_NOENT) && !required) {
                        host_policy_init_defaults(ret);
                        return 0;
                }
                fprintf(err, "%s: %s\n", path, error->message);
                return -ENOENT;
        }
        if (len > HOST_INI_MAX) {
                fprintf(err, "%s: larger than %d bytes\n", path, HOST_INI_MAX);
                return -EFBIG;
        }
        if (strlen(text) != len) {
                fprintf(err, "%s: contains a NUL byte\n", path);
                return -EINVAL;
        }
        k = host_policy_parse(text, ret, &errs);
        if (k == -EINVAL)
                print_errors(path, &errs, err);
        else if (k < 0)
                fprintf(err, "%s: %s\n", path, strerror(-k));
        return k;
}
