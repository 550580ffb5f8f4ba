#!/usr/bin/env python3
# check-schema.py SCHEMA JSON_FILE: checks one JSON document against the
# subset of JSON Schema that status.schema.json uses (type, enum, required,
# properties, additionalProperties: false, items, minimum). Prints every
# violation with its path; exits 1 if there is any.
import json
import sys

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
KNOWN = {"$comment", "type", "enum", "required", "properties", "additionalProperties", "items", "minimum"}


def check(schema, value, path, errors):
    unknown = set(schema) - KNOWN
    if unknown:
        errors.append("%s: the schema uses %s, which this checker does not know" % (path, sorted(unknown)))
    types = schema.get("type")
    if types is not None:
        types = types if isinstance(types, list) else [types]
        if not any(TYPES[t](value) for t in types):
            errors.append("%s: %r is not %s" % (path, value, " or ".join(types)))
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r is not one of %r" % (path, value, schema["enum"]))
    if "minimum" in schema and TYPES["number"](value) and value < schema["minimum"]:
        errors.append("%s: %r is below %r" % (path, value, schema["minimum"]))
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append("%s: %s is missing" % (path, key))
        props = schema.get("properties", {})
        for key, v in value.items():
            if key in props:
                check(props[key], v, "%s.%s" % (path, key), errors)
            elif schema.get("additionalProperties") is False:
                errors.append("%s: %s is not in the schema" % (path, key))
    if isinstance(value, list) and "items" in schema:
        for i, v in enumerate(value):
            check(schema["items"], v, "%s[%d]" % (path, i), errors)


def main():
    schema = json.load(open(sys.argv[1]))
    with open(sys.argv[2]) as f:
        text = f.read()
    try:
        doc = json.loads(text)
    except ValueError as e:
        print("%s: not JSON: %s" % (sys.argv[2], e))
        return 1
    errors = []
    check(schema, doc, "$", errors)
    for e in errors:
        print("%s: %s" % (sys.argv[2], e))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
