/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "jsonline.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int jsonline_framer_init(JsonLineFramer *f, size_t max)
{
        if (max == 0)
                max = JSONLINE_MAX;
        if (max < 2)
                return -EINVAL;
        *f = (JsonLineFramer){ .max = max };
        f->buf = malloc(max);
        return f->buf ? 0 : -ENOMEM;
}

void jsonline_framer_done(JsonLineFramer *f)
{
        free(f->buf);
        f->buf = NULL;
}

void jsonline_framer_reset(JsonLineFramer *f)
{
        f->len = 0;
        f->discarding = false;
        f->line_out = false;
}

int jsonline_framer_next(JsonLineFramer *f, const char **data, size_t *len,
                         const char **ret_line, size_t *ret_len)
{
        if (f->line_out) {
                f->len = 0;
                f->line_out = false;
        }
        while (*len > 0) {
                const char *p = *data;
                size_t n = *len, i;

                /* a run of ordinary bytes is copied at once */
                for (i = 0; i < n; i++)
                        if (p[i] == '\n' || (unsigned char)p[i] == JSONLINE_SYNC_BYTE)
                                break;
                if (!f->discarding) {
                        size_t room = f->max - 1 - f->len;

                        if (i > room) {
                                /* the line cannot end within the cap: drop
                                 * it, and report that once */
                                f->len = 0;
                                f->discarding = true;
                                *data += room + 1;
                                *len -= room + 1;
                                return -EMSGSIZE;
                        }
                        memcpy(f->buf + f->len, p, i);
                        f->len += i;
                }
                *data += i;
                *len -= i;
                if (i == n)
                        break;
                /* p[i] is '\n' or 0xFF */
                *data += 1;
                *len -= 1;
                if ((unsigned char)p[i] == JSONLINE_SYNC_BYTE) {
                        jsonline_framer_reset(f);
                        return JSONLINE_SYNC;
                }
                if (f->discarding) {
                        f->discarding = false;
                        continue;
                }
                f->buf[f->len] = '\0';
                f->line_out = true;
                *ret_line = f->buf;
                *ret_len = f->len;
                return JSONLINE_LINE;
        }
        return JSONLINE_NEED_MORE;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
        va_list ap;

        if (err && errlen) {
                va_start(ap, fmt);
                vsnprintf(err, errlen, fmt, ap);
                va_end(ap);
        }
        return -EINVAL;
}

static int hex4(const char *s, size_t len, size_t at, unsigned *ret)
{
        unsigned v = 0;

        if (at + 4 > len)
                return -EINVAL;
        for (size_t k = at; k < at + 4; k++) {
                int d = g_ascii_xdigit_value(s[k]);

                if (d < 0)
                        return -EINVAL;
                v = v * 16 + (unsigned)d;
        }
        *ret = v;
        return 0;
}

/* *i is at the opening quote; leaves it at the closing one. json-glib 1.6
 * takes unknown escapes ("\x" is "x"), turns a lone low surrogate into
 * invalid UTF-8 and a \u0000 into a cut string: all refused here. */
static int scan_string(const char *s, size_t len, size_t *i, char *err, size_t errlen)
{
        size_t start = *i;

        for (size_t j = start + 1; j < len; j++) {
                unsigned char c = (unsigned char)s[j];
                unsigned cp, lo;

                if (c == '"') {
                        *i = j;
                        return 0;
                }
                if (c < 0x20)
                        return fail(err, errlen, "control character 0x%02x in a string at offset %zu", c, j);
                if (c != '\\')
                        continue;
                if (++j >= len)
                        break;
                if (strchr("\"\\/bfnrt", s[j]) && s[j])
                        continue;
                if (s[j] != 'u' || hex4(s, len, j + 1, &cp) < 0)
                        return fail(err, errlen, "invalid escape in a string at offset %zu", j - 1);
                j += 4;
                if (cp == 0)
                        return fail(err, errlen, "\\u0000 in a string at offset %zu", j - 5);
                if (cp >= 0xdc00 && cp <= 0xdfff)
                        return fail(err, errlen, "lone surrogate in a string at offset %zu", j - 5);
                if (cp >= 0xd800 && cp <= 0xdbff) {
                        if (j + 2 >= len || s[j + 1] != '\\' || s[j + 2] != 'u' || hex4(s, len, j + 3, &lo) < 0 ||
                            lo < 0xdc00 || lo > 0xdfff)
                                return fail(err, errlen, "lone surrogate in a string at offset %zu", j - 5);
                        j += 6;
                }
        }
        return fail(err, errlen, "unterminated string at offset %zu", start);
}

