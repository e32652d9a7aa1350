/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo_user: a blk_vireo device over lib/virtio's vhost-user transport
 * (vio_user.h), as a vdev:
 *
 *   --vdev blk_vireo_user0,path=/run/disk.sock[,queues=N][,queue_size=N]
 *          [,server=1[,server_wait=S]]  (server mode: see net-pmd.md)
 *
 * The backend is a vhost-user-blk server (qemu-storage-daemon --export
 * type=vhost-user-blk, SPDK, ...). The driver is the same as over PCI
 * (vireo_blk_create()); the vblk device is named after the vdev. This file
 * supplies what the transport needs from a virtio-blk frontend:
 *
 * - the device config comes from the backend (GET_CONFIG, the CONFIG
 *   protocol feature): without it capacity and limits are unknown, and the
 *   probe fails saying so;
 * - queues: every queue the backend serves (GET_QUEUE_NUM), or queues=N,
 *   which must not exceed them; the config's num_queues is rewritten to the
 *   count in use, as QEMU's vhost-user-blk frontend does.
 *
 * Needs IOVA as VA (RTE_VDEV_DRV_NEED_IOVA_AS_VA makes EAL choose it) and
 * shareable memory (see vio_user.h). Primary process only.
 */
#include <errno.h>
#include <string.h>
#include <sys/queue.h>

#include <bus_vdev_driver.h>
#include <rte_byteorder.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "vio_user.h"
#include "vireo_blk.h"
#include "vireo_blk_port.h"

#define VBU_DEFAULT_QUEUE_SIZE 256
#define VBU_CFG_NUM_QUEUES offsetof(struct vio_blk_config, num_queues)

static_assert(VIO_USER_MAX_QUEUES == 33, "update the queues= range in the param string");
static_assert(VIO_BLK_CONFIG_LEN <= VIO_USER_CONFIG_MAX, "blk config fits the transport");

static const char *const vbu_keys[] = { "path",        "queues", "queue_size", "server",
					"server_wait", "packed", "event_idx",  NULL };

#define VBU_BACKEND_HINT                                                                   \
	"e.g. qemu-storage-daemon --blockdev driver=file,filename=disk.img,node-name=d0 "  \
	"--export type=vhost-user-blk,id=e0,node-name=d0,addr.type=unix,addr.path=<path>," \
	"writable=on"

/* One per probed vdev: the transport outlives the vblk device (closed by the app). */
struct vbu {
	TAILQ_ENTRY(vbu) next;
	struct rte_vdev_device *vdev;
	uint16_t backend_cfg_queues; /**< num_queues as the backend's config said. */
	struct vio_user_dev dev;
};

TAILQ_HEAD(vbu_list, vbu);
static struct vbu_list vbu_devs = TAILQ_HEAD_INITIALIZER(vbu_devs);

