/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user frontend transport (QEMU's vhost-user protocol, frontend
 * side). The backend owns the device's data path; this file turns the
 * transport ops into protocol messages:
 *
 *   connect:       SET_OWNER, GET_FEATURES, GET/SET_PROTOCOL_FEATURES,
 *                  GET_QUEUE_NUM (MQ), GET_CONFIG (CONFIG)
 *   FEATURES_OK:   SET_FEATURES
 *   config write:  SET_CONFIG (CONFIG; a device-writable field such as
 *                  virtio-blk's writeback)
 *   queue_setup:   SET_MEM_TABLE (when the EAL memory changed), SET_VRING_NUM,
 *                  SET_VRING_BASE 0, SET_VRING_ADDR, SET_VRING_KICK,
 *                  SET_VRING_CALL (an eventfd nobody reads: we poll; in
 *                  interrupt mode the ring's own eventfd, its interrupt fd)
 *   DRIVER_OK:     SET_VRING_ENABLE 1 (only with PROTOCOL_FEATURES; without
 *                  it a ring starts once it has a kick fd)
 *   reset:         GET_VRING_BASE per started ring (the backend stops it
 *                  and answers once it no longer touches it), fds closed;
 *                  a dead connection is dropped and made again.
 *
 * Device status is emulated (the backend has no status register unless
 * STATUS is negotiated, which we do not ask for), so lib/virtio's
 * negotiation runs unchanged. Every reply is checked: request id, reply
 * flag, version, payload size, and the index a GET_VRING_BASE answers for.
 * A backend that closes the socket turns the status into
 * DEVICE_NEEDS_RESET, which the driver's watch reports; with status events
 * enabled (event_intr_enable) the EAL interrupt thread watches the socket
 * and the driver hears of it at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_interrupts.h>
#include <rte_memory.h>

#include "vio_log.h"
#include "vio_user.h"

/* Request ids (vhost-user protocol, "Front-end message types"). */
enum {
	VU_GET_FEATURES = 1,
	VU_SET_FEATURES = 2,
	VU_SET_OWNER = 3,
	VU_SET_MEM_TABLE = 5,
	VU_SET_VRING_NUM = 8,
	VU_SET_VRING_ADDR = 9,
	VU_SET_VRING_BASE = 10,
	VU_GET_VRING_BASE = 11,
	VU_SET_VRING_KICK = 12,
	VU_SET_VRING_CALL = 13,
	VU_GET_PROTOCOL_FEATURES = 15,
	VU_SET_PROTOCOL_FEATURES = 16,
	VU_GET_QUEUE_NUM = 17,
	VU_SET_VRING_ENABLE = 18,
	VU_GET_CONFIG = 24,
	VU_SET_CONFIG = 25,
};

/* Protocol feature bits we use. */
#define VU_PROTOCOL_F_MQ 0
#define VU_PROTOCOL_F_REPLY_ACK 3
#define VU_PROTOCOL_F_CONFIG 9
#define VU_PROTOCOL_WANTED                                              \
	(VIO_BIT(VU_PROTOCOL_F_MQ) | VIO_BIT(VU_PROTOCOL_F_REPLY_ACK) | \
	 VIO_BIT(VU_PROTOCOL_F_CONFIG))

/* Virtio feature bit 30 on the vhost-user socket: protocol features exist. */
#define VU_F_PROTOCOL_FEATURES 30

#define VU_VERSION 0x1
#define VU_FLAG_VERSION_MASK 0x3
#define VU_FLAG_REPLY (1u << 2)
#define VU_FLAG_NEED_REPLY (1u << 3)
#define VU_VRING_NOFD (1ull << 8)
#define VU_VRING_IDX_MASK 0xffull

/*
 * Server mode: how long a reconnect (the next negotiation after a backend was
 * lost) waits for a backend to dial in. DPDK's vhost client retries every
 * second.
 */
#define VU_RECONNECT_WAIT_MS 2000u

/* A backend that answers nothing within this time is treated as gone. */
#define VU_REPLY_TIMEOUT_MS 5000

struct vu_hdr {
	uint32_t request;
	uint32_t flags;
	uint32_t size;
} __rte_packed;

struct vu_vring_state {
	uint32_t index;
	uint32_t num;
};

struct vu_vring_addr {
	uint32_t index;
	uint32_t flags;
	uint64_t desc;
	uint64_t used;
	uint64_t avail;
	uint64_t log;
};

struct vu_mem_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct vu_mem {
	uint32_t nregions;
	uint32_t padding;
	struct vu_mem_region regions[VIO_USER_MAX_REGIONS];
};

struct vu_config {
	uint32_t offset;
	uint32_t size;
	uint32_t flags;
	uint8_t data[VIO_USER_CONFIG_MAX];
};

static_assert(sizeof(struct vu_hdr) == 12, "vhost-user header is 12 bytes");
static_assert(sizeof(struct vu_vring_addr) == 40, "vring address is 40 bytes");
static_assert(sizeof(struct vu_mem_region) == 32, "memory region is 32 bytes");

static const struct vio_transport_ops vio_user_ops;

static struct vio_user_dev *
vio_user_of(struct vio_dev *dev)
{
	return container_of(dev, struct vio_user_dev, vdev);
}

static const char *
vu_req_name(uint32_t req)
{
	static const char *const names[] = {
		[VU_GET_FEATURES] = "GET_FEATURES",
		[VU_SET_FEATURES] = "SET_FEATURES",
		[VU_SET_OWNER] = "SET_OWNER",
		[VU_SET_MEM_TABLE] = "SET_MEM_TABLE",
		[VU_SET_VRING_NUM] = "SET_VRING_NUM",
		[VU_SET_VRING_ADDR] = "SET_VRING_ADDR",
		[VU_SET_VRING_BASE] = "SET_VRING_BASE",
		[VU_GET_VRING_BASE] = "GET_VRING_BASE",
		[VU_SET_VRING_KICK] = "SET_VRING_KICK",
		[VU_SET_VRING_CALL] = "SET_VRING_CALL",
		[VU_GET_PROTOCOL_FEATURES] = "GET_PROTOCOL_FEATURES",
		[VU_SET_PROTOCOL_FEATURES] = "SET_PROTOCOL_FEATURES",
		[VU_GET_QUEUE_NUM] = "GET_QUEUE_NUM",
		[VU_SET_VRING_ENABLE] = "SET_VRING_ENABLE",
		[VU_GET_CONFIG] = "GET_CONFIG",
		[VU_SET_CONFIG] = "SET_CONFIG",
	};

	return req < RTE_DIM(names) && names[req] != NULL ? names[req] : "?";
}

/* ---- Connection ---- */

/* The backend went away (or broke the protocol): drop the connection. */
static void
vu_disconnect(struct vio_user_dev *u, const char *why)
{
	if (u->sock < 0)
		return;
	/*
	 * Shut the connection down, not just our fd: the event watch holds a
	 * dup of it, and sees the hang-up at once (so does the backend).
	 */
	shutdown(u->sock, SHUT_RDWR);
	close(u->sock);
	u->sock = -1;
	if (!u->dead_logged)
		VIO_LOG(ERR, "%s: vhost-user backend %s: %s; the port needs a restart or reset",
			u->vdev.name, u->path, why);
	u->dead_logged = true;
	/* A running device reports it the way a PCI device would. */
	if (u->status & VIO_STATUS_DRIVER_OK)
		u->status |= VIO_STATUS_DEVICE_NEEDS_RESET;
}

static int
vu_send(struct vio_user_dev *u, uint32_t req, uint32_t flags, const void *payload, uint32_t size,
	const int *fds, unsigned int nfds)
{
	struct {
		struct vu_hdr hdr;
		uint8_t payload[sizeof(struct vu_mem)];
	} __rte_packed msg;
	char control[CMSG_SPACE(sizeof(int) * VIO_USER_MAX_REGIONS)];
	struct iovec iov;
	struct msghdr mh;
	ssize_t n;

	if (u->sock < 0)
		return -ENOTCONN;
	RTE_VERIFY(size <= sizeof(msg.payload) && nfds <= VIO_USER_MAX_REGIONS);
	msg.hdr = (struct vu_hdr){ req, VU_VERSION | flags, size };
	if (size > 0)
		memcpy(msg.payload, payload, size);
	iov = (struct iovec){ &msg, sizeof(msg.hdr) + size };
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	if (nfds > 0) {
		struct cmsghdr *cm;

		memset(control, 0, sizeof(control));
		mh.msg_control = control;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
		memcpy(CMSG_DATA(cm), fds, sizeof(int) * nfds);
	}
	do {
		/* MSG_NOSIGNAL: a closed peer is an error here, not SIGPIPE. */
		n = sendmsg(u->sock, &mh, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n != (ssize_t)iov.iov_len) {
		char why[96];

		snprintf(why, sizeof(why), "sending %s failed (%s)", vu_req_name(req),
			 n < 0 ? strerror(errno) : "short write");
		vu_disconnect(u, why);
		return -EIO;
	}
	return 0;
}

/* Read exactly @p len bytes, waiting at most VU_REPLY_TIMEOUT_MS in total. */
static int
vu_read_full(struct vio_user_dev *u, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		struct pollfd pfd = { .fd = u->sock, .events = POLLIN };
		ssize_t n;
		int rc;

		rc = poll(&pfd, 1, VU_REPLY_TIMEOUT_MS);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return rc == 0 ? -ETIMEDOUT : -errno;
		n = recv(u->sock, (uint8_t *)buf + got, len - got, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? -ECONNRESET : -errno;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Receive the reply to @p req. Its payload must be exactly @p size bytes
 * (a backend's reply is never trusted for its length).
 */
static int
vu_recv(struct vio_user_dev *u, uint32_t req, void *payload, uint32_t size)
{
	struct vu_hdr hdr;
	char why[128];
	int rc;

	if (u->sock < 0)
		return -ENOTCONN;
	rc = vu_read_full(u, &hdr, sizeof(hdr));
	if (rc < 0) {
		snprintf(why, sizeof(why), "no reply to %s (%s)", vu_req_name(req), strerror(-rc));
		goto broken;
	}
	if (hdr.request != req || (hdr.flags & VU_FLAG_VERSION_MASK) != VU_VERSION ||
	    !(hdr.flags & VU_FLAG_REPLY) || hdr.size != size) {
		snprintf(why, sizeof(why),
			 "bad reply to %s: request %" PRIu32 " flags 0x%" PRIx32 " size %" PRIu32
			 " (want %" PRIu32 ")",
			 vu_req_name(req), hdr.request, hdr.flags, hdr.size, size);
		rc = -EPROTO;
		goto broken;
	}
	rc = vu_read_full(u, payload, size);
	if (rc == 0)
		return 0;
	snprintf(why, sizeof(why), "short reply to %s (%s)", vu_req_name(req), strerror(-rc));
broken:
	/* The stream is out of step now: nothing after this can be trusted. */
	vu_disconnect(u, why);
	return rc == -EPROTO ? -EPROTO : -EIO;
}

static bool
vu_has_protocol(const struct vio_user_dev *u, unsigned int bit)
{
	return (u->protocol_features & VIO_BIT(bit)) != 0;
}

/* A message without a reply; with REPLY_ACK wait for the backend's verdict. */
static int
vu_set(struct vio_user_dev *u, uint32_t req, const void *payload, uint32_t size, const int *fds,
       unsigned int nfds)
{
	bool ack = vu_has_protocol(u, VU_PROTOCOL_F_REPLY_ACK);
	uint64_t verdict;
	int rc;

	rc = vu_send(u, req, ack ? VU_FLAG_NEED_REPLY : 0, payload, size, fds, nfds);
	if (rc < 0 || !ack)
		return rc;
	rc = vu_recv(u, req, &verdict, sizeof(verdict));
	if (rc < 0)
		return rc;
	if (verdict != 0) {
		VIO_LOG(ERR, "%s: backend rejected %s (0x%" PRIx64 ")", u->vdev.name,
			vu_req_name(req), verdict);
		return -EIO;
	}
	return 0;
}

static int
vu_set_u64(struct vio_user_dev *u, uint32_t req, uint64_t val)
{
	return vu_set(u, req, &val, sizeof(val), NULL, 0);
}

static int
vu_get_u64(struct vio_user_dev *u, uint32_t req, uint64_t *val)
{
	int rc = vu_send(u, req, 0, NULL, 0, NULL, 0);

	return rc < 0 ? rc : vu_recv(u, req, val, sizeof(*val));
}

static int
vu_socket_connect(struct vio_user_dev *u, bool quiet)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, err;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, u->path, sizeof(u->path));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		err = errno;
		close(fd);
		if (!quiet)
			VIO_LOG(ERR,
				"%s: cannot connect to vhost-user socket %s: %s; start the backend "
				"first (%s)",
				u->vdev.name, u->path, strerror(err),
				u->backend_hint != NULL ? u->backend_hint :
							  "a vhost-user backend listening there");
		return -err;
	}
	u->sock = fd;
	return 0;
}

/* Server mode: take the next backend that connected to our socket. */
static int
vu_socket_accept(struct vio_user_dev *u, bool quiet, unsigned int wait_ms)
{
	struct pollfd pfd = { .fd = u->listen_fd, .events = POLLIN };
	int fd, rc;

	do
		rc = poll(&pfd, 1, (int)RTE_MIN(wait_ms, (unsigned int)INT32_MAX));
	while (rc < 0 && errno == EINTR);
	if (rc <= 0) {
		if (!quiet)
			VIO_LOG(ERR,
				"%s: no vhost-user backend connected to %s within %u ms; start the "
				"backend in client mode (e.g. dpdk-testpmd --vdev "
				"net_vhost0,iface=%s,client=1)",
				u->vdev.name, u->path, wait_ms, u->path);
		return rc < 0 ? -errno : -ETIMEDOUT;
	}
	fd = accept4(u->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return -errno;
	u->sock = fd;
	return 0;
}

/*
 * A socket file at the path: a stale one (its server died: connecting is
 * refused) is removed; a live one or a non-socket file is left alone.
 */
static int
vu_clear_stale_socket(const char *name, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, rc = 0;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode)) {
		VIO_LOG(ERR, "%s: %s exists and is not a socket: choose another path", name, path);
		return -EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
		VIO_LOG(ERR, "%s: another process listens on %s already", name, path);
		rc = -EADDRINUSE;
	} else if (unlink(path) < 0) {
		rc = -errno;
		VIO_LOG(ERR, "%s: cannot remove stale socket %s: %s", name, path, strerror(errno));
	}
	close(fd);
	return rc;
}

/* Server mode: create the listening socket at u->path. */
static int
vu_listen(struct vio_user_dev *u)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, rc;

	rc = vu_clear_stale_socket(u->vdev.name, u->path);
	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, u->path, sizeof(u->path));
	/* Backlog 1: one backend at a time; a restarted one queues until taken. */
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 1) < 0) {
		rc = -errno;
		VIO_LOG(ERR, "%s: cannot listen on %s: %s", u->vdev.name, u->path, strerror(errno));
		close(fd);
		return rc;
	}
	u->listen_fd = fd;
	return 0;
}

