/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers of the host vhost-user tests (test/vhost): the test's folder and
 * EAL, failing with the backend's log named, step banners, a backend
 * process started and waited for until its socket exists, the net tests'
 * testpmd backend, and port starts that wait for a backend dialling in.
 */
#ifndef VHOST_TEST_UTIL_H
#define VHOST_TEST_UTIL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/** The backend process (-1: none) and its log file, for vt_fail(). */
extern pid_t vt_backend;
extern char vt_log_path[128];
/** The test's own folder, and the backend's socket in it. */
extern char vt_tmp_dir[64];
extern char vt_sock_path[128];

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
 * Start the test @p argv0: make vt_tmp_dir (/tmp/vireo-NAME-XXXXXX, NAME
 * its file name) for vt_sock_path and vt_log_path, and rte_eal_init() on
 * @p lcores with @p mem_mb of memory that the backend maps: hugepages in
 * memory, one file per list, or with @p nohuge --no-huge (a memfd in DPDK
 * 22.11); no PCI, IOVA as VA, no telemetry, log level notice and
 * @p log_level (NULL: none). A failure fails the test.
 */
void vt_init(const char *argv0, const char *lcores, const char *mem_mb, bool nohuge,
	     const char *log_level);

/** Remove vt_sock_path, vt_log_path and vt_tmp_dir (the end of a test). */
void vt_tmp_remove(void);

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

/** A `dpdk-testpmd --vdev net_vhost0` backend for the net tests. */
struct vt_testpmd {
	const char *path;    /**< the dpdk-testpmd binary */
	const char *prefix;  /**< --file-prefix, the pid appended */
	unsigned int mem_mb; /**< -m */
	unsigned int queues; /**< queue pairs: net_vhost queues=, --rxq, --txq */
	unsigned int mbufs;  /**< --total-num-mbufs */
	bool client;         /**< it dials our socket (net_vhost client=1) */
	bool debug_log;      /**< --log-level user1:debug */
};

/**
 * Start @p tp as vt_backend on vt_sock_path: io forwarding (every frame
 * comes back on its queue), its main and forwarding lcores on CPU 0 (the
 * tests run on CPU 1), --no-huge memory, stdout line by line. Wait (at most
 * @p wait_s) for its socket, or with @p tp->client until it has started
 * its port (see vt_backend_start_until()).
 */
void vt_testpmd_start(const struct vt_testpmd *tp, int wait_s);

/** Send @p sig to vt_backend and reap it. */
void vt_backend_stop(int sig);

/** CPU time of the calling thread so far, in seconds. */
double vt_thread_cpu_s(void);

/** Wait up to @p wait_s seconds for ethdev @p port's link to be @p up. */
bool vt_wait_link(uint16_t port, bool up, int wait_s);

/**
 * rte_eth_dev_start(@p port); with @p retry (our port in server mode) again
 * for up to @p wait_s while it fails: a restarted backend dials in only
 * within about a second (its reconnect timer).
 * @return the last start's result.
 */
int vt_port_start(uint16_t port, bool retry, int wait_s);

#endif /* VHOST_TEST_UTIL_H */
