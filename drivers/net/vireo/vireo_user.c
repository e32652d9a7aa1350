/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo_user: a net_vireo port over lib/virtio's vhost-user transport
 * (vio_user.h), as a vdev:
 *
 *   --vdev net_vireo_user0,path=/run/vhost.sock[,queues=N][,queue_size=N][,mac=MAC]
 *          [,server=1[,server_wait=S]]
 *
 * server=1 listens on the path and waits (server_wait seconds, default 30)
 * for a backend in client mode to connect.
 *
 * The driver itself is the same as over PCI (vireo_net_port_create()). This
 * file supplies what a vhost-user backend leaves to the frontend:
 *
 * - the device config: MAC (devarg, else random), STATUS (link up while the
 *   backend is connected: the transport turns a lost backend into
 *   DEVICE_NEEDS_RESET, which the driver reports as link down at once: the
 *   EAL interrupt thread watches the socket while the port runs) and
 *   max_virtqueue_pairs;
 * - with queues > 1, the control queue, emulated here (as every vhost-user
 *   frontend does): VQ_PAIRS_SET enables that many ring pairs with the
 *   backend; other commands get VIRTIO_NET_ERR (their features are not
 *   offered).
 *
 * Needs IOVA as VA (RTE_VDEV_DRV_NEED_IOVA_AS_VA makes EAL choose it) and
 * shareable memory (hugepages; see vio_user.h). Primary process only.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <bus_vdev_driver.h>
#include <ethdev_driver.h>
#include <rte_ether.h>
#include <rte_kvargs.h>
#include <rte_malloc.h>

#include "vio_user.h"
#include "vireo_net.h"
#include "vireo_net_port.h"

#define VIREO_USER_MAX_PAIRS ((VIO_USER_MAX_QUEUES - 1) / 2)
#define VIREO_USER_DEFAULT_QUEUE_SIZE 1024

/*
 * Features whose device side is ours, whatever the backend offers: the
 * control queue and what needs it, and config fields we do not serve (MTU,
 * speed). A frontend that passed them on would promise what nobody does.
 */
#define VIREO_USER_FRONTEND_SIDE                                                           \
	(VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_CTRL_VQ) | \
	 VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_VLAN) |                       \
	 VIO_BIT(VIO_NET_F_CTRL_RX_EXTRA) | VIO_BIT(VIO_NET_F_GUEST_ANNOUNCE) |            \
	 VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) |                        \
	 VIO_BIT(VIO_NET_F_CTRL_GUEST_OFFLOADS) | VIO_BIT(VIO_NET_F_MTU) |                 \
	 VIO_BIT(VIO_NET_F_SPEED_DUPLEX) | VIO_BIT(VIO_NET_F_RSS) |                        \
	 VIO_BIT(VIO_NET_F_HASH_REPORT))

/* The net config we serve: mac, status, max_virtqueue_pairs. */
#define VIREO_USER_CONFIG_LEN (offsetof(struct vio_net_config, max_virtqueue_pairs) + 2)

static const char *const vireo_user_keys[] = { "path",   "queues",    "queue_size",
					       "mac",    "server",    "server_wait",
					       "packed", "event_idx", "mrg_rxbuf",
					       NULL };

struct vireo_user_args {
	struct vio_user_devargs common; /**< path, queues, queue_size. */
	bool has_mac;
	struct rte_ether_addr mac;
	uint64_t refused; /**< Net features the devargs refuse (mrg_rxbuf=0). */
};

/* One per probed vdev: the transport outlives the port (closed by the app). */
struct vireo_user {
	TAILQ_ENTRY(vireo_user) next;
	struct rte_vdev_device *vdev;
	struct vio_user_dev dev;
	uint16_t queues;
};

TAILQ_HEAD(vireo_user_list, vireo_user);
static struct vireo_user_list vireo_users = TAILQ_HEAD_INITIALIZER(vireo_users);

/* ---- Devargs ---- */

static int
vireo_user_arg_mac(const char *key __rte_unused, const char *value, void *opaque)
{
	struct vireo_user_args *a = opaque;

	if (rte_ether_unformat_addr(value, &a->mac) < 0 ||
	    !rte_is_valid_assigned_ether_addr(&a->mac))
		return -EINVAL;
	a->has_mac = true;
	return 0;
}