/* Stop listening; @p remove: the socket file too (else a stale one stays). */
static void
vu_unlisten(struct vio_user_dev *u, bool remove)
{
	if (u->listen_fd >= 0)
		close(u->listen_fd);
	u->listen_fd = -1;
	if (remove && u->server)
		unlink(u->path);
}

/*
 * Open the connection: connect (client mode), or listen and accept (server
 * mode). A server listens only while it waits for a backend: one that dials
 * in at another time is refused and retries (DPDK's vhost client every
 * second), so a restarted backend connects when we look for it, not in the
 * middle of its own start-up (DPDK 22.11's net_vhost then never forwarded to
 * us: a race between its connection handling and its port start).
 */
static int
vu_socket_open(struct vio_user_dev *u, bool quiet, unsigned int wait_ms)
{
	int rc;

	if (!u->server)
		return vu_socket_connect(u, quiet);
	if (u->listen_fd < 0) {
		rc = vu_listen(u);
		if (rc < 0)
			return rc;
	}
	rc = vu_socket_accept(u, quiet, wait_ms);
	vu_unlisten(u, false);
	return rc;
}

static int
vu_fetch_config(struct vio_user_dev *u)
{
	struct vu_config cfg = { .offset = 0, .size = (uint32_t)u->config_len };
	uint32_t len = (uint32_t)(offsetof(struct vu_config, data) + u->config_len);
	int rc;

	rc = vu_send(u, VU_GET_CONFIG, 0, &cfg, len, NULL, 0);
	if (rc == 0)
		rc = vu_recv(u, VU_GET_CONFIG, &cfg, len);
	if (rc < 0)
		return rc;
	if (cfg.offset != 0 || cfg.size != u->config_len) {
		VIO_LOG(ERR, "%s: GET_CONFIG answered offset %" PRIu32 " size %" PRIu32,
			u->vdev.name, cfg.offset, cfg.size);
		return -EPROTO;
	}
	if (u->config_fixup != NULL)
		u->config_fixup(u, cfg.data, u->config_len);
	memcpy(u->config, cfg.data, u->config_len);
	u->config_from_backend = true;
	u->config_generation++;
	return 0;
}

