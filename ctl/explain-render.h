/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdio.h>

#include "explain.h"
#include "oomreport.h"

/* Readable text: the request, the zones at min, where memory went, the
 * kill, the causes with their figures, and what oomguard would have done. */
void explain_render_text(FILE *f, unsigned index, const OomReport *r, const Explanation *x);

/* One JSON object per report, every figure with its unit in the key name. */
void explain_render_json(FILE *f, unsigned index, const OomReport *r, const Explanation *x);