/* *i is at the first character; leaves it at the last. Strict JSON
 * numbers only; an integer must fit int64_t, which json-glib 1.6 does not
 * check (99999999999999999999 parses as -1). */
static int scan_number(const char *s, size_t len, size_t *i, char *err, size_t errlen)
{
        static const char max[] = "9223372036854775807", min[] = "9223372036854775808";
        size_t start = *i, j = start, digits_at, n_digits;
        bool integer = true, neg = s[j] == '-';

        if (neg)
                j++;
        digits_at = j;
        if (j < len && s[j] == '0')
                j++;
        else if (j < len && s[j] >= '1' && s[j] <= '9')
                while (j < len && g_ascii_isdigit(s[j]))
                        j++;
        else
                return fail(err, errlen, "malformed number at offset %zu", start);
        n_digits = j - digits_at;
        if (j < len && s[j] == '.') {
                integer = false;
                if (++j >= len || !g_ascii_isdigit(s[j]))
                        return fail(err, errlen, "malformed number at offset %zu", start);
                while (j < len && g_ascii_isdigit(s[j]))
                        j++;
        }
        if (j < len && (s[j] == 'e' || s[j] == 'E')) {
                integer = false;
                if (++j < len && (s[j] == '+' || s[j] == '-'))
                        j++;
                if (j >= len || !g_ascii_isdigit(s[j]))
                        return fail(err, errlen, "malformed number at offset %zu", start);
                while (j < len && g_ascii_isdigit(s[j]))
                        j++;
        }
        if (j < len && (g_ascii_isalnum(s[j]) || s[j] == '.' || s[j] == '-' || s[j] == '+'))
                return fail(err, errlen, "malformed number at offset %zu", start);
        if (integer && (n_digits > 19 || (n_digits == 19 && memcmp(s + digits_at, neg ? min : max, 19) > 0)))
                return fail(err, errlen, "integer out of range at offset %zu", start);
        *i = j - 1;
        return 0;
}

static int scan_literal(const char *s, size_t len, size_t *i, char *err, size_t errlen)
{
        static const char *const words[] = { "true", "false", "null" };
        size_t j = *i;

        while (j < len && g_ascii_isalnum(s[j]))
                j++;
        for (size_t w = 0; w < G_N_ELEMENTS(words); w++)
                if (j - *i == strlen(words[w]) && memcmp(s + *i, words[w], j - *i) == 0) {
                        *i = j - 1;
                        return 0;
                }
        return fail(err, errlen, "unexpected word at offset %zu", *i);
}

/* json-glib's scanner accepts comments, single quotes and more, ignores
 * what follows a complete object ("{} {}" parses), and its parser recurses
 * once per level with no limit: 64 KiB of '[' would be 64 Ki frames. So
 * before json-glib sees a line, its tokens are checked against strict JSON
 * (RFC 8259) here, which also makes the depth counted here the depth
 * json-glib will see. The grammar (commas, colons, matching brackets) is
 * left to json-glib. */