/* num_queues 0 in the params: as many as the backend serves, decided once. */
static void
vu_resolve_queue_count(struct vio_user_dev *u)
{
	if (u->num_queues != 0)
		return;
	u->num_queues = (uint16_t)RTE_MAX(RTE_MIN(u->backend_queues, (uint16_t)VIO_USER_MAX_QUEUES),
					  (uint16_t)1);
}

static int
vu_negotiate_protocol(struct vio_user_dev *u)
{
	uint64_t offered, num;
	int rc;

	rc = vu_get_u64(u, VU_GET_PROTOCOL_FEATURES, &offered);
	if (rc < 0)
		return rc;
	/* Not yet negotiated: this SET gets no REPLY_ACK. */
	u->protocol_features = 0;
	rc = vu_set_u64(u, VU_SET_PROTOCOL_FEATURES, offered & VU_PROTOCOL_WANTED);
	if (rc < 0)
		return rc;
	u->protocol_features = offered & VU_PROTOCOL_WANTED;
	if (vu_has_protocol(u, VU_PROTOCOL_F_MQ)) {
		rc = vu_get_u64(u, VU_GET_QUEUE_NUM, &num);
		if (rc < 0)
			return rc;
		/* Device-specific meaning (virtio-net backends count pairs): the driver checks. */
		u->backend_queues = (uint16_t)RTE_MIN(num, (uint64_t)UINT16_MAX);
	}
	vu_resolve_queue_count(u);
	if (vu_has_protocol(u, VU_PROTOCOL_F_CONFIG) && u->config_len > 0)
		return vu_fetch_config(u);
	return 0;
}

/*
 * Open the connection and run the session handshake. @p wait_ms: how long
 * server mode waits for a backend to connect (client mode does not wait).
 */
