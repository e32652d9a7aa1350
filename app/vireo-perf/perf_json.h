/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Minimal streaming JSON writer (no EAL): objects, arrays, strings,
 * integers, doubles, booleans, with commas and indentation handled here.
 */
#ifndef PERF_JSON_H
#define PERF_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define PERF_JSON_MAX_DEPTH 16

struct perf_json {
	FILE *f;
	unsigned int depth;
	bool first[PERF_JSON_MAX_DEPTH]; /* nothing written yet at depth */
	bool after_key;
	bool error; /* nesting misuse */
};

void perf_json_init(struct perf_json *j, FILE *f);
/* key may be NULL inside arrays and for the top-level value */
void perf_json_obj_begin(struct perf_json *j, const char *key);
void perf_json_obj_end(struct perf_json *j);
void perf_json_arr_begin(struct perf_json *j, const char *key);
void perf_json_arr_end(struct perf_json *j);
void perf_json_str(struct perf_json *j, const char *key, const char *val);
void perf_json_u64(struct perf_json *j, const char *key, uint64_t val);
void perf_json_int(struct perf_json *j, const char *key, long long val);
/* non-finite values are written as null (JSON has no NaN) */
void perf_json_dbl(struct perf_json *j, const char *key, double val);
void perf_json_bool(struct perf_json *j, const char *key, bool val);
/* 0 when every begin had its end and the stream has no error */
int perf_json_finish(struct perf_json *j);

#endif /* PERF_JSON_H */