static int prescan(const char *s, size_t len, char *err, size_t errlen)
{
        unsigned depth = 0;
        bool ended = false;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];
                int r = 0;

                if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
                        continue;
                if (ended)
                        return fail(err, errlen, "data after the object at offset %zu", i);
                switch (c) {
                case '"':
                        r = scan_string(s, len, &i, err, errlen);
                        break;
                case '{':
                case '[':
                        if (++depth > JSONLINE_MAX_DEPTH)
                                return fail(err, errlen, "nesting deeper than %u at offset %zu", JSONLINE_MAX_DEPTH, i);
                        break;
                case '}':
                case ']':
                        if (depth == 0)
                                return fail(err, errlen, "unbalanced '%c' at offset %zu", c, i);
                        ended = --depth == 0;
                        break;
                case ':':
                case ',':
                        break;
                case '-':
                case '0' ... '9':
                        r = scan_number(s, len, &i, err, errlen);
                        break;
                case 'a' ... 'z':
                        r = scan_literal(s, len, &i, err, errlen);
                        break;
                default:
                        return fail(err, errlen, "unexpected byte 0x%02x outside a string at offset %zu", c, i);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int jsonline_parse(const char *line, size_t len, JsonNode **ret, char *err, size_t errlen)
{
        g_autoptr(JsonParser) parser = NULL;
        g_autoptr(GError) error = NULL;
        JsonNode *root;

        /* g_utf8_validate() with a length also refuses NUL bytes */
        if (!g_utf8_validate(line, (gssize)len, NULL)) {
                fail(err, errlen, "invalid UTF-8");
                return -EBADMSG;
        }
        if (prescan(line, len, err, errlen) < 0)
                return -EBADMSG;
        parser = json_parser_new_immutable();
        if (!json_parser_load_from_data(parser, line, (gssize)len, &error)) {
                fail(err, errlen, "invalid JSON: %s", error->message);
                return -EBADMSG;
        }
        root = json_parser_get_root(parser);
        if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
                fail(err, errlen, "not a JSON object");
                return -EBADMSG;
        }
        *ret = json_node_ref(root);
        return 0;
}

/* Looks the member up: 1 found, 0 absent and optional, -EINVAL absent and required. */
static int member(JsonObject *obj, const char *key, bool required, JsonNode **ret, char *err, size_t errlen)
{
        *ret = json_object_get_member(obj, key);
        if (*ret)
                return 1;
        return required ? fail(err, errlen, "'%s' is required", key) : 0;
}

static bool holds_type(JsonNode *n, GType t)
{
        return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == t;
}

int json_get_int(JsonObject *obj, const char *key, int64_t lo, int64_t hi, bool required,
                 int64_t *ret, char *err, size_t errlen)
{
        JsonNode *n;
        int64_t v;
        int r = member(obj, key, required, &n, err, errlen);

        if (r <= 0)
                return r;
        if (!holds_type(n, G_TYPE_INT64) || (v = json_node_get_int(n)) < lo || v > hi)
                return fail(err, errlen, "'%s' must be an integer in %" PRId64 "..%" PRId64, key, lo, hi);
        *ret = v;
        return 1;
}

int json_get_bool(JsonObject *obj, const char *key, bool required, bool *ret, char *err, size_t errlen)
{
        JsonNode *n;
        int r = member(obj, key, required, &n, err, errlen);

        if (r <= 0)
                return r;
        if (!holds_type(n, G_TYPE_BOOLEAN))
                return fail(err, errlen, "'%s' must be true or false", key);
        *ret = json_node_get_boolean(n);
        return 1;
}

int json_get_string(JsonObject *obj, const char *key, size_t max_len, bool required,
                    const char **ret, char *err, size_t errlen)
{
        JsonNode *n;
        const char *s;
        int r = member(obj, key, required, &n, err, errlen);

        if (r <= 0)
                return r;
        if (!holds_type(n, G_TYPE_STRING) || !(s = json_node_get_string(n)))
                return fail(err, errlen, "'%s' must be a string", key);
        if (strlen(s) > max_len)
                return fail(err, errlen, "'%s' is longer than %zu bytes", key, max_len);
        *ret = s;
        return 1;
}

int json_get_double(JsonObject *obj, const char *key, double lo, double hi, bool required,
                    double *ret, char *err, size_t errlen)
{
        JsonNode *n;
        double v;
        int r = member(obj, key, required, &n, err, errlen);

        if (r <= 0)
                return r;
        if (holds_type(n, G_TYPE_DOUBLE))
                v = json_node_get_double(n);
        else if (holds_type(n, G_TYPE_INT64))
                v = (double)json_node_get_int(n);
        else
                return fail(err, errlen, "'%s' must be a number", key);
        if (!isfinite(v) || v < lo || v > hi)
                return fail(err, errlen, "'%s' must be a number in %g..%g", key, lo, hi);
        *ret = v;
        return 1;
}