static int
vu_connect(struct vio_user_dev *u, bool quiet, unsigned int wait_ms)
{
	int rc;

	rc = vu_socket_open(u, quiet, wait_ms);
	if (rc < 0)
		return rc;
	u->protocol_features = 0;
	u->backend_queues = 0;
	u->nr_regions = 0;
	rc = vu_set(u, VU_SET_OWNER, NULL, 0, NULL, 0);
	if (rc == 0)
		rc = vu_get_u64(u, VU_GET_FEATURES, &u->backend_features);
	if (rc == 0 && (u->backend_features & VIO_BIT(VU_F_PROTOCOL_FEATURES)))
		rc = vu_negotiate_protocol(u);
	if (rc < 0) {
		vu_disconnect(u, "handshake failed");
		return rc;
	}
	vu_resolve_queue_count(u);
	u->dead_logged = false;
	u->conn_gen++;
	VIO_LOG(INFO,
		"%s: connected to %s: features 0x%" PRIx64 ", protocol 0x%" PRIx64
		", %u backend queues",
		u->vdev.name, u->path, u->backend_features, u->protocol_features,
		u->backend_queues);
	return 0;
}

/* Poll the socket: EOF or an error means the backend is gone. */
static void
vu_check_alive(struct vio_user_dev *u)
{
	struct pollfd pfd = { .fd = u->sock, .events = POLLIN | POLLRDHUP };
	char c;

	if (u->sock < 0 || poll(&pfd, 1, 0) <= 0)
		return;
	if (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))
		vu_disconnect(u, "connection closed");
	else if ((pfd.revents & POLLIN) && recv(u->sock, &c, 1, MSG_PEEK | MSG_DONTWAIT) <= 0)
		vu_disconnect(u, "connection closed");
}

/* ---- Memory table ---- */

struct vu_mem_walk {
	struct vio_user_region *regions;
	unsigned int max;
	unsigned int n;
};

static int
vu_mem_walk_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	struct vu_mem_walk *w = arg;
	struct vio_user_region *last = w->n > 0 ? &w->regions[w->n - 1] : NULL;
	size_t offset;
	int fd;

	if (msl->external)
		return 0;
	fd = rte_memseg_get_fd_thread_unsafe(ms);
	if (fd < 0 || rte_memseg_get_fd_offset_thread_unsafe(ms, &offset) < 0)
		return -ENOTSUP;
	if (last != NULL && last->fd == fd && last->uva + last->size == ms->addr_64 &&
	    last->mmap_offset + last->size == offset) {
		last->size += ms->len;
		return 0;
	}
	if (w->n == w->max)
		return -E2BIG;
	/* Guest "physical" = our virtual address: IOVA as VA. */
	w->regions[w->n++] = (struct vio_user_region){ .gpa = ms->addr_64,
						       .size = ms->len,
						       .uva = ms->addr_64,
						       .mmap_offset = offset,
						       .fd = fd };
	return 0;
}

int
vio_user_memory_regions(struct vio_user_region *regions, unsigned int max)
{
	struct vu_mem_walk w = { regions, max, 0 };
	int rc;

	rc = rte_memseg_walk(vu_mem_walk_seg, &w);
	/* rte_memseg_walk returns the callback's negative value as -1. */
	if (rc < 0)
		return w.n == max ? -E2BIG : -ENOTSUP;
	return (int)w.n;
}

/* Field by field: the structs' tail padding is not initialised. */
static bool
vu_regions_equal(const struct vio_user_region *a, const struct vio_user_region *b, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (a[i].gpa != b[i].gpa || a[i].size != b[i].size || a[i].uva != b[i].uva ||
		    a[i].mmap_offset != b[i].mmap_offset || a[i].fd != b[i].fd)
			return false;
	return true;
}

static int
vu_send_mem_table(struct vio_user_dev *u)
{
	struct vio_user_region regions[VIO_USER_MAX_REGIONS];
	int fds[VIO_USER_MAX_REGIONS];
	struct vu_mem mem;
	int n = vio_user_memory_regions(regions, VIO_USER_MAX_REGIONS);

	if (n == -ENOTSUP) {
		VIO_LOG(ERR,
			"%s: EAL memory has no file descriptor the vhost-user backend could map "
			"(external memory?): use EAL's own memory, hugepages (--in-memory "
			"--single-file-segments) or --no-huge (memfd)",
			u->vdev.name);
		return n;
	}
	if (n == -E2BIG) {
		VIO_LOG(ERR,
			"%s: EAL memory needs more than %u regions: run with "
			"--single-file-segments (and -m / --socket-mem to preallocate)",
			u->vdev.name, VIO_USER_MAX_REGIONS);
		return n;
	}
	if (n == 0)
		return -ENOMEM;
	if ((unsigned int)n == u->nr_regions &&
	    vu_regions_equal(regions, u->regions, u->nr_regions))
		return 0;
	memset(&mem, 0, sizeof(mem));
	mem.nregions = (uint32_t)n;
	for (int i = 0; i < n; i++) {
		mem.regions[i] = (struct vu_mem_region){ regions[i].gpa, regions[i].size,
							 regions[i].uva, regions[i].mmap_offset };
		fds[i] = regions[i].fd;
	}
	if (vu_set(u, VU_SET_MEM_TABLE, &mem,
		   (uint32_t)(offsetof(struct vu_mem, regions) + sizeof(mem.regions[0]) * n), fds,
		   (unsigned int)n) < 0)
		return -EIO;
	memcpy(u->regions, regions, sizeof(regions[0]) * (unsigned int)n);
	u->nr_regions = (unsigned int)n;
	return 0;
}

/* ---- Queues ---- */

static bool
vu_queue_is_emulated(const struct vio_user_dev *u, uint16_t index)
{
	return u->emu_queue >= 0 && index == (uint16_t)u->emu_queue;
}

static int
vu_vring_enable(struct vio_user_dev *u, uint16_t index, bool on)
{
	struct vu_vring_state st = { index, on };
	int rc;

	if (u->vqs[index].enabled == on)
		return 0;
	rc = vu_set(u, VU_SET_VRING_ENABLE, &st, sizeof(st), NULL, 0);
	if (rc == 0)
		u->vqs[index].enabled = on;
	return rc;
}

static bool
vu_queue_in_active_pairs(const struct vio_user_dev *u, uint16_t index)
{
	return u->active_pairs == 0 || index < 2 * u->active_pairs;
}

