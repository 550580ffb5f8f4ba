/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Renders the zone/watermark model for people (an aligned table) and for
 * programs (JSON with units in the key names). */

#include <stdio.h>

#include "model.h"
#include "sample.h"

void zones_report_text(FILE *f, const Sample *s, const Model *m, unsigned order);
void zones_report_json(FILE *f, const Sample *s, const Model *m, unsigned order);