int json_get_object(JsonObject *obj, const char *key, bool required, JsonObject **ret,
                    char *err, size_t errlen)
{
        JsonNode *n;
        int r = member(obj, key, required, &n, err, errlen);

        if (r <= 0)
                return r;
        if (!JSON_NODE_HOLDS_OBJECT(n))
                return fail(err, errlen, "'%s' must be an object", key);
        *ret = json_node_get_object(n);
        return 1;
}

int json_get_array(JsonObject *obj, const char *key, bool required, JsonArray **ret,
                   char *err, size_t errlen)
{
        JsonNode *n;
        int r = member(obj, key, required, &n, err, errlen);

        if (r <= 0)
                return r;
        if (!JSON_NODE_HOLDS_ARRAY(n))
                return fail(err, errlen, "'%s' must be an array", key);
        *ret = json_node_get_array(n);
        return 1;
}

int json_check_keys(JsonObject *obj, const char *const *allowed, char *err, size_t errlen)
{
        GList *members = json_object_get_members(obj);
        int r = 0;

        for (GList *l = members; l; l = l->next) {
                const char *key = l->data;
                bool ok = false;

                for (const char *const *a = allowed; *a; a++)
                        if (strcmp(*a, key) == 0) {
                                ok = true;
                                break;
                        }
                if (!ok) {
                        /* the key came from the peer: bound what goes into a reply */
                        r = fail(err, errlen, "unknown key '%.64s'", key);
                        break;
                }
        }
        g_list_free(members);
        return r;
}

char *jsonline_serialize(JsonNode *node, size_t *ret_len)
{
        g_autoptr(JsonGenerator) gen = json_generator_new();
        gsize n = 0;
        char *s, *line;

        json_generator_set_pretty(gen, FALSE);
        json_generator_set_root(gen, node);
        s = json_generator_to_data(gen, &n);
        if (!s || n + 1 > JSONLINE_MAX) {
                g_free(s);
                return NULL;
        }
        line = g_realloc(s, n + 2);
        line[n] = '\n';
        line[n + 1] = '\0';
        *ret_len = n + 1;
        return line;
}

static JsonNode *object_node(JsonObject *o)
{
        JsonNode *n = json_node_new(JSON_NODE_OBJECT);

        json_node_take_object(n, o);
        return n;
}

JsonNode *jsonline_build_return(JsonNode *value, JsonNode *id)
{
        JsonObject *o = json_object_new();

        json_object_set_member(o, "return", value ? value : object_node(json_object_new()));
        if (id)
                json_object_set_member(o, "id", json_node_copy(id));
        return object_node(o);
}

JsonNode *jsonline_build_error(const char *class, const char *desc, JsonNode *id)
{
        JsonObject *o = json_object_new(), *e = json_object_new();
        /* desc quotes the peer's text and may have been cut inside a UTF-8
         * sequence by a fixed buffer: what goes back must still be UTF-8. */
        g_autofree char *valid = g_utf8_make_valid(desc, -1);

        json_object_set_string_member(e, "class", class);
        json_object_set_string_member(e, "desc", valid);
        json_object_set_object_member(o, "error", e);
        if (id)
                json_object_set_member(o, "id", json_node_copy(id));
        return object_node(o);
}

JsonNode *jsonline_build_event(const char *name, JsonNode *data, int64_t realtime_usec)
{
        JsonObject *o = json_object_new(), *ts = json_object_new();

        json_object_set_string_member(o, "event", name);
        if (data)
                json_object_set_member(o, "data", data);
        /* QMP's convention for "no clock": -1/-1 */
        json_object_set_int_member(ts, "seconds", realtime_usec < 0 ? -1 : realtime_usec / 1000000);
        json_object_set_int_member(ts, "microseconds", realtime_usec < 0 ? -1 : realtime_usec % 1000000);
        json_object_set_object_member(o, "timestamp", ts);
        return object_node(o);
}
