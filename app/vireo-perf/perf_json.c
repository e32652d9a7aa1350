/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <math.h>

#include "perf_json.h"

void
perf_json_init(struct perf_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->first[0] = true;
	j->after_key = false;
	j->error = false;
}

static void
put_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Separator, indentation and key before any value. */
static void
value_prefix(struct perf_json *j, const char *key)
{
	unsigned int i;

	if (j->depth > 0) {
		if (!j->first[j->depth])
			fputc(',', j->f);
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	} else if (!j->first[0]) {
		j->error = true; /* a second top-level value */
	}
	j->first[j->depth] = false;
	if (key != NULL && j->depth > 0) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void
open_nested(struct perf_json *j, const char *key, char c)
{
	value_prefix(j, key);
	fputc(c, j->f);
	if (j->depth + 1 >= PERF_JSON_MAX_DEPTH) {
		j->error = true;
		return;
	}
	j->depth++;
	j->first[j->depth] = true;
}

static void
close_nested(struct perf_json *j, char c)
{
	unsigned int i;
	bool empty;

	if (j->depth == 0) {
		j->error = true;
		return;
	}
	empty = j->first[j->depth];
	j->depth--;
	if (!empty) {
		fputc('\n', j->f);
		for (i = 0; i < j->depth; i++)
			fputs("  ", j->f);
	}
	fputc(c, j->f);
	if (j->depth == 0)
		fputc('\n', j->f);
}

void
perf_json_obj_begin(struct perf_json *j, const char *key)
{
	open_nested(j, key, '{');
}

void
perf_json_obj_end(struct perf_json *j)
{
	close_nested(j, '}');
}

void
perf_json_arr_begin(struct perf_json *j, const char *key)
{
	open_nested(j, key, '[');
}

void
perf_json_arr_end(struct perf_json *j)
{
	close_nested(j, ']');
}

void
perf_json_str(struct perf_json *j, const char *key, const char *val)
{
	value_prefix(j, key);
	put_string(j->f, val != NULL ? val : "");
}

void
perf_json_u64(struct perf_json *j, const char *key, uint64_t val)
{
	value_prefix(j, key);
	fprintf(j->f, "%llu", (unsigned long long)val);
}

void
perf_json_int(struct perf_json *j, const char *key, long long val)
{
	value_prefix(j, key);
	fprintf(j->f, "%lld", val);
}

void
perf_json_dbl(struct perf_json *j, const char *key, double val)
{
	value_prefix(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.12g", val);
	else
		fputs("null", j->f);
}

void
perf_json_bool(struct perf_json *j, const char *key, bool val)
{
	value_prefix(j, key);
	fputs(val ? "true" : "false", j->f);
}

int
perf_json_finish(struct perf_json *j)
{
	if (j->error || j->depth != 0 || ferror(j->f))
		return -EIO;
	return 0;
}
