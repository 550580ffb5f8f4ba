/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "oomreport-scanner.h"

static const char *const triggers[] = { "oom-killer:", "page allocation failure", "Killed process ", "oom-kill:",
                                        "Mem-Info:", "memory: usage ", "Kill process ", "kill process " };
_Static_assert(sizeof(triggers) / sizeof(triggers[0]) == N_TRIGGERS, "one length per trigger");


static uint16_t block(const char *b)
{
        return (uint16_t)((unsigned char)b[0] << 8 | (unsigned char)b[1]);
}

void scanner_init(TriggerScanner *sc)
{
        memset(sc->shift, SCAN_MIN - 1, sizeof(sc->shift));
        for (size_t t = 0; t < N_TRIGGERS; t++) {
                sc->len[t] = strlen(triggers[t]);
                for (size_t q = 1; q < SCAN_MIN; q++) {
                        uint16_t h = block(triggers[t] + q - 1);
                        uint8_t sh = (uint8_t)(SCAN_MIN - 1 - q);

                        if (sh < sc->shift[h])
                                sc->shift[h] = sh;
                }
                sc->tail[t] = block(triggers[t] + SCAN_MIN - 2);
        }
}

/* The first trigger at or after p, or NULL. */
const char *scanner_next(const TriggerScanner *sc, const char *p, const char *end)
{
        const char *i = p + SCAN_MIN - 1;

        while (i < end) {
                uint16_t h = block(i - 1);
                uint8_t sh = sc->shift[h];

                if (sh) {
                        i += sh;
                        continue;
                }
                for (size_t t = 0; t < N_TRIGGERS; t++) {
                        const char *start = i - (SCAN_MIN - 1);

                        if (sc->tail[t] == h && (size_t)(end - start) >= sc->len[t] &&
                            memcmp(start, triggers[t], sc->len[t]) == 0)
                                return start;
                }
                i++;
        }
        return NULL;
}

