/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config-ini.h"

#include <errno.h>
#include <ini.h>
#include <stdbool.h>
#include <string.h>

typedef struct IniReader {
        const char *next;       /* the reader's position in the text */
        unsigned line;          /* the line inih is working on */
        bool in_bad_section;    /* after a broken [header]: its keys are not reported again */
        ConfigErrors *errs;
        ConfigIniHandler handler;
        void *user;
} IniReader;

/* inih's isspace(): what its lskip() and rstrip() take away. */
#define SPACE " \t\r\f\v"

/* Whether a key line has its '=' or ':' before any inline comment (a ';'
 * after white space), as inih's find_chars_or_comment() looks for it. */
static bool has_separator(const char *s, size_t len)
{
        bool was_space = false;

        for (size_t i = 0; i < len; i++) {
                if (s[i] == '=' || s[i] == ':')
                        return true;
                if (was_space && s[i] == ';')
                        return false;
                was_space = strchr(SPACE, s[i]) != NULL;
        }
        return false;
}

/* ini_reader: like fgets() over the text, one whole line per call. */
static char *read_line(char *buf, int size, void *stream)
{
        IniReader *rd = stream;
        const char *s = rd->next, *t;
        const char *nl;
        size_t len, indent, body;

        if (!*s)
                return NULL;
        nl = strchr(s, '\n');
        len = nl ? (size_t)(nl - s) + 1 : strlen(s);
        rd->next = s + len;
        rd->line++;
        t = s;
        if (rd->line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0)
                t += 3;         /* INI_ALLOW_BOM: inih skips it too */
        body = len - (size_t)(t - s);
        indent = strspn(t, SPACE);
        if (len + 1 > (size_t)size) {
                config_error_add(rd->errs, rd->line, "", "", "line is longer than %d characters", size - 2);
                strcpy(buf, "\n");      /* inih sees a blank line */
                return buf;
        }
        if (strspn(t, SPACE "\n") >= body || t[indent] == ';' || t[indent] == '#') {
                /* blank or comment: inih skips it */
        } else if (indent > 0) {
                config_error_add(rd->errs, rd->line, "", "",
                                 "indented line would continue the previous value; start keys in column 1");
                strcpy(buf, "\n");
                return buf;
        } else if (t[0] == '[' && !memchr(t, ']', body)) {
                config_error_add(rd->errs, rd->line, "", "", "section header without ']'");
                rd->in_bad_section = true;
                strcpy(buf, "\n");
                return buf;
        } else if (t[0] != '[' && !has_separator(t, body)) {
                config_error_add(rd->errs, rd->line, "", "", "expected \"key = value\", a [section] or a comment");
                strcpy(buf, "\n");
                return buf;
        }
        if (t[0] == '[')
                rd->in_bad_section = false;
        memcpy(buf, s, len);
        buf[len] = '\0';
        return buf;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
        IniReader *rd = user;

        if (rd->in_bad_section)
                return 1;
        /* inih keeps a ';' right after '=' ("key =;x" is ";x") but reads
         * "key = ;x" as an empty value and a comment: a value that changes
         * meaning with the spacing, and that no file can write back the
         * way oomguard --check-policy prints it. */
        if (value[0] == ';') {
                config_error_add(rd->errs, rd->line, section, name,
                                 "a value may not start with ';' (after a space it begins a comment)");
                return 1;
        }
        rd->handler(rd->user, rd->line, section, name, value);
        return 1;
}

int config_ini_parse(const char *text, ConfigErrors *errs, ConfigIniHandler handler, void *user)
{
        IniReader rd = { .next = text, .errs = errs, .handler = handler, .user = user };
        int r;

        r = ini_parse_stream(read_line, &rd, on_key, &rd);
        if (r < 0)
                return -ENOMEM;
        /* inih's own complaint: a line that is neither key, section nor
         * comment. It returns the first such line only; a line the reader
         * blanked already has its message. */
        if (r > 0) {
                bool known = false;

                for (unsigned i = 0; i < errs->n && i < CONFIG_MAX_ERRORS; i++)
                        known |= errs->e[i].line == (unsigned)r;
                if (!known)
                        config_error_add(errs, (unsigned)r, "", "", "expected \"key = value\", a [section] or a comment");
        }
        return 0;
}
