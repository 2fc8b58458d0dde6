/* SPDX-License-Identifier: MIT */
#include "json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct parser {
	const char *p;
	bool failed;
};

static void fail(struct parser *ps, const char *what)
{
	if (!ps->failed)
		fprintf(stderr, "json: %s at \"%.20s\"\n", what, ps->p);
	ps->failed = true;
}

static void ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static struct json *node(struct parser *ps, enum json_type t)
{
	struct json *j = calloc(1, sizeof *j);

	if (j == NULL)
		fail(ps, "out of memory");
	else
		j->type = t;
	return j;
}

static int hex4(const char *s)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = s[i];
		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

/* Decodes a string at ps->p (on the opening quote) into a malloc'ed copy. */
static char *string(struct parser *ps)
{
	size_t cap = strlen(ps->p) + 1, n = 0;
	char *out = malloc(cap);

	if (out == NULL || *ps->p != '"') {
		free(out);
		fail(ps, "expected a string");
		return NULL;
	}
	for (ps->p++; *ps->p != '"'; ps->p++) {
		unsigned char c = (unsigned char)*ps->p;
		if (c == '\0' || c < 0x20) {
			fail(ps, "bad character in string");
			free(out);
			return NULL;
		}
		if (c != '\\') {
			out[n++] = (char)c;
			continue;
		}
		c = (unsigned char)*++ps->p;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			out[n++] = (char)c;
			break;
		case 'b':
			out[n++] = '\b';
			break;
		case 'f':
			out[n++] = '\f';
			break;
		case 'n':
			out[n++] = '\n';
			break;
		case 'r':
			out[n++] = '\r';
			break;
		case 't':
			out[n++] = '\t';
			break;
		case 'u': {
			int v = hex4(ps->p + 1);
			if (v < 0 || v > 0x7f) { /* the tool writes only ASCII escapes */
				fail(ps, "unsupported \\u escape");
				free(out);
				return NULL;
			}
			out[n++] = (char)v;
			ps->p += 4;
			break;
		}
		default:
			fail(ps, "bad escape");
			free(out);
			return NULL;
		}
	}
	ps->p++;
	out[n] = '\0';
	return out;
}

static struct json *value(struct parser *ps, int depth);

static struct json *container(struct parser *ps, int depth, bool object)
{
	struct json *j = node(ps, object ? JSON_OBJECT : JSON_ARRAY), **tail;
	char close = object ? '}' : ']';

	if (j == NULL)
		return NULL;
	tail = &j->child;
	ps->p++;
	ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		ws(ps);
		if (object) {
			key = string(ps);
			ws(ps);
			if (key == NULL || *ps->p != ':') {
				free(key);
				fail(ps, "expected ':'");
				break;
			}
			ps->p++;
		}
		v = value(ps, depth + 1);
		if (v == NULL) {
			free(key);
			break;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return j;
		}
		fail(ps, "expected ',' or a close");
		break;
	}
	json_free(j);
	return NULL;
}

static struct json *value(struct parser *ps, int depth)
{
	struct json *j = NULL;
	char *end;

	ws(ps);
	if (depth > 64) {
		fail(ps, "too deep");
		return NULL;
	}
	switch (*ps->p) {
	case '{':
		return container(ps, depth, true);
	case '[':
		return container(ps, depth, false);
	case '"':
		if ((j = node(ps, JSON_STRING)) != NULL && (j->string = string(ps)) == NULL) {
			free(j);
			j = NULL;
		}
		return j;
	case 't':
	case 'f':
	case 'n': {
		static const char *const words[] = {"true", "false", "null"};
		for (int i = 0; i < 3; i++) {
			size_t len = strlen(words[i]);
			if (strncmp(ps->p, words[i], len) == 0) {
				j = node(ps, i == 2 ? JSON_NULL : JSON_BOOL);
				if (j)
					j->boolean = i == 0;
				ps->p += len;
				return j;
			}
		}
		fail(ps, "bad literal");
		return NULL;
	}
	default:
		if (*ps->p != '-' && (*ps->p < '0' || *ps->p > '9')) {
			fail(ps, "unexpected character");
			return NULL;
		}
		if ((j = node(ps, JSON_NUMBER)) == NULL)
			return NULL;
		j->number = strtod(ps->p, &end);
		ps->p = end;
		return j;
	}
}

struct json *json_parse(const char *text)
{
	struct parser ps = {text, false};
	struct json *j = value(&ps, 0);

	ws(&ps);
	if (j != NULL && *ps.p != '\0') {
		fail(&ps, "text after the value");
		json_free(j);
		return NULL;
	}
	return ps.failed ? (json_free(j), NULL) : j;
}

void json_free(struct json *j)
{
	while (j != NULL) {
		struct json *next = j->next;
		json_free(j->child);
		free(j->string);
		free(j->key);
		free(j);
		j = next;
	}
}

const struct json *json_get(const struct json *obj, const char *key)
{
	if (obj == NULL || obj->type != JSON_OBJECT)
		return NULL;
	for (const struct json *m = obj->child; m; m = m->next) {
		if (strcmp(m->key, key) == 0)
			return m;
	}
	return NULL;
}

const struct json *json_at(const struct json *arr, size_t i)
{
	if (arr == NULL || arr->type != JSON_ARRAY)
		return NULL;
	for (const struct json *m = arr->child; m; m = m->next) {
		if (i-- == 0)
			return m;
	}
	return NULL;
}

size_t json_len(const struct json *j)
{
	size_t n = 0;

	for (const struct json *m = j ? j->child : NULL; m; m = m->next)
		n++;
	return n;
}
