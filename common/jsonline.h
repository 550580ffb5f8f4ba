/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* JSON lines as spoken on the virtio-serial port (guest-agent/PROTOCOL.md
 * §2.2), shared by oomguard-agent and oomguard-host: a line framer, a
 * strict parser, typed field getters and the QGA-shaped message builders.
 * Both ends treat the other as untrusted, so every limit lives here once. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

#define JSONLINE_MAX 65536u             /* bytes per line, including the '\n' */
#define JSONLINE_MAX_DEPTH 16           /* the top-level object is depth 1 */
#define JSONLINE_SYNC_BYTE 0xFF         /* never valid UTF-8; resets a receiver */

/* ---- framing ---------------------------------------------------------- */

typedef struct JsonLineFramer {
        char *buf;              /* max bytes: up to max - 1 of line, then a NUL */
        size_t len;
        size_t max;             /* cap including the '\n' */
        bool discarding;        /* inside an oversized line, waiting for its '\n' */
        bool line_out;          /* buf holds the line returned last; drop it on the next call */
} JsonLineFramer;

enum {
        JSONLINE_NEED_MORE = 0, /* all input consumed, no complete line */
        JSONLINE_LINE = 1,      /* *ret_line and *ret_len hold one line, without '\n' */
        JSONLINE_SYNC = 2,      /* a 0xFF byte: the partial line (if any) was dropped */
};

/* max is the cap including '\n'; 0 means JSONLINE_MAX. Returns 0 or -ENOMEM/-EINVAL. */
int jsonline_framer_init(JsonLineFramer *f, size_t max);
void jsonline_framer_done(JsonLineFramer *f);
/* Forgets the partial line and any oversized line being discarded. */
void jsonline_framer_reset(JsonLineFramer *f);

/* Consumes bytes from *data and *len (both advanced) until one thing happens:
 *   JSONLINE_LINE      a complete line; *ret_line is NUL-terminated, without
 *                      the '\n', and stays valid until the next call;
 *   JSONLINE_SYNC      a 0xFF byte was consumed;
 *   -EMSGSIZE          a line grew past the cap: reported once, the rest of
 *                      it up to its '\n' (or a 0xFF) is discarded silently;
 *   JSONLINE_NEED_MORE *len is 0, the partial line is kept.
 * Call it in a loop until it returns JSONLINE_NEED_MORE. */
int jsonline_framer_next(JsonLineFramer *f, const char **data, size_t *len,
                         const char **ret_line, size_t *ret_len);

/* ---- parsing ---------------------------------------------------------- */

/* Parses one line (without '\n'). Rejects, with a one-line message in err:
 * invalid UTF-8 or NUL bytes, anything outside strings that strict JSON does
 * not allow (comments, single quotes: json-glib would accept them), nesting
 * deeper than JSONLINE_MAX_DEPTH (checked before json-glib recurses), invalid
 * JSON, and a top-level value that is not an object. Returns 0 with *ret
 * owned by the caller (json_node_unref), or -EBADMSG. */
int jsonline_parse(const char *line, size_t len, JsonNode **ret, char *err, size_t errlen);

/* Field getters. Each returns 1 when the field is present and valid (*ret
 * set), 0 when it is absent and not required (*ret untouched), -EINVAL
 * otherwise with err naming the field ("'bytes' must be an integer in
 * 0..1125899906842624"). A JSON null counts as present and wrong. */
int json_get_int(JsonObject *obj, const char *key, int64_t lo, int64_t hi, bool required,
                 int64_t *ret, char *err, size_t errlen);
int json_get_bool(JsonObject *obj, const char *key, bool required, bool *ret, char *err, size_t errlen);
/* max_len in bytes, excluding the NUL. *ret points into obj. */
int json_get_string(JsonObject *obj, const char *key, size_t max_len, bool required,
                    const char **ret, char *err, size_t errlen);
/* A finite number in lo..hi; integers are accepted too. */
int json_get_double(JsonObject *obj, const char *key, double lo, double hi, bool required,
                    double *ret, char *err, size_t errlen);
/* *ret points into obj. */
int json_get_object(JsonObject *obj, const char *key, bool required, JsonObject **ret,
                    char *err, size_t errlen);
int json_get_array(JsonObject *obj, const char *key, bool required, JsonArray **ret,
                   char *err, size_t errlen);

/* Returns 0 when every member of obj is in the NULL-terminated list allowed,
 * else -EINVAL with err naming the first unknown key. */
int json_check_keys(JsonObject *obj, const char *const *allowed, char *err, size_t errlen);

/* ---- building --------------------------------------------------------- */

/* Serialises node as one compact line followed by '\n'. Returns a g_malloc'd
 * buffer (g_free) with its length in *ret_len, or NULL if the result would
 * exceed JSONLINE_MAX. */
char *jsonline_serialize(JsonNode *node, size_t *ret_len);

/* {"return":value,"id":id}. Takes ownership of value (NULL means {});
 * copies id, which may be NULL (no "id" member). */
JsonNode *jsonline_build_return(JsonNode *value, JsonNode *id);
/* {"error":{"class":class,"desc":desc},"id":id}; id may be NULL. */
JsonNode *jsonline_build_error(const char *class, const char *desc, JsonNode *id);
/* {"event":name,"data":data,"timestamp":{"seconds":S,"microseconds":U}}.
 * Takes ownership of data (NULL leaves "data" out); realtime_usec is the
 * sender's CLOCK_REALTIME in microseconds, passed in so tests can fix it. */
JsonNode *jsonline_build_event(const char *name, JsonNode *data, int64_t realtime_usec);