static int
vireo_user_parse(const char *name, const char *args, struct vireo_user_args *a)
{
	struct rte_kvargs *kv;
	int rc = 0;

	*a = (struct vireo_user_args){
		.common = { .queues = 1, .queue_size = VIREO_USER_DEFAULT_QUEUE_SIZE },
	};
	rc = vio_user_devargs_parse(name, args, vireo_user_keys, VIREO_USER_MAX_PAIRS, &a->common,
				    &kv);
	if (rc < 0)
		return rc;
	if (rte_kvargs_process(kv, "mac", vireo_user_arg_mac, a) < 0) {
		VIREO_LOG_NODEV(ERR, "%s: devarg mac= takes a unicast address xx:xx:xx:xx:xx:xx",
				name);
		rc = -EINVAL;
	}
	if (vireo_devarg_mrg_rxbuf(args, &a->refused) < 0)
		rc = -EINVAL;
	rte_kvargs_free(kv);
	return rc;
}

/* ---- Emulated control queue (queues > 1) ---- */

/* The command in one chain; @return the ack to write (VIO_NET_OK/ERR). */
static uint8_t
vireo_user_ctrl_exec(struct vireo_user *vu, const uint8_t *cmd, uint32_t len)
{
	uint16_t pairs;

	if (len < 2 + sizeof(pairs) || cmd[0] != VIO_NET_CTRL_MQ ||
	    cmd[1] != VIO_NET_CTRL_MQ_VQ_PAIRS_SET)
		return VIO_NET_ERR;
	memcpy(&pairs, cmd + 2, sizeof(pairs));
	pairs = rte_le_to_cpu_16(pairs);
	if (pairs < 1 || pairs > vu->queues)
		return VIO_NET_ERR;
	return vio_user_set_active_pairs(&vu->dev, pairs) == 0 ? VIO_NET_OK : VIO_NET_ERR;
}

/*
 * Serve one chain: readable descriptors carry the command (copied into
 * @p buf), the last writable one takes the ack. Addresses are our own
 * virtual addresses (IOVA as VA). @return bytes written, or -1.
 */
static int
vireo_user_ctrl_chain(struct vireo_user *vu, const struct vio_queue_cfg *cfg, uint16_t head)
{
	const struct vio_desc *desc = (const struct vio_desc *)(uintptr_t)cfg->desc_iova;
	uint8_t buf[64], *ack = NULL;
	uint32_t len = 0;
	uint16_t i = head;

	for (uint16_t n = 0; n < cfg->size; n++) {
		const struct vio_desc *d = &desc[i];

		if (d->flags & VIO_DESC_F_WRITE) {
			if (d->len >= 1)
				ack = (uint8_t *)(uintptr_t)d->addr;
		} else if (ack == NULL && len + d->len <= sizeof(buf)) {
			memcpy(buf + len, (const void *)(uintptr_t)d->addr, d->len);
			len += d->len;
		}
		if (!(d->flags & VIO_DESC_F_NEXT))
			break;
		i = d->next;
		if (i >= cfg->size)
			return -1;
	}
	if (ack == NULL)
		return -1;
	*ack = vireo_user_ctrl_exec(vu, buf, len);
	return 1;
}

static void
vireo_user_ctrl_want_notify(struct vio_used *used, uint16_t size, uint16_t next)
{
	uint16_t *avail_event = (uint16_t *)(void *)&used->ring[size];

	__atomic_store_n(avail_event, next, __ATOMIC_RELEASE);
}

/*
 * Serve one packed chain at ring position @p pos (section 2.8): readable
 * descriptors carry the command, the last writable one takes the ack.
 * @return descriptors in the chain (0: none available), the buffer id in
 * @p id and the bytes written in @p written (-1: malformed).
 */
static uint16_t
vireo_user_ctrl_packed_chain(struct vireo_user *vu, const struct vio_queue_cfg *cfg, uint16_t pos,
			     bool wrap, uint16_t *id, int *written)
{
	struct vio_packed_desc *ring = (struct vio_packed_desc *)(uintptr_t)cfg->desc_iova;
	uint8_t buf[64], *ack = NULL;
	uint32_t len = 0;
	uint16_t n = 0;

	for (;;) {
		/* Acquire: the descriptor's fields are read after its flags. */
		uint16_t flags = __atomic_load_n(&ring[pos].flags, __ATOMIC_ACQUIRE);
		const struct vio_packed_desc *d = &ring[pos];

		if (((flags & VIO_PACKED_DESC_F_AVAIL) != 0) != wrap ||
		    ((flags & VIO_PACKED_DESC_F_USED) != 0) == wrap || n >= cfg->size)
			return n == 0 ? 0 : (*written = -1, n);
		n++;
		*id = d->id;
		if (flags & VIO_DESC_F_WRITE) {
			if (d->len >= 1)
				ack = (uint8_t *)(uintptr_t)d->addr;
		} else if (ack == NULL && len + d->len <= sizeof(buf)) {
			memcpy(buf + len, (const void *)(uintptr_t)d->addr, d->len);
			len += d->len;
		}
		if (++pos == cfg->size) {
			pos = 0;
			wrap = !wrap;
		}
		if (!(flags & VIO_DESC_F_NEXT))
			break;
	}
	if (ack == NULL) {
		*written = -1;
	} else {
		*ack = vireo_user_ctrl_exec(vu, buf, len);
		*written = 1;
	}
	return n;
}

