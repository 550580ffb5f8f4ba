/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest-agent/jsonline.c: framing, strict parsing, field getters, builders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonline.h"

/* Feeds data in pieces of at most step bytes and renders what came out as
 * "L<line>|", "S|" (0xFF) and "E|" (oversized), so one string comparison
 * checks the whole sequence. */
static char *frame(JsonLineFramer *f, const char *data, size_t len, size_t step)
{
        GString *s = g_string_new(NULL);

        while (len > 0) {
                size_t n = len < step ? len : step;
                const char *p = data;
                size_t left = n;
                const char *line;
                size_t line_len;
                int r;

                while ((r = jsonline_framer_next(f, &p, &left, &line, &line_len)) != JSONLINE_NEED_MORE) {
                        if (r == JSONLINE_LINE) {
                                assert_int_equal(line[line_len], '\0');
                                g_string_append_c(s, 'L');
                                g_string_append_len(s, line, (gssize)line_len);
                        } else if (r == JSONLINE_SYNC)
                                g_string_append_c(s, 'S');
                        else {
                                assert_int_equal(r, -EMSGSIZE);
                                g_string_append_c(s, 'E');
                        }
                        g_string_append_c(s, '|');
                }
                assert_int_equal(left, 0);
                data += n;
                len -= n;
        }
        return g_string_free(s, FALSE);
}

static void framing_basic(void **state)
{
        static const char in[] = "{\"a\":1}\n\n{\"b\":2}\npartial";
        JsonLineFramer f;

        assert_int_equal(jsonline_framer_init(&f, 0), 0);
        for (size_t step = 1; step <= sizeof(in); step++) {
                g_autofree char *out = NULL;

                jsonline_framer_reset(&f);
                out = frame(&f, in, sizeof(in) - 1, step);
                assert_string_equal(out, "L{\"a\":1}|L|L{\"b\":2}|");
                assert_int_equal(f.len, strlen("partial"));
        }
        jsonline_framer_done(&f);
        assert_int_equal(jsonline_framer_init(&f, 1), -EINVAL);
}

static void framing_sync(void **state)
{
        /* 0xFF mid-line drops the partial line, twice in a row is harmless */
        static const char in[] = "{\"half\":\xff\xff{\"x\":1}\n{\"y\xff\":2}\n";
        JsonLineFramer f;

        assert_int_equal(jsonline_framer_init(&f, 0), 0);
        for (size_t step = 1; step <= sizeof(in); step++) {
                g_autofree char *out = NULL;

                jsonline_framer_reset(&f);
                out = frame(&f, in, sizeof(in) - 1, step);
                assert_string_equal(out, "S|S|L{\"x\":1}|S|L\":2}|");
        }
        jsonline_framer_done(&f);
}

static void framing_oversized(void **state)
{
        JsonLineFramer f;
        size_t big = JSONLINE_MAX * 3;
        char *in = malloc(big + 64);
        size_t n;

        assert_non_null(in);
        assert_int_equal(jsonline_framer_init(&f, 0), 0);

        /* exactly 64 KiB including the '\n' passes */
        memset(in, 'x', JSONLINE_MAX - 1);
        in[JSONLINE_MAX - 1] = '\n';
        for (size_t step = 1000; step <= JSONLINE_MAX * 2; step *= 4) {
                g_autofree char *out = NULL;

                jsonline_framer_reset(&f);
                out = frame(&f, in, JSONLINE_MAX, step);
                assert_int_equal(strlen(out), JSONLINE_MAX - 1 + 2);
                assert_int_equal(out[0], 'L');
        }

        /* one byte more is reported once, then discarded to its '\n' */
        memset(in, 'x', big);
        in[JSONLINE_MAX] = '\n';
        n = JSONLINE_MAX + 1;
        memcpy(in + n, "{}\n", 3);
        n += 3;
        for (size_t step = 1; step <= n; step = step * 7 + 1) {
                g_autofree char *out = NULL;

                jsonline_framer_reset(&f);
                out = frame(&f, in, n, step);
                assert_string_equal(out, "E|L{}|");
        }

        /* three caps' worth is still one report */
        memset(in, 'x', big);
        memcpy(in + big, "\n{}\n", 4);
        {
                g_autofree char *out = frame(&f, in, big + 4, 4096);

                assert_string_equal(out, "E|L{}|");
        }

        /* 0xFF ends the discarding too: the host resynchronises */
        memset(in, 'x', JSONLINE_MAX + 10);
        memcpy(in + JSONLINE_MAX + 10, "\xff{}\n", 4);
        {
                g_autofree char *out = frame(&f, in, JSONLINE_MAX + 14, 333);

                assert_string_equal(out, "E|S|L{}|");
        }

        /* a small cap */
        jsonline_framer_done(&f);
        assert_int_equal(jsonline_framer_init(&f, 4), 0);
        {
                g_autofree char *out = frame(&f, "abc\nabcd\nab\n", 12, 1);

                assert_string_equal(out, "Labc|E|Lab|");
        }
        jsonline_framer_done(&f);
        free(in);
}