/* Enable what the driver may use now (DRIVER_OK, VQ_PAIRS_SET). */
static int
vu_apply_enables(struct vio_user_dev *u)
{
	if (!(u->backend_features & VIO_BIT(VU_F_PROTOCOL_FEATURES)))
		return 0; /* rings run once kicked; there is nothing to enable */
	for (uint16_t i = 0; i < u->num_queues; i++) {
		int rc;

		if (vu_queue_is_emulated(u, i) || u->vqs[i].kickfd < 0)
			continue;
		rc = vu_vring_enable(u, i, vu_queue_in_active_pairs(u, i));
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Stop every ring the backend runs; it answers once it left the ring. */
static void
vu_stop_queues(struct vio_user_dev *u)
{
	for (uint16_t i = 0; i < u->num_queues; i++) {
		struct vio_user_vq *vq = &u->vqs[i];
		struct vu_vring_state st = { i, 0 };

		if (vq->kickfd < 0)
			continue;
		if (!vu_queue_is_emulated(u, i) && u->sock >= 0) {
			if (vq->enabled)
				vu_vring_enable(u, i, false);
			if (vu_send(u, VU_GET_VRING_BASE, 0, &st, sizeof(st), NULL, 0) == 0 &&
			    vu_recv(u, VU_GET_VRING_BASE, &st, sizeof(st)) == 0 && st.index != i) {
				/* Out of step: drop the connection (the backend unmaps). */
				vu_disconnect(u, "GET_VRING_BASE answered for another ring");
			}
		}
		close(vq->kickfd);
		vq->kickfd = -1;
		vq->enabled = false;
	}
}

static int
vu_queue_program(struct vio_user_dev *u, uint16_t index, const struct vio_queue_cfg *cfg,
		 int kickfd)
{
	struct vu_vring_state num = { index, cfg->size };
	/*
	 * Where the backend starts: avail index 0. For a packed ring the
	 * avail wrap counter rides in bit 15 and starts at 1 (vhost-user
	 * spec, "Ring states"; DPDK's vhost library reads it there).
	 */
	struct vu_vring_state base = { index, (u->driver_features & VIO_BIT(VIO_F_RING_PACKED)) ?
						      1u << 15 :
						      0 };
	/* IOVA as VA: the ring addresses are our virtual addresses. */
	struct vu_vring_addr addr = { .index = index,
				      .desc = cfg->desc_iova,
				      .used = cfg->used_iova,
				      .avail = cfg->avail_iova };
	int callfd = u->vqs[index].intr ? u->vqs[index].intr_fd : u->callfd;
	uint64_t kick = index, call = index | (callfd < 0 ? VU_VRING_NOFD : 0);
	int rc;

	rc = vu_send_mem_table(u);
	if (rc == 0)
		rc = vu_set(u, VU_SET_VRING_NUM, &num, sizeof(num), NULL, 0);
	if (rc == 0)
		rc = vu_set(u, VU_SET_VRING_BASE, &base, sizeof(base), NULL, 0);
	if (rc == 0)
		rc = vu_set(u, VU_SET_VRING_ADDR, &addr, sizeof(addr), NULL, 0);
	/*
	 * Polling, the call fd (u->callfd) is a sink nobody reads. It must be
	 * real: with EVENT_IDX, libvhost-user (qemu-storage-daemon) signals the
	 * first completion whatever used_event says, and panicked on the
	 * missing fd VU_VRING_NOFD gave it. In interrupt mode the ring's own
	 * eventfd, which the driver sleeps on.
	 */
	if (rc == 0)
		rc = vu_set(u, VU_SET_VRING_CALL, &call, sizeof(call), &callfd, callfd < 0 ? 0 : 1);
	if (rc == 0)
		rc = vu_set(u, VU_SET_VRING_KICK, &kick, sizeof(kick), &kickfd, 1);
	return rc;
}

/* ---- Transport ops ---- */

static int
vio_user_reset(struct vio_dev *dev)
{
	struct vio_user_dev *u = vio_user_of(dev);

	pthread_mutex_lock(&u->lock);
	vu_check_alive(u);
	vu_stop_queues(u);
	u->status = 0;
	u->driver_features = 0;
	u->active_pairs = 0;
	/*
	 * A dead backend no longer maps our memory, so the reset is complete;
	 * the next negotiation (get_features) connects to a new one.
	 */
	pthread_mutex_unlock(&u->lock);
	return 0;
}

static uint8_t
vio_user_get_status(struct vio_dev *dev)
{
	struct vio_user_dev *u = vio_user_of(dev);
	uint8_t status;

	pthread_mutex_lock(&u->lock);
	vu_check_alive(u);
	status = u->status;
	pthread_mutex_unlock(&u->lock);
	return status;
}

static void
vio_user_set_status(struct vio_dev *dev, uint8_t status)
{
	struct vio_user_dev *u = vio_user_of(dev);
	uint8_t added;
	int rc = 0;

	pthread_mutex_lock(&u->lock);
	added = status & ~u->status;
	if (added & VIO_STATUS_FEATURES_OK) {
		uint64_t f = u->driver_features & ~u->frontend_features;

		if (u->backend_features & VIO_BIT(VU_F_PROTOCOL_FEATURES))
			f |= VIO_BIT(VU_F_PROTOCOL_FEATURES);
		rc = vu_set_u64(u, VU_SET_FEATURES, f);
		if (rc < 0)
			status &= ~VIO_STATUS_FEATURES_OK; /* the read-back shows the refusal */
	}
	if (rc == 0 && (added & VIO_STATUS_DRIVER_OK)) {
		/* Memory EAL added since the last queue setup (rx refill) is mapped too. */
		rc = vu_send_mem_table(u);
		if (rc == 0)
			rc = vu_apply_enables(u);
		u->mem_added_logged = false;
		if (rc < 0)
			status = (uint8_t)((status & ~VIO_STATUS_DRIVER_OK) | VIO_STATUS_FAILED);
	}
	if (u->sock < 0 && (status & VIO_STATUS_DRIVER_OK))
		status |= VIO_STATUS_DEVICE_NEEDS_RESET;
	u->status = status;
	pthread_mutex_unlock(&u->lock);
}

static uint64_t
vio_user_get_features(struct vio_dev *dev)
{
	struct vio_user_dev *u = vio_user_of(dev);
	uint64_t features = 0;

	pthread_mutex_lock(&u->lock);
	vu_check_alive(u);
	/*
	 * Negotiation starts here: reconnect to a backend that came back (server
	 * mode: wait a little for one to dial in).
	 */
	if (u->sock < 0 &&
	    vu_connect(u, false, RTE_MIN(u->server_wait_ms, VU_RECONNECT_WAIT_MS)) < 0)
		VIO_LOG(ERR, "%s: vhost-user backend %s not reachable: the port stays down",
			dev->name, u->path);
	/* No backend: no features, so negotiation fails (no VERSION_1). */
	if (u->sock >= 0)
		features = (u->backend_features &
			    ~(VIO_BIT(VU_F_PROTOCOL_FEATURES) | u->backend_hidden)) |
			   u->frontend_features;
	pthread_mutex_unlock(&u->lock);
	return features;
}

static void
vio_user_set_features(struct vio_dev *dev, uint64_t features)
{
	/* Sent to the backend at FEATURES_OK, once the driver settled. */
	vio_user_of(dev)->driver_features = features;
}

static uint8_t
vio_user_config_generation(struct vio_dev *dev)
{
	return vio_user_of(dev)->config_generation;
}

static uint32_t
vio_user_read_config(struct vio_dev *dev, size_t offset, unsigned int width)
{
	const struct vio_user_dev *u = vio_user_of(dev);
	uint32_t v = 0;

	/* The caller checked offset + width <= config_len; little-endian layout. */
	for (unsigned int i = 0; i < width; i++)
		v |= (uint32_t)u->config[offset + i] << (8 * i);
	return v;
}

static void
vio_user_write_config(struct vio_dev *dev, size_t offset, uint32_t val, unsigned int width)
{
	/*
	 * Writable fields are device-specific (virtio-blk's writeback): the
	 * copy takes them, and a backend that serves the config gets them with
	 * SET_CONFIG (flags 0: from the front-end). One it refuses leaves the
	 * copy as it was, so the driver's read-back sees the device's value.
	 */
	struct vio_user_dev *u = vio_user_of(dev);
	struct vu_config cfg = { .offset = (uint32_t)offset, .size = width, .flags = 0 };
	uint8_t old[4];

	/* Every exchange under the lock: the event watch reads what arrives outside one. */
	pthread_mutex_lock(&u->lock);
	memcpy(old, &u->config[offset], width);
	for (unsigned int i = 0; i < width; i++)
		cfg.data[i] = u->config[offset + i] = (uint8_t)(val >> (8 * i));
	if (u->sock >= 0 && u->config_from_backend && vu_has_protocol(u, VU_PROTOCOL_F_CONFIG) &&
	    vu_set(u, VU_SET_CONFIG, &cfg, (uint32_t)offsetof(struct vu_config, data) + width, NULL,
		   0) < 0) {
		VIO_LOG(ERR, "%s: SET_CONFIG of %u byte(s) at %zu failed: config unchanged",
			u->vdev.name, width, offset);
		memcpy(&u->config[offset], old, width);
	}
	pthread_mutex_unlock(&u->lock);
}

static size_t
vio_user_config_len(struct vio_dev *dev)
{
	return vio_user_of(dev)->config_len;
}

static uint16_t
vio_user_num_queues(struct vio_dev *dev)
{
	return vio_user_of(dev)->num_queues;
}

static uint16_t
vio_user_queue_max_size(struct vio_dev *dev, uint16_t index)
{
	const struct vio_user_dev *u = vio_user_of(dev);

	return index < u->num_queues ? u->queue_size : 0;
}

/*
 * Interrupt mode: give ring @p index its own call eventfd (once; kept until
 * fini) when the driver asked for interrupts, else use the device's sink.
 */
static int
vu_queue_intr_prepare(struct vio_user_dev *u, uint16_t index)
{
	struct vio_user_vq *vq = &u->vqs[index];

	vq->intr = false;
	if (!u->vdev.queue_intr || vu_queue_is_emulated(u, index))
		return 0;
	if (vq->intr_fd < 0) {
		/* Non-blocking: the backend's signal never blocks, nor our drain. */
		vq->intr_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
		if (vq->intr_fd < 0) {
			int rc = -errno;

			VIO_LOG(ERR, "%s: no eventfd for queue %u's interrupts: %s", u->vdev.name,
				index, strerror(-rc));
			return rc;
		}
	}
	vq->intr = true;
	return 0;
}

static int
vio_user_queue_intr_fd(struct vio_dev *dev, uint16_t index)
{
	struct vio_user_dev *u = vio_user_of(dev);

	if (index >= u->num_queues || !u->vqs[index].intr || u->vqs[index].intr_fd < 0)
		return -ENOTSUP;
	return u->vqs[index].intr_fd;
}

static int
vio_user_queue_setup(struct vio_dev *dev, uint16_t index, const struct vio_queue_cfg *cfg,
		     struct vio_notify_addr *notify)
{
	struct vio_user_dev *u = vio_user_of(dev);
	struct vio_user_vq *vq;
	int fd, rc = 0;

	if (vio_user_queue_max_size(dev, index) == 0 || cfg->size > u->queue_size)
		return -EINVAL;
	vq = &u->vqs[index];
	if (vq->kickfd >= 0)
		return -EBUSY;
	rc = vu_queue_intr_prepare(u, index);
	if (rc < 0)
		return rc;
	fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	pthread_mutex_lock(&u->lock);
	if (!vu_queue_is_emulated(u, index))
		rc = u->sock < 0 ? -ENOTCONN : vu_queue_program(u, index, cfg, fd);
	if (rc == 0) {
		vq->kickfd = fd;
		vq->cfg = *cfg;
		vq->enabled = false;
		vq->emu_last_avail = 0;
	}
	pthread_mutex_unlock(&u->lock);
	if (rc < 0) {
		close(fd);
		VIO_LOG(ERR, "%s: setting up queue %u with the backend failed (%d)", dev->name,
			index, rc);
		return rc;
	}
	if (notify != NULL)
		*notify = (struct vio_notify_addr){ NULL, 0 };
	return 0;
}

static void
vio_user_notify(struct vio_dev *dev, uint16_t index, uint32_t data __rte_unused)
{
	struct vio_user_dev *u = vio_user_of(dev);
	uint64_t one = 1;

	if (vu_queue_is_emulated(u, index)) {
		u->emu_notify(u, index, u->emu_arg);
		return;
	}
	/*
	 * One syscall per kick; vio_vq_kick only calls this when the backend
	 * has not set VRING_USED_F_NO_NOTIFY (a polling backend sets it).
	 * EAGAIN means the counter is saturated: the backend has been kicked.
	 */
	if (index < u->num_queues && u->vqs[index].kickfd >= 0 &&
	    write(u->vqs[index].kickfd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		VIO_LOG(DEBUG, "%s: kick of queue %u failed: %s", dev->name, index,
			strerror(errno));
}

/* ---- Status events: the socket watched from the EAL interrupt thread ---- */

/*
 * One connection as the EAL interrupt thread watches it, through a dup of
 * the socket: whoever drops the connection (vu_disconnect() closes u->sock,
 * on any thread) never closes the fd EAL polls. EAL panics when it rebuilds
 * its epoll set around a closed fd, and a reused number would be another
 * file. Only whoever unregisters the callback closes the dup and frees this.
 */
struct vu_event_watch {
	struct rte_intr_handle *handle; /* RTE_INTR_HANDLE_EXT on the dup */
	struct vio_user_dev *u;
	uint32_t conn_gen; /* the connection the dup belongs to */
	void (*cb)(void *arg);
	void *arg;
};

static void
vu_event_watch_free(struct vu_event_watch *w)
{
	if (w->handle != NULL) {
		if (rte_intr_fd_get(w->handle) >= 0)
			close(rte_intr_fd_get(w->handle));
		rte_intr_instance_free(w->handle);
	}
	free(w);
}

/* EAL dropped the callback entry, after the callback that asked for it returned. */
static void
vu_event_watch_released(struct rte_intr_handle *handle __rte_unused, void *arg)
{
	vu_event_watch_free(arg);
}

/* What the watched socket says: NULL (nothing, or a reply already read) or why it broke. */
static const char *
vu_event_why(int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLRDHUP };
	ssize_t n;
	char c;

	if (poll(&pfd, 1, 0) <= 0)
		return NULL;
	if (pfd.revents & (POLLHUP | POLLRDHUP | POLLERR | POLLNVAL))
		return "hung up (socket event)";
	n = recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		return "hung up (socket event)";
	/* The backend speaks only when asked, and every exchange runs under u->lock. */
	return n > 0 ? "sent a message nobody asked for (socket event)" : NULL;
}

/*
 * EAL interrupt thread: the socket became readable or hung up. A reply to
 * a request in flight is read by its requester (we wait for the lock it
 * holds); anything else breaks the connection, exactly as get_status would
 * find it later: dropped, DEVICE_NEEDS_RESET set while DRIVER_OK. Then the
 * driver's callback runs; after it this function touches nothing of @p u
 * (the callback may have closed the device).
 */
static void
vu_event(void *arg)
{
	struct vu_event_watch *w = arg;
	struct vio_user_dev *u = w->u;
	const char *why;

	pthread_mutex_lock(&u->lock);
	why = vu_event_why(rte_intr_fd_get(w->handle));
	if (why != NULL && u->conn_gen == w->conn_gen)
		vu_disconnect(u, why);
	pthread_mutex_unlock(&u->lock);
	if (why == NULL)
		return;
	/*
	 * A hung-up socket stays ready (EAL's epoll is level-triggered): drop
	 * the entry once this returns. The fd stays open until disable.
	 */
	rte_intr_callback_unregister_pending(w->handle, vu_event, w, NULL);
	w->cb(w->arg);
}

static int
vio_user_event_intr_enable(struct vio_dev *dev, void (*cb)(void *arg), void *arg)
{
	struct vio_user_dev *u = vio_user_of(dev);
	struct vu_event_watch *w;
	int fd = -1, rc = 0;

	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return -ENOTSUP;
	if (__atomic_load_n(&u->event_watch, __ATOMIC_ACQUIRE) != NULL)
		return -EBUSY;
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return -ENOMEM;
	*w = (struct vu_event_watch){ .u = u, .cb = cb, .arg = arg };
	pthread_mutex_lock(&u->lock);
	if (u->sock < 0)
		rc = -ENOTCONN;
	else if ((fd = fcntl(u->sock, F_DUPFD_CLOEXEC, 0)) < 0)
		rc = -errno;
	w->conn_gen = u->conn_gen;
	pthread_mutex_unlock(&u->lock);
	if (rc == 0) {
		w->handle = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
		if (w->handle == NULL || rte_intr_type_set(w->handle, RTE_INTR_HANDLE_EXT) < 0 ||
		    rte_intr_fd_set(w->handle, fd) < 0)
			rc = -ENOMEM;
		else
			fd = -1; /* the handle's now */
	}
	if (rc == 0)
		rc = rte_intr_callback_register(w->handle, vu_event, w);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		vu_event_watch_free(w);
		return rc;
	}
	__atomic_store_n(&u->event_watch, w, __ATOMIC_RELEASE);
	return 0;
}

static void
vio_user_event_intr_disable(struct vio_dev *dev)
{
	struct vio_user_dev *u = vio_user_of(dev);
	struct vu_event_watch *w = __atomic_exchange_n(&u->event_watch, NULL, __ATOMIC_ACQ_REL);
	int rc;

	if (w == NULL)
		return;
	/* -EAGAIN: vu_event is running; 0 or more: removed; -ENOENT: it removed itself. */
	while ((rc = rte_intr_callback_unregister(w->handle, vu_event, w)) == -EAGAIN) {
		if (rte_thread_is_intr()) {
			/*
			 * Called from vu_event itself (an event handler stopping
			 * the device): EAL drops the entry and we free the watch
			 * once it returns.
			 */
			rc = rte_intr_callback_unregister_pending(w->handle, vu_event, w,
								  vu_event_watch_released);
			if (rc > 0)
				return;
			if (rc != -ENOENT) {
				VIO_LOG(ERR, "%s: cannot release the socket watch (%d): leaked",
					dev->name, rc);
				return;
			}
			break;
		}
		rte_delay_us_sleep(1000); /* the callback waits for u->lock at most */
	}
	vu_event_watch_free(w);
}

static const struct vio_transport_ops vio_user_ops = {
	.reset = vio_user_reset,
	.get_status = vio_user_get_status,
	.set_status = vio_user_set_status,
	.get_features = vio_user_get_features,
	.set_features = vio_user_set_features,
	.config_generation = vio_user_config_generation,
	.read_config = vio_user_read_config,
	.write_config = vio_user_write_config,
	.config_len = vio_user_config_len,
	.num_queues = vio_user_num_queues,
	.queue_max_size = vio_user_queue_max_size,
	.queue_setup = vio_user_queue_setup,
	.notify = vio_user_notify,
	.queue_intr_fd = vio_user_queue_intr_fd,
	.event_intr_enable = vio_user_event_intr_enable,
	.event_intr_disable = vio_user_event_intr_disable,
};

/* ---- Public API ---- */

/*
 * EAL memory event (under EAL's memory lock, so no walk and no message
 * here): memory added while the device runs is not in the backend's table.
 * Say so once; the next start sends the new table.
 */
static void
vu_mem_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	struct vio_user_dev *u = arg;

	if (type != RTE_MEM_EVENT_ALLOC || !(u->status & VIO_STATUS_DRIVER_OK) ||
	    __atomic_exchange_n(&u->mem_added_logged, true, __ATOMIC_RELAXED))
		return;
	VIO_LOG(WARNING,
		"%s: EAL added %zu bytes at %p after start: the vhost-user backend cannot see "
		"buffers there until the port restarts (preallocate with -m / --socket-mem, "
		"create mempools before starting)",
		u->vdev.name, len, addr);
}

static int
vio_user_check_params(const struct vio_user_params *p)
{
	if (p->path == NULL || p->path[0] == '\0') {
		VIO_LOG(ERR, "vhost-user: no socket path given (devarg path=)");
		return -EINVAL;
	}
	if (strlen(p->path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		VIO_LOG(ERR, "vhost-user: socket path %s too long", p->path);
		return -EINVAL;
	}
	if (p->num_queues > VIO_USER_MAX_QUEUES || p->config_len > VIO_USER_CONFIG_MAX ||
	    (p->emu_queue >= 0 && (p->emu_queue >= p->num_queues || p->emu_notify == NULL))) {
		VIO_LOG(ERR, "vhost-user: bad queue count %u or config length %zu", p->num_queues,
			p->config_len);
		return -EINVAL;
	}
	if (p->queue_size < 1 || p->queue_size > VIO_SPLIT_MAX_SIZE ||
	    !rte_is_power_of_2(p->queue_size)) {
		VIO_LOG(ERR, "vhost-user: queue size %u is not a power of two in 1..%u",
			p->queue_size, VIO_SPLIT_MAX_SIZE);
		return -EINVAL;
	}
	return 0;
}

int
vio_user_dev_init(struct vio_user_dev *u, const struct vio_user_params *p)
{
	int rc = vio_user_check_params(p);

	if (rc < 0)
		return rc;
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		VIO_LOG(ERR, "vhost-user: only the primary process can drive %s", p->path);
		return -ENOTSUP;
	}
	if (rte_eal_iova_mode() != RTE_IOVA_VA) {
		VIO_LOG(ERR, "vhost-user: %s needs IOVA as VA: run with --iova-mode=va", p->path);
		return -ENOTSUP;
	}
	snprintf(u->path, sizeof(u->path), "%s", p->path);
	if (u->vdev.name[0] == '\0')
		snprintf(u->vdev.name, sizeof(u->vdev.name), "vhost-user:%s", p->path);
	pthread_mutex_init(&u->lock, NULL);
	u->sock = -1;
	u->listen_fd = -1;
	u->event_watch = NULL;
	u->server = p->server;
	u->server_wait_ms = p->server_wait_ms;
	u->num_queues = p->num_queues;
	u->queue_size = p->queue_size;
	u->frontend_features = p->frontend_features;
	u->backend_hidden = p->backend_features_hidden;
	u->config_len = p->config_len;
	if (p->config_len > 0)
		memcpy(u->config, p->config, p->config_len);
	u->emu_queue = p->emu_queue;
	u->emu_notify = p->emu_notify;
	u->emu_arg = p->emu_arg;
	u->config_fixup = p->config_fixup;
	u->backend_hint = p->backend_hint;
	for (unsigned int i = 0; i < RTE_DIM(u->vqs); i++) {
		u->vqs[i].kickfd = -1;
		u->vqs[i].intr_fd = -1;
	}
	/* Non-blocking: a backend's signal never blocks it, even saturated. */
	u->callfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (u->callfd < 0) {
		rc = -errno;
		pthread_mutex_destroy(&u->lock);
		return rc;
	}
	rc = vu_connect(u, false, p->server_wait_ms);
	if (rc < 0) {
		vu_unlisten(u, true);
		close(u->callfd);
		u->callfd = -1;
		pthread_mutex_destroy(&u->lock);
		return rc;
	}
	rc = vio_dev_bind(&u->vdev, VIO_TRANSPORT_USER, &vio_user_ops);
	if (rc < 0) {
		vio_user_dev_fini(u);
		return rc;
	}
	/* Fails with --legacy-mem / --no-huge, where memory never grows. */
	u->mem_event_registered = rte_mem_event_callback_register(u->vdev.name, vu_mem_event, u) ==
				  0;
	return 0;
}

void
vio_user_dev_fini(struct vio_user_dev *u)
{
	vio_user_event_intr_disable(&u->vdev); /* a driver that left it enabled */
	if (u->mem_event_registered)
		rte_mem_event_callback_unregister(u->vdev.name, u);
	u->mem_event_registered = false;
	pthread_mutex_lock(&u->lock);
	vu_stop_queues(u);
	if (u->sock >= 0) {
		close(u->sock);
		u->sock = -1;
	}
	vu_unlisten(u, true);
	if (u->callfd >= 0)
		close(u->callfd);
	u->callfd = -1;
	for (unsigned int i = 0; i < RTE_DIM(u->vqs); i++) {
		if (u->vqs[i].intr_fd >= 0)
			close(u->vqs[i].intr_fd);
		u->vqs[i].intr_fd = -1;
		u->vqs[i].intr = false;
	}
	pthread_mutex_unlock(&u->lock);
	pthread_mutex_destroy(&u->lock);
}

bool
vio_user_connected(struct vio_user_dev *u)
{
	bool up;

	pthread_mutex_lock(&u->lock);
	vu_check_alive(u);
	up = u->sock >= 0;
	pthread_mutex_unlock(&u->lock);
	return up;
}

int
vio_user_set_active_pairs(struct vio_user_dev *u, uint16_t pairs)
{
	int rc;

	pthread_mutex_lock(&u->lock);
	u->active_pairs = pairs;
	rc = (u->status & VIO_STATUS_DRIVER_OK) ? vu_apply_enables(u) : 0;
	pthread_mutex_unlock(&u->lock);
	return rc;
}

const struct vio_queue_cfg *
vio_user_queue_cfg(struct vio_user_dev *u, uint16_t index, uint16_t **last_avail)
{
	if (index >= u->num_queues || u->vqs[index].kickfd < 0)
		return NULL;
	if (last_avail != NULL)
		*last_avail = &u->vqs[index].emu_last_avail;
	return &u->vqs[index].cfg;
}

uint16_t
vio_user_backend_queue_num(const struct vio_user_dev *u)
{
	return vu_has_protocol(u, VU_PROTOCOL_F_MQ) ? u->backend_queues : 0;
}

bool
vio_user_config_from_backend(const struct vio_user_dev *u)
{
	return u->config_from_backend;
}
