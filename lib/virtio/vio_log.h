/* SPDX-License-Identifier: BSD-3-Clause */
/* Internal: lib/virtio's log type. Not installed, not for drivers. */
#ifndef VIO_LOG_H
#define VIO_LOG_H

#include <rte_log.h>

extern int vio_logtype;

#define VIO_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vio_logtype, "vio: " fmt "\n", ##__VA_ARGS__)

#endif /* VIO_LOG_H */
