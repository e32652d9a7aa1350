/* SPDX-License-Identifier: BSD-3-Clause */
#include "vhost_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_ethdev.h>

extern char **environ;

pid_t vt_backend = -1;
char vt_log_path[128];

void
vt_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "FAIL: ");
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\n(backend log: %s)\n", vt_log_path);
	va_end(ap);
	if (vt_backend > 0) {
		kill(vt_backend, SIGKILL);
		waitpid(vt_backend, NULL, 0);
	}
	exit(1);
}

void
vt_step(const char *what)
{
	printf("---- %s\n", what);
	fflush(stdout);
}

/* Spawn @p argv as vt_backend, output appended to vt_log_path. */
static void
vt_spawn(char *const argv[])
{
	posix_spawn_file_actions_t fa;
	int rc;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, vt_log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	rc = posix_spawn(&vt_backend, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	CHECK(rc == 0, "cannot start %s: %s", argv[0], strerror(rc));
}

void
vt_backend_start(char *const argv[], const char *sock, int wait_s)
{
	unlink(sock);
	vt_spawn(argv);
	for (int i = 0; i < wait_s * 10; i++) {
		struct stat st;

		if (stat(sock, &st) == 0 && S_ISSOCK(st.st_mode))
			return;
		CHECK(waitpid(vt_backend, NULL, WNOHANG) == 0, "backend exited before its socket");
		usleep(100 * 1000);
	}
	vt_fail("backend socket %s did not appear", sock);
}

/* True when vt_log_path holds @p what after byte @p from. */
static bool
vt_log_has(const char *what, long from)
{
	char line[512];
	bool found = false;
	FILE *f = fopen(vt_log_path, "r");

	if (f != NULL && fseek(f, from, SEEK_SET) == 0)
		while (!found && fgets(line, sizeof(line), f) != NULL)
			found = strstr(line, what) != NULL;
	if (f != NULL)
		fclose(f);
	return found;
}

void
vt_backend_start_until(char *const argv[], const char *line, int wait_s)
{
	struct stat st;
	/* This backend's lines start here (the log collects every restart). */
	long from = stat(vt_log_path, &st) == 0 ? (long)st.st_size : 0;

	vt_spawn(argv);
	for (int i = 0; i < wait_s * 10; i++) {
		if (vt_log_has(line, from))
			return;
		CHECK(waitpid(vt_backend, NULL, WNOHANG) == 0, "backend exited");
		usleep(100 * 1000);
	}
	vt_fail("backend did not log '%s'", line);
}

void
vt_backend_stop(int sig)
{
	kill(vt_backend, sig);
	waitpid(vt_backend, NULL, 0);
	vt_backend = -1;
}

bool
vt_wait_link(uint16_t port, bool up, int wait_s)
{
	for (int i = 0; i < wait_s * 10; i++) {
		struct rte_eth_link link;

		if (rte_eth_link_get_nowait(port, &link) == 0 && link.link_status == up)
			return true;
		usleep(100 * 1000);
	}
	return false;
}
