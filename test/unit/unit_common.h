/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the lib/virtio unit tests (header-only). */
#ifndef UNIT_COMMON_H
#define UNIT_COMMON_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <setjmp.h>
#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

/*
 * Bring EAL up the way every host test does: no hugepages (IOVA as VA),
 * no PCI (this machine's own NIC and disk are virtio-pci), no shared
 * config, a per-process file prefix so parallel tests never collide.
 */
static inline int
unit_eal_init(const char *test, const char *lcores)
{
	char prefix[64], lc[32];
	char *argv[] = {
		(char *)"unit",
		(char *)"--no-huge",
		(char *)"--no-pci",
		(char *)"-m",
		(char *)"128",
		(char *)"--no-shconf",
		lc,
		prefix,
		(char *)"--log-level=lib.eal:error",
		(char *)"--log-level=lib.vireo.*:debug",
	};
	int rc;

	snprintf(prefix, sizeof(prefix), "--file-prefix=vio_%s_%d", test, (int)getpid());
	snprintf(lc, sizeof(lc), "-l%s", lcores);
	rc = rte_eal_init((int)RTE_DIM(argv), argv);
	if (rc < 0)
		fprintf(stderr, "rte_eal_init failed: %s\n", rte_strerror(rte_errno));
	return rc;
}

/* Capture everything rte_log writes into memory, to assert on messages. */
struct log_capture {
	FILE *f;
	char *buf;
	size_t len;
};

static inline void
log_capture_start(struct log_capture *lc)
{
	memset(lc, 0, sizeof(*lc));
	lc->f = open_memstream(&lc->buf, &lc->len);
	assert_non_null(lc->f);
	rte_openlog_stream(lc->f);
}

/* Text captured so far (NUL-terminated). */
static inline const char *
log_capture_text(struct log_capture *lc)
{
	fflush(lc->f);
	return lc->buf != NULL ? lc->buf : "";
}

/* Stop capturing; echo what was captured to stderr for the test log. */
static inline void
log_capture_stop(struct log_capture *lc)
{
	rte_openlog_stream(NULL);
	fclose(lc->f);
	if (lc->buf != NULL && lc->len > 0)
		fprintf(stderr, "%s", lc->buf);
	free(lc->buf);
	memset(lc, 0, sizeof(*lc));
}

#endif /* UNIT_COMMON_H */