/*
 * The control queue as a packed ring, served in order: each chain's used
 * descriptor goes where the chain started. *state holds the next position
 * in bits 0-14 and the inverted wrap counter in bit 15 (so 0 is the start:
 * position 0, wrap 1). The device event suppression stays ENABLE (0, as
 * the driver found it): notify us every time.
 */
static void
vireo_user_ctrl_notify_packed(struct vireo_user *vu, const struct vio_queue_cfg *cfg,
			      uint16_t *state)
{
	struct vio_packed_desc *ring = (struct vio_packed_desc *)(uintptr_t)cfg->desc_iova;
	uint16_t pos = *state & 0x7fff, id = 0, n;
	bool wrap = !(*state >> 15);
	int written = -1;

	while (pos < cfg->size &&
	       (n = vireo_user_ctrl_packed_chain(vu, cfg, pos, wrap, &id, &written)) != 0) {
		ring[pos].id = id;
		ring[pos].len = written < 0 ? 0 : (uint32_t)written;
		/* Release: the ack, id and len before the flags that mark it used. */
		__atomic_store_n(&ring[pos].flags,
				 wrap ? (VIO_PACKED_DESC_F_AVAIL | VIO_PACKED_DESC_F_USED) : 0,
				 __ATOMIC_RELEASE);
		pos = (uint16_t)(pos + n);
		if (pos >= cfg->size) {
			pos = (uint16_t)(pos - cfg->size);
			wrap = !wrap;
		}
	}
	*state = (uint16_t)(pos | (wrap ? 0 : 0x8000));
}

static void
vireo_user_ctrl_notify(struct vio_user_dev *u, uint16_t index, void *arg)
{
	struct vireo_user *vu = arg;
	uint16_t *last_avail;
	const struct vio_queue_cfg *cfg = vio_user_queue_cfg(u, index, &last_avail);
	const struct vio_avail *avail;
	struct vio_used *used;
	uint16_t avail_idx;

	if (cfg == NULL)
		return;
	if (vio_dev_has(&u->vdev, VIO_F_RING_PACKED)) {
		vireo_user_ctrl_notify_packed(vu, cfg, last_avail);
		return;
	}
	avail = (const struct vio_avail *)(uintptr_t)cfg->avail_iova;
	used = (struct vio_used *)(uintptr_t)cfg->used_iova;
	/* Acquire: ring entries and descriptors are read after the index. */
	avail_idx = __atomic_load_n(&avail->idx, __ATOMIC_ACQUIRE);
	while (*last_avail != avail_idx) {
		uint16_t head = avail->ring[*last_avail & (cfg->size - 1)];
		uint16_t slot = used->idx & (cfg->size - 1);
		int written = head < cfg->size ? vireo_user_ctrl_chain(vu, cfg, head) : -1;

		used->ring[slot].id = head;
		used->ring[slot].len = written < 0 ? 0 : (uint32_t)written;
		/* Release: the ack and the used entry before the index. */
		__atomic_store_n(&used->idx, (uint16_t)(used->idx + 1), __ATOMIC_RELEASE);
		(*last_avail)++;
	}
	/*
	 * As a device that sleeps until notified: with EVENT_IDX, ask for a
	 * notification at the next entry (avail_event, after used->ring[size]);
	 * without it, the driver reads used->flags (0: always notify).
	 */
	vireo_user_ctrl_want_notify(used, cfg->size, *last_avail);
}

/* ---- Probe / remove ---- */

static struct vireo_user *
vireo_user_find(const struct rte_vdev_device *vdev)
{
	struct vireo_user *vu;

	TAILQ_FOREACH (vu, &vireo_users, next)
		if (vu->vdev == vdev)
			return vu;
	return NULL;
}

