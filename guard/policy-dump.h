/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stdio.h>

#include "policy.h"

/* Writes the policy as INI that policy_parse() reads back to the same
 * Policy. With comments, every key carries its help, range and default:
 * that is the shipped /etc/oomguard/policy.ini and the --check-policy dump. */
void policy_dump(FILE *f, const Policy *p, bool comments);

/* The man page's key table (markdown), from the same table. */
void policy_dump_markdown(FILE *f);

/* oomguard.ini(5) in roff, from the same table: the man page is generated
 * at build time and cannot drift from the parser. */
void policy_dump_man(FILE *f);