static int parse(const char *s, char *err, size_t errlen)
{
        JsonNode *n = NULL;
        int r = jsonline_parse(s, strlen(s), &n, err, errlen);

        if (r == 0) {
                assert_non_null(n);
                json_node_unref(n);
        }
        return r;
}

static void parse_strict(void **state)
{
        char err[256];
        char deep[64], too_deep[64];

        assert_int_equal(parse("{\"execute\":\"guest-ping\"}", err, sizeof(err)), 0);
        assert_int_equal(parse(" {\"s\":\"[[[[[[[[[[[[[[[[[[[[{{{{ \\\" ]]\",\"n\":-1.5e3,\"t\":true,\"z\":null}\r", err,
                               sizeof(err)), 0);
        assert_int_equal(parse("{\"u\":\"\xc3\xa9\"}", err, sizeof(err)), 0);

        /* top level must be an object */
        assert_int_equal(parse("[1,2]", err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "not a JSON object");
        assert_int_equal(parse("42", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("\"s\"", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("", err, sizeof(err)), -EBADMSG);

        /* invalid UTF-8, a lone 0xFF, an overlong encoding, a NUL */
        assert_int_equal(parse("{\"a\":\"\xc3\"}", err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "invalid UTF-8");
        assert_int_equal(parse("{\"a\":\"\xc0\xaf\"}", err, sizeof(err)), -EBADMSG);
        {
                JsonNode *n = NULL;

                assert_int_equal(jsonline_parse("{\"a\":\"\0\"}", 9, &n, err, sizeof(err)), -EBADMSG);
                assert_null(n);
        }

        /* what json-glib would take but JSON does not */
        assert_int_equal(parse("{'a':1}", err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "0x27"));
        assert_int_equal(parse("{/* \" */\"a\":1}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"tab\there\"}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":1,}", err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "invalid JSON"));
        assert_int_equal(parse("{\"a\":\"unterminated}", err, sizeof(err)), -EBADMSG);
        /* json-glib 1.6 accepts each of these; strict JSON does not */
        assert_string_equal(err, "unterminated string at offset 5");
        assert_int_equal(parse("{\"a\":1} {\"b\":2}", err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "data after the object at offset 8");
        assert_int_equal(parse("[1] {}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":99999999999999999999}", err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "integer out of range at offset 5");
        assert_int_equal(parse("{\"a\":9223372036854775808}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":-9223372036854775809}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":9223372036854775807,\"b\":-9223372036854775808}", err, sizeof(err)), 0);
        assert_int_equal(parse("{\"a\":1e400}", err, sizeof(err)), 0);       /* a double: json-glib's to judge */
        assert_int_equal(parse("{\"a\":01}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":1.}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":.5}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":-}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":1e}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":+1}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":-0.5e-3,\"b\":0,\"c\":1E+2}", err, sizeof(err)), 0);
        assert_int_equal(parse("{\"a\":nul}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":True}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\x\"}", err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "invalid escape in a string at offset 6");
        assert_int_equal(parse("{\"a\":\"\\udc00\"}", err, sizeof(err)), -EBADMSG);
        assert_string_equal(err, "lone surrogate in a string at offset 6");
        assert_int_equal(parse("{\"a\":\"\\ud800x\"}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\ud800\\u0041\"}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\u0000\"}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\u12\"}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("{\"a\":\"\\ud83d\\ude00 \\u00e9 \\/\\b\\f\\n\\r\\t\\\\\"}", err, sizeof(err)), 0);
        assert_int_equal(parse("{\"a\":1}}", err, sizeof(err)), -EBADMSG);
        assert_int_equal(parse("]", err, sizeof(err)), -EBADMSG);

        /* nesting: 16 levels pass, 17 do not */
        memset(deep, 0, sizeof(deep));
        deep[0] = '{';
        strcat(deep, "\"a\":");
        for (int i = 1; i < 16; i++)
                strcat(deep, "[");
        for (int i = 1; i < 16; i++)
                strcat(deep, "]");
        strcat(deep, "}");
        assert_int_equal(parse(deep, err, sizeof(err)), 0);
        memset(too_deep, 0, sizeof(too_deep));
        too_deep[0] = '{';
        strcat(too_deep, "\"a\":");
        for (int i = 1; i < 17; i++)
                strcat(too_deep, "[");
        for (int i = 1; i < 17; i++)
                strcat(too_deep, "]");
        strcat(too_deep, "}");
        assert_int_equal(parse(too_deep, err, sizeof(err)), -EBADMSG);
        assert_non_null(strstr(err, "nesting deeper than 16"));

        /* 64 KiB of '[' must not reach json-glib's recursion */
        {
                char *b = malloc(JSONLINE_MAX);

                memset(b, '[', JSONLINE_MAX - 1);
                b[0] = '{';
                b[JSONLINE_MAX - 1] = '\0';
                assert_int_equal(parse(b, err, sizeof(err)), -EBADMSG);
                free(b);
        }
}

static JsonObject *obj(const char *s, JsonNode **keep)
{
        char err[128];

        assert_int_equal(jsonline_parse(s, strlen(s), keep, err, sizeof(err)), 0);
        return json_node_get_object(*keep);
}

static void getters(void **state)
{
        g_autoptr(JsonNode) n = NULL;
        JsonObject *o = obj("{\"i\":5,\"neg\":-3,\"big\":9223372036854775807,\"d\":1.5,\"b\":false,"
                            "\"s\":\"hello\",\"nul\":null,\"o\":{},\"a\":[]}", &n);
        char err[256];
        int64_t i = 77;
        double d;
        bool b = true;
        const char *s = NULL;
        JsonObject *oo;
        JsonArray *aa;
        static const char *const allowed[] = { "i", "neg", "big", "d", "b", "s", "nul", "o", "a", NULL };
        static const char *const fewer[] = { "i", "neg", NULL };

        assert_int_equal(json_get_int(o, "i", 0, 10, true, &i, err, sizeof(err)), 1);
        assert_int_equal(i, 5);
        assert_int_equal(json_get_int(o, "i", 6, 10, true, &i, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "'i' must be an integer in 6..10");
        assert_int_equal(json_get_int(o, "neg", 0, 10, true, &i, err, sizeof(err)), -EINVAL);
        assert_int_equal(json_get_int(o, "big", 0, INT64_MAX, true, &i, err, sizeof(err)), 1);
        assert_true(i == INT64_MAX);
        assert_int_equal(json_get_int(o, "d", 0, 10, true, &i, err, sizeof(err)), -EINVAL);
        assert_int_equal(json_get_int(o, "s", 0, 10, true, &i, err, sizeof(err)), -EINVAL);
        assert_int_equal(json_get_int(o, "nul", 0, 10, false, &i, err, sizeof(err)), -EINVAL);
        assert_int_equal(json_get_int(o, "missing", 0, 10, true, &i, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "'missing' is required");
        i = 77;
        assert_int_equal(json_get_int(o, "missing", 0, 10, false, &i, err, sizeof(err)), 0);
        assert_int_equal(i, 77);

        assert_int_equal(json_get_bool(o, "b", true, &b, err, sizeof(err)), 1);
        assert_false(b);
        assert_int_equal(json_get_bool(o, "i", true, &b, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "'i' must be true or false");

        assert_int_equal(json_get_string(o, "s", 5, true, &s, err, sizeof(err)), 1);
        assert_string_equal(s, "hello");
        assert_int_equal(json_get_string(o, "s", 4, true, &s, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "'s' is longer than 4 bytes");
        assert_int_equal(json_get_string(o, "i", 4, true, &s, err, sizeof(err)), -EINVAL);

        assert_int_equal(json_get_double(o, "d", 0, 2, true, &d, err, sizeof(err)), 1);
        assert_true(d == 1.5);
        assert_int_equal(json_get_double(o, "i", 0, 10, true, &d, err, sizeof(err)), 1);
        assert_int_equal(json_get_double(o, "d", 2, 3, true, &d, err, sizeof(err)), -EINVAL);

        assert_int_equal(json_get_object(o, "o", true, &oo, err, sizeof(err)), 1);
        assert_int_equal(json_get_object(o, "a", true, &oo, err, sizeof(err)), -EINVAL);
        assert_int_equal(json_get_array(o, "a", true, &aa, err, sizeof(err)), 1);
        assert_int_equal(json_get_array(o, "o", true, &aa, err, sizeof(err)), -EINVAL);

        assert_int_equal(json_check_keys(o, allowed, err, sizeof(err)), 0);
        assert_int_equal(json_check_keys(o, fewer, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "unknown key 'big'");
}

static char *line_of(JsonNode *n)
{
        size_t len = 0;
        char *s = jsonline_serialize(n, &len);

        assert_non_null(s);
        assert_int_equal(strlen(s), len);
        assert_int_equal(s[len - 1], '\n');
        json_node_unref(n);
        return s;
}

static void builders(void **state)
{
        g_autoptr(JsonNode) idn = NULL;
        JsonObject *o = obj("{\"id\":{\"k\":[1,\"x\"]}}", &idn);
        JsonNode *id = json_object_get_member(o, "id");
        JsonNode *v = json_node_new(JSON_NODE_VALUE);
        JsonObject *data = json_object_new();
        JsonNode *dn = json_node_new(JSON_NODE_OBJECT);
        g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL, *r4 = NULL, *r5 = NULL;

        json_node_set_int(v, 42);
        r1 = line_of(jsonline_build_return(v, id));
        assert_string_equal(r1, "{\"return\":42,\"id\":{\"k\":[1,\"x\"]}}\n");
        r2 = line_of(jsonline_build_return(NULL, NULL));
        assert_string_equal(r2, "{\"return\":{}}\n");
        r3 = line_of(jsonline_build_error("GenericError", "bad \"x\"\n", id));
        assert_string_equal(r3, "{\"error\":{\"class\":\"GenericError\",\"desc\":\"bad \\\"x\\\"\\n\"},\"id\":{\"k\":[1,\"x\"]}}\n");
        json_object_set_int_member(data, "seq", 7);
        json_node_take_object(dn, data);
        r4 = line_of(jsonline_build_event("oomguard-report", dn, INT64_C(1795000000000012)));
        assert_string_equal(r4, "{\"event\":\"oomguard-report\",\"data\":{\"seq\":7},"
                                "\"timestamp\":{\"seconds\":1795000000,\"microseconds\":12}}\n");
        r5 = line_of(jsonline_build_event("e", NULL, -1));
        assert_string_equal(r5, "{\"event\":\"e\",\"timestamp\":{\"seconds\":-1,\"microseconds\":-1}}\n");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(framing_basic),
                cmocka_unit_test(framing_sync),
                cmocka_unit_test(framing_oversized),
                cmocka_unit_test(parse_strict),
                cmocka_unit_test(getters),
                cmocka_unit_test(builders),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