static int
vireo_user_connect(struct vireo_user *vu, const struct vireo_user_args *a)
{
	struct vio_net_config cfg;
	struct vio_user_params p = {
		.path = a->common.path,
		.server = a->common.server == 1,
		.server_wait_ms = a->common.server_wait * 1000u,
		.num_queues = (uint16_t)(2 * a->common.queues),
		.queue_size = a->common.queue_size,
		.frontend_features = VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS),
		.backend_features_hidden = VIREO_USER_FRONTEND_SIDE,
		.config = &cfg,
		.config_len = VIREO_USER_CONFIG_LEN,
		.emu_queue = -1,
		.backend_hint = "e.g. dpdk-testpmd --vdev net_vhost0,iface=<path>",
	};
	uint16_t queues = a->common.queues;
	uint16_t backend;
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	memcpy(cfg.mac, a->mac.addr_bytes, sizeof(cfg.mac));
	cfg.status = rte_cpu_to_le_16(VIO_NET_S_LINK_UP);
	cfg.max_virtqueue_pairs = rte_cpu_to_le_16(queues);
	if (queues > 1) {
		/* The control queue follows the pairs; the frontend serves it. */
		p.num_queues++;
		p.emu_queue = 2 * queues;
		p.emu_notify = vireo_user_ctrl_notify;
		p.emu_arg = vu;
		p.frontend_features |= VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_NET_F_CTRL_VQ);
	}
	vu->queues = queues;
	rc = vio_user_dev_init(&vu->dev, &p);
	if (rc == 0) /* packed=0: split rings; event_idx=0: flag-only suppression */
		vu->dev.vdev.refused |= vio_ring_refused(a->common.packed, a->common.event_idx) |
					a->refused;
	if (rc < 0 || queues == 1)
		return rc;
	backend = vio_user_backend_queue_num(&vu->dev);
	if (backend < queues) {
		VIREO_LOG_NODEV(ERR,
				"%s: queues=%u but the backend offers %u queue pair(s) (start it "
				"with queues=%u)",
				vu->dev.vdev.name, queues, backend, queues);
		vio_user_dev_fini(&vu->dev);
		return -EINVAL;
	}
	return 0;
}

static int
vireo_user_probe(struct rte_vdev_device *vdev)
{
	const char *name = rte_vdev_device_name(vdev);
	struct vireo_user_args args;
	struct vireo_user *vu;
	uint16_t port_id;
	int rc;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VIREO_LOG_NODEV(ERR, "%s: vhost-user ports work in the primary process only", name);
		return -ENOTSUP;
	}
	rc = vireo_user_parse(name, rte_vdev_device_args(vdev), &args);
	if (rc < 0)
		return rc;
	if (!args.has_mac)
		rte_eth_random_addr(args.mac.addr_bytes);
	vu = rte_zmalloc_socket(name, sizeof(*vu), RTE_CACHE_LINE_SIZE, rte_socket_id());
	if (vu == NULL)
		return -ENOMEM;
	vu->vdev = vdev;
	snprintf(vu->dev.vdev.name, sizeof(vu->dev.vdev.name), "%s", name);
	rc = vireo_user_connect(vu, &args);
	if (rc < 0) {
		rte_free(vu);
		return rc;
	}
	rc = vireo_net_port_create(name, &vu->dev.vdev, &vdev->device, &port_id);
	if (rc < 0) {
		vio_user_dev_fini(&vu->dev);
		rte_free(vu);
		return rc;
	}
	TAILQ_INSERT_TAIL(&vireo_users, vu, next);
	VIREO_LOG_NODEV(INFO, "%s: port %u on vhost-user %s, %u queue pair(s)", name, port_id,
			args.common.path, args.common.queues);
	return 0;
}

static int
vireo_user_remove(struct rte_vdev_device *vdev)
{
	struct vireo_user *vu = vireo_user_find(vdev);
	uint16_t port_id;

	if (rte_eth_dev_get_port_by_name(rte_vdev_device_name(vdev), &port_id) == 0)
		rte_eth_dev_close(port_id);
	if (vu == NULL)
		return 0;
	TAILQ_REMOVE(&vireo_users, vu, next);
	vio_user_dev_fini(&vu->dev);
	rte_free(vu);
	return 0;
}

static struct rte_vdev_driver vireo_user_driver = {
	.probe = vireo_user_probe,
	.remove = vireo_user_remove,
	/* Descriptors carry virtual addresses the backend maps. */
	.drv_flags = RTE_VDEV_DRV_NEED_IOVA_AS_VA,
};

RTE_PMD_REGISTER_VDEV(net_vireo_user, vireo_user_driver);
RTE_PMD_REGISTER_PARAM_STRING(net_vireo_user,
			      "path=<socket> queues=<1..16> queue_size=<64..32768> mac=<addr> "
			      "server=<0|1> server_wait=<seconds> packed=<0|1> event_idx=<0|1> "
			      "mrg_rxbuf=<0|1>");
