/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads host.ini and prints every error as FILE:LINE: [section] key: text. */
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "config-file.h"
#include "policy-file.h"

static int parse(const char *text, void *ret, ConfigErrors *errs)
{
        return host_policy_parse(text, ret, errs);
}

int host_policy_load(const char *path, bool required, HostPolicy *ret, FILE *err)
{
        int r = config_file_load(path, required, parse, ret, err);

        if (r == -ENOENT && !required) {
                host_policy_init_defaults(ret);
                return 0;
        }
        return r;
}