#define VBU_LOG(level, name, fmt, ...) \
	rte_log(RTE_LOG_##level, vireo_blk_logtype, "blk_vireo: %s: " fmt "\n", name, ##__VA_ARGS__)

/* Present the queue count in use, keeping what the backend said for the check. */
static void
vbu_config_fixup(struct vio_user_dev *u, uint8_t *config, size_t len)
{
	struct vbu *vbu = container_of(u, struct vbu, dev);
	uint16_t nq;

	if (len < VBU_CFG_NUM_QUEUES + sizeof(nq))
		return;
	memcpy(&nq, config + VBU_CFG_NUM_QUEUES, sizeof(nq));
	vbu->backend_cfg_queues = rte_le_to_cpu_16(nq);
	nq = rte_cpu_to_le_16(u->num_queues);
	memcpy(config + VBU_CFG_NUM_QUEUES, &nq, sizeof(nq));
}

/* Queues the backend serves: GET_QUEUE_NUM (MQ protocol), else the config's (VIRTIO_BLK_F_MQ). */
static uint16_t
vbu_backend_queues(const struct vbu *vbu)
{
	uint16_t n = vio_user_backend_queue_num(&vbu->dev);

	if (n != 0)
		return n;
	if (vbu->dev.backend_features & VIO_BIT(VIO_BLK_F_MQ))
		return RTE_MAX(vbu->backend_cfg_queues, (uint16_t)1);
	return 1;
}

static int
vbu_connect(struct vbu *vbu, const struct vio_user_devargs *a)
{
	const char *name = vbu->dev.vdev.name;
	struct vio_blk_config cfg;
	struct vio_user_params p = {
		.path = a->path,
		.server = a->server == 1,
		.server_wait_ms = a->server_wait * 1000u,
		.num_queues = a->queues, /* 0: every queue the backend serves */
		.queue_size = a->queue_size,
		.config = &cfg,
		.config_len = VIO_BLK_CONFIG_LEN,
		.emu_queue = -1,
		.config_fixup = vbu_config_fixup,
		.backend_hint = VBU_BACKEND_HINT,
	};
	uint16_t backend;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	rc = vio_user_dev_init(&vbu->dev, &p);
	if (rc < 0)
		return rc;
	/* packed=0: split rings; event_idx=0: flag-only suppression. */
	vbu->dev.vdev.refused |= vio_ring_refused(a->packed, a->event_idx);
	if (!vio_user_config_from_backend(&vbu->dev)) {
		VBU_LOG(ERR, name,
			"the vhost-user backend at %s does not serve the device config (no CONFIG "
			"protocol feature): capacity and limits unknown; use a vhost-user-blk "
			"backend that does (qemu-storage-daemon, SPDK)",
			a->path);
		rc = -ENOTSUP;
	} else {
		backend = vbu_backend_queues(vbu);
		if (a->queues > backend) {
			VBU_LOG(ERR, name,
				"queues=%u but the backend at %s serves %u queue(s) "
				"(qemu-storage-daemon: num-queues= of the export)",
				a->queues, a->path, backend);
			rc = -EINVAL;
		}
	}
	if (rc < 0)
		vio_user_dev_fini(&vbu->dev);
	return rc;
}

static int
vbu_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct vio_user_devargs args = { .queues = 0, .queue_size = VBU_DEFAULT_QUEUE_SIZE };
	struct rte_kvargs *kv;
	struct vbu *vbu;
	uint16_t dev_id;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VBU_LOG(ERR, name, "vhost-user devices work in the primary process only");
		return -ENOTSUP;
	}
	rc = vio_user_devargs_parse(name, rte_vdev_device_args(vdev), vbu_keys, VIO_USER_MAX_QUEUES,
				    &args, &kv);
	if (rc < 0)
		return rc;
	rte_kvargs_free(kv); /* no keys of our own */
	vbu = rte_zmalloc_socket(name, sizeof(*vbu), RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (vbu == NULL)
		return -ENOMEM;
	vbu->vdev = vdev;
	snprintf(vbu->dev.vdev.name, sizeof(vbu->dev.vdev.name), "%s", name);
	rc = vbu_connect(vbu, &args);
	if (rc < 0) {
		rte_free(vbu);
		return rc;
	}
	rc = vireo_blk_create(name, &vbu->dev.vdev, rte_socket_id(), &dev_id);
	if (rc < 0) {
		vio_user_dev_fini(&vbu->dev);
		rte_free(vbu);
		return rc;
	}
	TAILQ_INSERT_TAIL(&vbu_devs, vbu, next);
	VBU_LOG(INFO, name, "vblk device %u on vhost-user %s, %u queue(s) of %u", dev_id, args.path,
		vbu->dev.num_queues, args.queue_size);
	return 0;
}

static struct vbu *
vbu_find(const struct rte_vdev_device *vdev)
{
	struct vbu *vbu;

	TAILQ_FOREACH (vbu, &vbu_devs, next)
		if (vbu->vdev == vdev)
			return vbu;
	return NULL;
}

static int
vbu_remove(struct rte_vdev_device *vdev)
{
	struct vbu *vbu = vbu_find(vdev);
	uint16_t id;

	/* Closed by the application already, or closed here. */
	if (vblk_dev_get_by_name(rte_vdev_device_name(vdev), &id) == 0)
		vblk_dev_close(id);
	if (vbu == NULL)
		return 0;
	TAILQ_REMOVE(&vbu_devs, vbu, next);
	vio_user_dev_fini(&vbu->dev);
	rte_free(vbu);
	return 0;
}

static struct rte_vdev_driver vbu_driver = {
	.probe = vbu_probe,
	.remove = vbu_remove,
	/* Descriptors carry virtual addresses the backend maps. */
	.drv_flags = RTE_VDEV_DRV_NEED_IOVA_AS_VA,
};

RTE_PMD_REGISTER_VDEV(blk_vireo_user, vbu_driver);
RTE_PMD_REGISTER_PARAM_STRING(blk_vireo_user,
			      "path=<socket> queues=<1..33> queue_size=<64..32768> server=<0|1> "
			      "server_wait=<seconds> packed=<0|1> event_idx=<0|1>");
