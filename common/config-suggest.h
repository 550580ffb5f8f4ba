/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* "Did you mean ...?" for an unknown section or key: the known name
 * closest to what was written, when it is close enough to be a typo. No
 * allocation; the caller offers every name it knows. */

#include <stdbool.h>
#include <stddef.h>

typedef struct ConfigSuggest {
        const char *word;
        const char *best;       /* NULL until a candidate is close enough */
        unsigned best_distance;
} ConfigSuggest;

void config_suggest_init(ConfigSuggest *s, const char *word);

/* Considers one known name; the first of equally close ones wins. */
void config_suggest_offer(ConfigSuggest *s, const char *candidate);

/* "; did you mean OPEN BEST CLOSE?" ("; did you mean [levels]?") in buf
 * when a candidate was close enough, else "". Returns the text. */
const char *config_suggest_hint(const ConfigSuggest *s, const char *open, const char *close, char *buf, size_t size);

/* Edits (insert, delete, replace, swap two neighbours) from a to b, or
 * CONFIG_SUGGEST_FAR when either is longer than CONFIG_SUGGEST_MAX_LEN. */
#define CONFIG_SUGGEST_MAX_LEN 63
#define CONFIG_SUGGEST_FAR 1000u
unsigned config_edit_distance(const char *a, const char *b);
