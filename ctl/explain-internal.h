/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What the files of explain share (callers use explain.h):
 *   explain.c         the driver, cause names, the kernel and GFP of the request
 *   explain-zones.c   zone verdicts under the watermark model, zone causes
 *   explain-causes.c  where memory went; every cause that is not a zone's */

#include "explain.h"

/* Adds a cause once (a second of the same code is dropped). */
void explain_add_cause(Explanation *x, CauseCode code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The page size the free-block lines show (their first size is one page). */
unsigned explain_page_kb(const OomReport *r);
void explain_zone_verdicts(const OomReport *r, Explanation *x);
void explain_zone_causes(const OomReport *r, const Explanation *xc, Explanation *x);
void explain_breakdown(const OomReport *r, Explanation *x);
void explain_other_causes(const OomReport *r, Explanation *x);
void explain_add_note(Explanation *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The report's zones as a Sample the guard's model reads (explain-zones.c). */
void explain_to_sample(const OomReport *r, unsigned page_kb, Sample *s);
/* What oomguard would have done: the guard's own decision, with the
 * shipped policy, on the report's figures (explain-oomguard.c). */
void explain_oomguard(const OomReport *r, Explanation *x);
