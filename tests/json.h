/* SPDX-License-Identifier: MIT */
/*
 * A small JSON reader for the tests, so that the tool's --json reports are
 * checked parsed, not grepped. Strict RFC 8259 except that numbers are kept
 * as doubles; the whole tree lives in one tree of malloc'ed nodes.
 */
#ifndef SUBPROC_TEST_JSON_H
#define SUBPROC_TEST_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;
	double number;
	char *string;       /* JSON_STRING (decoded); the key for members */
	char *key;          /* set on object members */
	struct json *child; /* first element or member */
	struct json *next;  /* next sibling */
};

/* Parses text; returns the root (free with json_free) or NULL, with a
 * message on stderr, for text that is not exactly one JSON value. */
struct json *json_parse(const char *text);
void json_free(struct json *j);
/* The member `key` of an object, or NULL. */
const struct json *json_get(const struct json *obj, const char *key);
/* Element i of an array, or NULL. */
const struct json *json_at(const struct json *arr, size_t i);
/* The number of elements or members. */
size_t json_len(const struct json *j);

#endif
