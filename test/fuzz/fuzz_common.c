/* SPDX-License-Identifier: BSD-3-Clause */
/* Helpers shared by the libFuzzer targets (see fuzz_common.h). */
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_log.h>

#include "fuzz_common.h"

void
fuzz_bytes(struct fuzz_in *in, void *buf, size_t len)
{
	size_t take = len < in->n ? len : in->n;

	memcpy(buf, in->p, take);
	memset((uint8_t *)buf + take, 0, len - take);
	in->p += take;
	in->n -= take;
}

void
fuzz_fail(const char *file, int line, const char *cond, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "\nfuzz invariant failed at %s:%d: %s\n  ", file, line, cond);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	abort();
}

void
fuzz_quiet_logs(void)
{
	if (getenv("FUZZ_VERBOSE") == NULL)
		rte_log_set_global_level(RTE_LOG_EMERG);
}

void
fuzz_eal_init(const char *target)
{
	char prefix[64];
	char *argv[] = {
		(char *)"fuzz",
		(char *)"--no-huge",
		(char *)"--no-pci",
		(char *)"-m",
		(char *)"256",
		(char *)"--no-shconf",
		(char *)"--no-telemetry",
		(char *)"-l0",
		prefix,
		(char *)"--log-level=lib.eal:error",
	};

	snprintf(prefix, sizeof(prefix), "--file-prefix=fuzz_%s_%d", target, (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0) {
		fprintf(stderr, "fuzz: rte_eal_init failed: %s\n", rte_strerror(rte_errno));
		exit(1);
	}
	fuzz_quiet_logs();
}
