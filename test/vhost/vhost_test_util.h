/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the host vhost-user tests (test/vhost): failing with the
 * backend's log named, step banners, and a backend process started and
 * waited for until its socket exists.
 */
#ifndef VHOST_TEST_UTIL_H
#define VHOST_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/** The backend process (-1: none) and its log file, for vt_fail(). */
extern pid_t vt_backend;
extern char vt_log_path[128];

/** Print FAIL: and the message, kill the backend, exit 1. */
void vt_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#define CHECK(cond, ...)                      \
	do {                                  \
		if (!(cond))                  \
			vt_fail(__VA_ARGS__); \
	} while (0)

/** "---- what" on stdout, flushed. */
void vt_step(const char *what);

/**
 * Start @p argv (argv[0] the program) as vt_backend, stdin /dev/null, output
 * appended to vt_log_path, and wait (at most @p wait_s) until @p sock exists
 * as a socket; a backend that exits first or never makes it fails the test.
 */
void vt_backend_start(char *const argv[], const char *sock, int wait_s);

/**
 * Start @p argv as vt_backend like vt_backend_start(), but wait (at most
 * @p wait_s) until its log shows @p line (a backend that connects to us
 * has no socket to wait for). Its stdout must be line-buffered.
 */
void vt_backend_start_until(char *const argv[], const char *line, int wait_s);

/** Send @p sig to vt_backend and reap it. */
void vt_backend_stop(int sig);

/** Wait up to @p wait_s seconds for ethdev @p port's link to be @p up. */
bool vt_wait_link(uint16_t port, bool up, int wait_s);

#endif /* VHOST_TEST_UTIL_H */
