/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Devargs every vhost-user vdev takes (net_vireo_user, blk_vireo_user):
 * path=, queues=, queue_size=, server=, server_wait=, packed=, event_idx=, parsed and checked once here; each driver
 * adds its own keys and processes them from the returned kvargs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_kvargs.h>

#include "vio_log.h"
#include "vio_user.h"

static int
vio_user_arg_path(const char *key __rte_unused, const char *value, void *opaque)
{
	struct vio_user_devargs *a = opaque;

	if (strlen(value) >= sizeof(a->path))
		return -ENAMETOOLONG;
	snprintf(a->path, sizeof(a->path), "%s", value);
	return 0;
}

static int
vio_user_arg_u16(const char *key __rte_unused, const char *value, void *opaque)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno != 0 || *end != '\0' || end == value || v > UINT16_MAX)
		return -EINVAL;
	*(uint16_t *)opaque = (uint16_t)v;
	return 0;
}

/* "k1, k2, ..." for the message about an unparsable string. */
static void
vio_user_key_list(const char *const *keys, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (unsigned int i = 0; keys[i] != NULL && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i > 0 ? ", " : "", keys[i]);
}

int
vio_user_devargs_parse(const char *name, const char *args, const char *const *keys,
		       uint16_t max_queues, struct vio_user_devargs *a, struct rte_kvargs **kvp)
{
	struct rte_kvargs *kv = rte_kvargs_parse(args != NULL ? args : "", keys);
	uint16_t queues = a->queues;
	char list[128];
	int rc = -EINVAL;

	*kvp = NULL;
	a->path[0] = '\0';
	a->server = 0;
	a->server_wait = VIO_USER_DEFAULT_SERVER_WAIT_S;
	a->packed = 1;
	a->event_idx = 1;
	if (kv == NULL) {
		vio_user_key_list(keys, list, sizeof(list));
		VIO_LOG(ERR, "%s: cannot parse devargs '%s' (keys: %s)", name, args, list);
		return -EINVAL;
	}
	if (rte_kvargs_process(kv, "path", vio_user_arg_path, a) < 0 || a->path[0] == '\0')
		VIO_LOG(ERR, "%s: devarg path=<vhost-user socket> is required", name);
	else if (rte_kvargs_process(kv, "queues", vio_user_arg_u16, &queues) < 0 ||
		 (rte_kvargs_count(kv, "queues") > 0 && (queues < 1 || queues > max_queues)))
		VIO_LOG(ERR, "%s: devarg queues= takes 1..%u", name, max_queues);
	else if (rte_kvargs_process(kv, "queue_size", vio_user_arg_u16, &a->queue_size) < 0 ||
		 a->queue_size < 64 || !rte_is_power_of_2(a->queue_size))
		VIO_LOG(ERR, "%s: devarg queue_size= takes a power of two 64..32768", name);
	else if (rte_kvargs_process(kv, "server", vio_user_arg_u16, &a->server) < 0 ||
		 a->server > 1)
		VIO_LOG(ERR, "%s: devarg server= takes 0 or 1", name);
	else if (rte_kvargs_process(kv, "server_wait", vio_user_arg_u16, &a->server_wait) < 0 ||
		 a->server_wait < 1 || a->server_wait > VIO_USER_MAX_SERVER_WAIT_S)
		VIO_LOG(ERR, "%s: devarg server_wait= takes 1..%u seconds", name,
			VIO_USER_MAX_SERVER_WAIT_S);
	else if (rte_kvargs_process(kv, "packed", vio_user_arg_u16, &a->packed) < 0 ||
		 a->packed > 1)
		VIO_LOG(ERR, "%s: devarg packed= takes 0 or 1", name);
	else if (rte_kvargs_process(kv, "event_idx", vio_user_arg_u16, &a->event_idx) < 0 ||
		 a->event_idx > 1)
		VIO_LOG(ERR, "%s: devarg event_idx= takes 0 or 1", name);
	else
		rc = 0;
	if (rc < 0) {
		rte_kvargs_free(kv);
		return rc;
	}
	a->queues = queues;
	*kvp = kv;
	return 0;
}
