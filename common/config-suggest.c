/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config-suggest.h"

#include <stdio.h>
#include <string.h>

unsigned config_edit_distance(const char *a, const char *b)
{
        /* Optimal string alignment distance over three rolling rows. */
        unsigned rows[3][CONFIG_SUGGEST_MAX_LEN + 1];
        size_t la = strlen(a), lb = strlen(b);

        if (la > CONFIG_SUGGEST_MAX_LEN || lb > CONFIG_SUGGEST_MAX_LEN)
                return CONFIG_SUGGEST_FAR;
        for (size_t j = 0; j <= lb; j++)
                rows[0][j] = (unsigned)j;
        for (size_t i = 1; i <= la; i++) {
                unsigned *prev2 = rows[(i + 1) % 3], *prev = rows[(i + 2) % 3], *cur = rows[i % 3];

                cur[0] = (unsigned)i;
                for (size_t j = 1; j <= lb; j++) {
                        unsigned cost = a[i - 1] != b[j - 1], d = prev[j - 1] + cost;

                        if (prev[j] + 1 < d)
                                d = prev[j] + 1;
                        if (cur[j - 1] + 1 < d)
                                d = cur[j - 1] + 1;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] && prev2[j - 2] + 1 < d)
                                d = prev2[j - 2] + 1;
                        cur[j] = d;
                }
        }
        return rows[la % 3][lb];
}

void config_suggest_init(ConfigSuggest *s, const char *word)
{
        *s = (ConfigSuggest){ .word = word, .best_distance = CONFIG_SUGGEST_FAR };
}

void config_suggest_offer(ConfigSuggest *s, const char *candidate)
{
        size_t len = strlen(s->word), clen = strlen(candidate), shorter = len < clen ? len : clen;
        /* A typo: two edits, or up to a third of a longer word (a word
         * left out of a long key name). Further is another name. */
        size_t allowed = len / 3 > 2 ? len / 3 : 2, apart = len > clen ? len - clen : clen - len;
        unsigned d;

        if (shorter >= 4 && strncmp(s->word, candidate, shorter) == 0)
                d = apart < 2 ? (unsigned)apart : 2;    /* cut short or run on: "oom_score" for "oom_score_adj" */
        else if (apart > allowed)
                return; /* at least that many edits apart */
        else
                d = config_edit_distance(s->word, candidate);
        if (d == 0 || d >= len || d > allowed)
                return;
        if (d < s->best_distance) {
                s->best = candidate;
                s->best_distance = d;
        }
}

const char *config_suggest_hint(const ConfigSuggest *s, const char *open, const char *close, char *buf, size_t size)
{
        if (!s->best)
                return "";
        snprintf(buf, size, "; did you mean %s%s%s?", open, s->best, close);
        return buf;
}
