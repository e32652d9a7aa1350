/* SPDX-License-Identifier: BSD-3-Clause */
#include "vhost_test_util.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>

extern char **environ;

pid_t vt_backend = -1;
char vt_log_path[128];
char vt_tmp_dir[64];
char vt_sock_path[128];

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

void
vt_init(const char *argv0, const char *lcores, const char *mem_mb, bool nohuge,
	const char *log_level)
{
	char *eal[] = { (char *)argv0,
			"--no-pci",
			nohuge ? "--no-huge" : "--in-memory",
			nohuge ? "--no-shconf" : "--single-file-segments",
			"-m",
			(char *)mem_mb,
			"--iova-mode=va",
			"--lcores",
			(char *)lcores,
			"--no-telemetry",
			"--log-level",
			"*:notice",
			"--log-level",
			log_level != NULL ? (char *)log_level : "*:notice",
			NULL };
	const char *name = strrchr(argv0, '/');

	snprintf(vt_tmp_dir, sizeof(vt_tmp_dir), "/tmp/vireo-%s-XXXXXX",
		 name != NULL ? name + 1 : argv0);
	CHECK(mkdtemp(vt_tmp_dir) != NULL, "mkdtemp %s", vt_tmp_dir);
	snprintf(vt_sock_path, sizeof(vt_sock_path), "%s/vhost.sock", vt_tmp_dir);
	snprintf(vt_log_path, sizeof(vt_log_path), "%s/backend.log", vt_tmp_dir);
	CHECK(rte_eal_init((int)RTE_DIM(eal) - 1, eal) >= 0, "rte_eal_init failed (%s)%s",
	      rte_strerror(rte_errno),
	      nohuge ? "" : ": needs free 2 MiB hugepages: run devtools/setup.sh as root");
}

void
vt_tmp_remove(void)
{
	unlink(vt_sock_path);
	unlink(vt_log_path);
	rmdir(vt_tmp_dir);
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
vt_testpmd_start(const struct vt_testpmd *tp, int wait_s)
{
	char mem[16], prefix[64], vdev[256], rxq[16], txq[16], mbufs[32];
	/* stdbuf: its stdout line by line, so the log shows how far it got. */
	char *argv[32] = { "/usr/bin/stdbuf",
			   "-oL",
			   (char *)tp->path,
			   "--lcores",
			   "0@0,1@0",
			   "--no-pci",
			   "--no-huge",
			   "-m",
			   mem,
			   "--file-prefix",
			   prefix,
			   "--vdev",
			   vdev };
	int n = 0;

	while (argv[n] != NULL)
		n++;
	snprintf(mem, sizeof(mem), "%u", tp->mem_mb);
	snprintf(prefix, sizeof(prefix), "%s%d", tp->prefix, (int)getpid());
	snprintf(vdev, sizeof(vdev), "net_vhost0,iface=%s,queues=%u%s", vt_sock_path, tp->queues,
		 tp->client ? ",client=1" : "");
	snprintf(rxq, sizeof(rxq), "--rxq=%u", tp->queues);
	snprintf(txq, sizeof(txq), "--txq=%u", tp->queues);
	snprintf(mbufs, sizeof(mbufs), "--total-num-mbufs=%u", tp->mbufs);
	if (tp->debug_log) {
		argv[n++] = "--log-level";
		argv[n++] = "user1:debug";
	}
	argv[n++] = "--";
	argv[n++] = "--forward-mode=io";
	argv[n++] = rxq;
	argv[n++] = txq;
	argv[n++] = "--nb-cores=1";
	argv[n++] = mbufs;
	argv[n++] = "--stats-period=1";
	argv[n] = NULL;
	if (!tp->client) {
		vt_backend_start(argv, vt_sock_path, wait_s);
		return;
	}
	/*
	 * It dials our socket, and keeps trying every second. Let it start its
	 * port first: when the connection came while DPDK 22.11's net_vhost
	 * was still starting its port, it was seen never to forward to us (a
	 * race between its connection handling and its dev_start).
	 */
	vt_backend_start_until(argv, "Checking link statuses", wait_s);
}

void
vt_backend_stop(int sig)
{
	kill(vt_backend, sig);
	waitpid(vt_backend, NULL, 0);
	vt_backend = -1;
}

double
vt_thread_cpu_s(void)
{
	struct rusage ru;

	CHECK(getrusage(RUSAGE_THREAD, &ru) == 0, "getrusage");
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
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

int
vt_port_start(uint16_t port, bool retry, int wait_s)
{
	int rc = rte_eth_dev_start(port);

	for (int i = 0; retry && rc < 0 && i < wait_s * 4; i++) {
		usleep(250 * 1000);
		rc = rte_eth_dev_start(port);
	}
	return rc;
}
