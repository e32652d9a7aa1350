/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vhost-user transport (vio_user.c) against a scripted fake backend on a
 * unix socket (a thread of this test): the handshake and negotiation as
 * sent on the wire, and every kind of bad reply (wrong request id, wrong
 * size, missing reply flag, wrong version, a NACK, a closed socket), a
 * missing socket, queue setup and reset on the wire, and a backend that goes
 * away and comes back; server mode (the fake connects to us): the handshake,
 * a backend that reconnects, no backend in time, a path already taken.
 * Status events (event_intr_enable): replies to our own requests are not
 * events; a hang-up or an unsolicited message drops the connection and
 * calls the driver once, from the EAL interrupt thread; disable from
 * inside that callback, and while the backend is alive.
 */
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <rte_interrupts.h>

#include "unit_common.h"
#include "vio_user.h"

#define F_PROTOCOL 30
#define REQ_GET_FEATURES 1
#define REQ_SET_FEATURES 2
#define REQ_SET_OWNER 3
#define REQ_SET_MEM_TABLE 5
#define REQ_SET_VRING_NUM 8
#define REQ_SET_VRING_ADDR 9
#define REQ_SET_VRING_BASE 10
#define REQ_GET_VRING_BASE 11
#define REQ_SET_VRING_KICK 12
#define REQ_SET_VRING_CALL 13
#define REQ_GET_PROTOCOL_FEATURES 15
#define REQ_SET_PROTOCOL_FEATURES 16
#define REQ_GET_QUEUE_NUM 17
#define FLAG_REPLY 0x4
#define FLAG_NEED_REPLY 0x8

enum lie {
	LIE_NONE,
	LIE_BAD_ID,      /* reply carries another request id */
	LIE_BAD_SIZE,    /* reply 4 bytes longer than the request defines */
	LIE_NO_REPLY,    /* reply flag missing */
	LIE_BAD_VERSION, /* version 2 */
	LIE_CLOSE,       /* close the socket instead of replying */
	LIE_NACK,        /* REPLY_ACK verdict 1 */
	LIE_BAD_INDEX,   /* GET_VRING_BASE answers for another ring */
};

struct fake {
	char path[108];
	int listen_fd;
	pthread_t thread;
	uint32_t lie_req; /* request to lie about */
	enum lie lie;
	int connections; /* accepted so far */
	int conn_fd;     /* the connection being served */
	int max_connections;
	uint32_t seen[64]; /* requests, in order */
	unsigned int nseen;
	uint64_t set_features;
	uint64_t set_protocol;
	uint32_t mem_regions;  /* last SET_MEM_TABLE */
	uint64_t call_payload; /* last SET_VRING_CALL: index, NOFD bit */
	unsigned int call_fds; /* and how many fds it carried */
	int call_fd[2];        /* per ring: the last call fd received (kept), or -1 */
};

struct hdr {
	uint32_t request, flags, size;
} __attribute__((packed));

static int
read_full(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, (char *)buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

/*
 * One message, closing any fds it carries (@p nfds: how many) except the
 * first, which goes to *keep (-1 when none) when @p keep is not NULL.
 */
static int
fake_read(int fd, struct hdr *h, uint8_t *payload, unsigned int *nfds, int *keep)
{
	char control[CMSG_SPACE(sizeof(int) * 8)];
	struct iovec iov = { h, sizeof(*h) };
	struct msghdr mh = { .msg_iov = &iov,
			     .msg_iovlen = 1,
			     .msg_control = control,
			     .msg_controllen = sizeof(control) };
	ssize_t n = recvmsg(fd, &mh, MSG_WAITALL);

	*nfds = 0;
	if (keep != NULL)
		*keep = -1;
	if (n != (ssize_t)sizeof(*h))
		return -1;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c != NULL; c = CMSG_NXTHDR(&mh, c)) {
		int *fds = (int *)CMSG_DATA(c);

		for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++, (*nfds)++) {
			if (keep != NULL && *nfds == 0)
				*keep = fds[i];
			else
				close(fds[i]);
		}
	}
	return h->size > 512 ? -1 : read_full(fd, payload, h->size);
}

static void
fake_reply(struct fake *f, int fd, uint32_t req, const void *payload, uint32_t size)
{
	struct {
		struct hdr h;
		uint8_t p[64];
	} __attribute__((packed)) m;
	uint32_t len = size;

	m.h = (struct hdr){ req, 0x1 | FLAG_REPLY, size };
	memcpy(m.p, payload, size);
	if (f->lie_req == req) {
		switch (f->lie) {
		case LIE_BAD_ID:
			m.h.request = req + 1;
			break;
		case LIE_BAD_SIZE:
			m.h.size += 4;
			len += 4;
			memset(m.p + size, 0, 4);
			break;
		case LIE_NO_REPLY:
			m.h.flags = 0x1;
			break;
		case LIE_BAD_VERSION:
			m.h.flags = 0x2 | FLAG_REPLY;
			break;
		default:
			break;
		}
	}
	if (send(fd, &m, sizeof(m.h) + len, MSG_NOSIGNAL) < 0)
		return;
}

/* Serve one connection until the frontend or a LIE_CLOSE ends it. */
static void
fake_serve(struct fake *f, int fd)
{
	const uint64_t features = VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(F_PROTOCOL) |
				  VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_CTRL_VQ);
	const uint64_t protocol = 0x1 | 0x8; /* MQ, REPLY_ACK */
	uint8_t p[512];
	unsigned int nfds;
	struct hdr h;

	int kept;

	while (fake_read(fd, &h, p, &nfds, &kept) == 0) {
		uint64_t v = 0;

		if (h.request == REQ_SET_VRING_CALL && p[0] < RTE_DIM(f->call_fd)) {
			/* Keep the ring's call fd to signal through it (tests). */
			if (f->call_fd[p[0]] >= 0)
				close(f->call_fd[p[0]]);
			f->call_fd[p[0]] = kept;
		} else if (kept >= 0) {
			close(kept);
		}

		if (f->nseen < RTE_DIM(f->seen))
			f->seen[f->nseen++] = h.request;
		if (f->lie_req == h.request && f->lie == LIE_CLOSE)
			break;
		switch (h.request) {
		case REQ_GET_FEATURES:
			fake_reply(f, fd, h.request, &features, 8);
			continue;
		case REQ_GET_PROTOCOL_FEATURES:
			fake_reply(f, fd, h.request, &protocol, 8);
			continue;
		case REQ_GET_QUEUE_NUM:
			v = 4;
			fake_reply(f, fd, h.request, &v, 8);
			continue;
		case REQ_GET_VRING_BASE: {
			uint32_t st[2];

			memcpy(st, p, sizeof(st));
			if (f->lie_req == h.request && f->lie == LIE_BAD_INDEX)
				st[0]++;
			fake_reply(f, fd, h.request, st, sizeof(st));
			continue;
		}
		case REQ_SET_MEM_TABLE:
			memcpy(&f->mem_regions, p, 4);
			break;
		case REQ_SET_VRING_CALL:
			memcpy(&f->call_payload, p, 8);
			f->call_fds = nfds;
			break;
		case REQ_SET_FEATURES:
			memcpy(&f->set_features, p, 8);
			break;
		case REQ_SET_PROTOCOL_FEATURES:
			memcpy(&f->set_protocol, p, 8);
			break;
		default:
			break;
		}
		if (h.flags & FLAG_NEED_REPLY) {
			v = (f->lie_req == h.request && f->lie == LIE_NACK) ? 1 : 0;
			fake_reply(f, fd, h.request, &v, 8);
		}
	}
	close(fd);
}

/* One connect() to @p path: true when someone accepted. */
static bool
dial_once(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	bool ok;

	memcpy(sa.sun_path, path, strlen(path) + 1);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/* Connect to @p path, retrying while it does not exist yet (10 s at most). */
static int
fake_dial(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memcpy(sa.sun_path, path, strlen(path) + 1);
	for (int i = 0; i < 1000; i++) {
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (fd >= 0)
			close(fd);
		usleep(10 * 1000);
	}
	return -1;
}

/*
 * Serve @p max_connections connections one after the other: accepted on our
 * listening socket (a backend server), or dialled to the frontend's socket
 * when there is none (a backend in client mode, for our server mode).
 */
static void *
fake_thread(void *arg)
{
	struct fake *f = arg;

	while (f->connections < f->max_connections) {
		int fd = f->listen_fd >= 0 ? accept(f->listen_fd, NULL, NULL) : fake_dial(f->path);

		if (fd < 0)
			break;
		f->conn_fd = fd;
		f->connections++;
		fake_serve(f, fd);
	}
	return NULL;
}

static void
fake_start(struct fake *f, uint32_t lie_req, enum lie lie, int max_connections)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };

	memset(f, 0, sizeof(*f));
	f->call_fd[0] = f->call_fd[1] = -1;
	snprintf(f->path, sizeof(f->path), "/tmp/vio-user-unit-%d.sock", (int)getpid());
	unlink(f->path);
	f->lie_req = lie_req;
	f->lie = lie;
	f->max_connections = max_connections;
	f->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(f->listen_fd >= 0);
	memcpy(sa.sun_path, f->path, strlen(f->path) + 1);
	assert_int_equal(bind(f->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(f->listen_fd, 4), 0);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

static void
fake_stop(struct fake *f)
{
	shutdown(f->listen_fd, SHUT_RDWR);
	close(f->listen_fd);
	pthread_join(f->thread, NULL);
	unlink(f->path);
	for (unsigned int i = 0; i < RTE_DIM(f->call_fd); i++)
		if (f->call_fd[i] >= 0)
			close(f->call_fd[i]);
}

/* ---- Fake backend in client mode (our server mode) ---- */

/* A backend that dials our server socket at @p path, @p max_connections times. */
static void
fake_client_start(struct fake *f, const char *path, int max_connections)
{
	memset(f, 0, sizeof(*f));
	f->call_fd[0] = f->call_fd[1] = -1;
	snprintf(f->path, sizeof(f->path), "%s", path);
	f->listen_fd = -1;
	f->max_connections = max_connections;
	assert_int_equal(pthread_create(&f->thread, NULL, fake_thread, f), 0);
}

static void
server_path(char *buf, size_t len)
{
	snprintf(buf, len, "/tmp/vio-user-unit-srv-%d.sock", (int)getpid());
}

static struct vio_user_params
params(const char *path)
{
	static const uint8_t cfg[10] = { 2, 0, 0, 0, 0, 1, 1, 0, 1, 0 };

	return (struct vio_user_params){
		.path = path,
		.num_queues = 2,
		.queue_size = 256,
		.frontend_features = VIO_BIT(VIO_NET_F_MAC),
		.backend_features_hidden = VIO_BIT(VIO_NET_F_CTRL_VQ),
		.config = cfg,
		.config_len = sizeof(cfg),
		.emu_queue = -1,
	};
}

static struct vio_user_dev *
new_dev(void)
{
	struct vio_user_dev *u = calloc(1, sizeof(*u));

	assert_non_null(u);
	snprintf(u->vdev.name, sizeof(u->vdev.name), "unit");
	return u;
}

/* ---- Tests ---- */

static void
test_handshake_and_negotiation(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f;
	uint8_t mac0 = 0;

	(void)state;
	fake_start(&f, 0, LIE_NONE, 1);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_true(vio_user_connected(u));
	assert_int_equal(vio_user_backend_queue_num(u), 4);
	/* MRG_RXBUF from the backend, MAC from us, CTRL_VQ hidden. */
	assert_int_equal(vio_dev_negotiate(&u->vdev,
					   VIO_BIT(VIO_NET_F_MRG_RXBUF) | VIO_BIT(VIO_NET_F_MAC) |
						   VIO_BIT(VIO_NET_F_CTRL_VQ),
					   0),
			 0);
	assert_true(vio_dev_has(&u->vdev, VIO_NET_F_MAC));
	assert_true(vio_dev_has(&u->vdev, VIO_NET_F_MRG_RXBUF));
	assert_false(vio_dev_has(&u->vdev, VIO_NET_F_CTRL_VQ));
	/* On the wire: the backend's bits, plus bit 30; never ours (MAC). */
	assert_int_equal(f.set_features, VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(F_PROTOCOL) |
						 VIO_BIT(VIO_NET_F_MRG_RXBUF));
	assert_int_equal(f.set_protocol, 0x9);
	assert_int_equal(f.seen[0], REQ_SET_OWNER);
	assert_int_equal(f.seen[1], REQ_GET_FEATURES);
	assert_int_equal(vio_dev_read_config_u8(&u->vdev, 0, &mac0), 0);
	assert_int_equal(mac0, 2);
	vio_user_dev_fini(u);
	fake_stop(&f);
	free(u);
}

/*
 * num_queues 0: the backend's GET_QUEUE_NUM decides (4 here). The fake has
 * no CONFIG protocol feature: the config is the frontend's, and says so.
 */
static void
test_queue_count_from_backend(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f;

	(void)state;
	fake_start(&f, 0, LIE_NONE, 1);
	p = params(f.path);
	p.num_queues = 0;
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_int_equal(vio_dev_ops(&u->vdev)->num_queues(&u->vdev), 4);
	assert_false(vio_user_config_from_backend(u));
	vio_user_dev_fini(u);
	fake_stop(&f);
	free(u);
}

/* Each lie at the handshake fails init cleanly with the given errno. */
static void
lie_at_init(uint32_t req, enum lie lie, int want)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f;

	fake_start(&f, req, lie, 1);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), want);
	fake_stop(&f);
	free(u);
}

static void
test_bad_replies(void **state)
{
	(void)state;
	lie_at_init(REQ_GET_FEATURES, LIE_BAD_ID, -EPROTO);
	lie_at_init(REQ_GET_FEATURES, LIE_BAD_SIZE, -EPROTO);
	lie_at_init(REQ_GET_FEATURES, LIE_NO_REPLY, -EPROTO);
	lie_at_init(REQ_GET_FEATURES, LIE_BAD_VERSION, -EPROTO);
	lie_at_init(REQ_GET_PROTOCOL_FEATURES, LIE_BAD_SIZE, -EPROTO);
	lie_at_init(REQ_GET_QUEUE_NUM, LIE_BAD_ID, -EPROTO);
	lie_at_init(REQ_GET_FEATURES, LIE_CLOSE, -EIO);
	lie_at_init(REQ_GET_QUEUE_NUM, LIE_CLOSE, -EIO);
}

/* A NACKed SET_FEATURES: FEATURES_OK does not stick, negotiation fails. */
static void
test_features_nack(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f;

	(void)state;
	fake_start(&f, REQ_SET_FEATURES, LIE_NACK, 1);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_int_equal(vio_dev_negotiate(&u->vdev, VIO_BIT(VIO_NET_F_MRG_RXBUF), 0), -ENOTSUP);
	vio_user_dev_fini(u);
	fake_stop(&f);
	free(u);
}

static void
test_missing_socket(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p = params("/tmp/vio-user-unit-no-such.sock");

	(void)state;
	assert_int_equal(vio_user_dev_init(u, &p), -ENOENT);
	p.path = "";
	assert_int_equal(vio_user_dev_init(u, &p), -EINVAL);
	free(u);
}

/*
 * Queue setup on the wire: memory table (--no-huge memory is a memfd in
 * DPDK 22.11: one region with its fd), ring messages in order; reset stops
 * the ring with GET_VRING_BASE. A GET_VRING_BASE answered for another ring
 * drops the connection.
 */
static void
queue_setup_and_reset(enum lie lie)
{
	static const uint32_t want[] = {
		REQ_SET_MEM_TABLE,  REQ_SET_VRING_NUM,  REQ_SET_VRING_BASE,
		REQ_SET_VRING_ADDR, REQ_SET_VRING_CALL, REQ_SET_VRING_KICK
	};
	struct vio_user_region r[VIO_USER_MAX_REGIONS];
	struct vio_queue_cfg cfg = { .size = 256 };
	struct vio_user_dev *u = new_dev();
	struct vio_notify_addr na;
	struct vio_user_params p;
	struct fake f;
	unsigned int first;

	assert_int_equal(vio_user_memory_regions(r, VIO_USER_MAX_REGIONS), 1);
	assert_true(r[0].fd >= 0 && r[0].gpa == r[0].uva);
	fake_start(&f, REQ_GET_VRING_BASE, lie, 1);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	first = f.nseen;
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 1, &cfg, &na), 0);
	assert_null(na.doorbell);
	assert_int_equal(f.nseen - first, RTE_DIM(want));
	for (unsigned int i = 0; i < RTE_DIM(want); i++)
		assert_int_equal(f.seen[first + i], want[i]);
	assert_int_equal(f.mem_regions, 1);
	/*
	 * A call fd (never read), not NOFD: libvhost-user signals under
	 * EVENT_IDX anyway and panics on a missing fd.
	 */
	assert_int_equal(f.call_payload, 1);
	assert_int_equal(f.call_fds, 1);
	/* A second queue: the memory table is unchanged, not sent again. */
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 0, &cfg, &na), 0);
	assert_int_equal(f.nseen - first, 2 * RTE_DIM(want) - 1);
	assert_int_equal(vio_dev_reset(&u->vdev), 0);
	assert_int_equal(f.seen[f.nseen - 1], REQ_GET_VRING_BASE);
	assert_int_equal(vio_user_connected(u), lie == LIE_NONE);
	vio_user_dev_fini(u);
	fake_stop(&f);
	free(u);
}

static void
test_queue_setup(void **state)
{
	(void)state;
	queue_setup_and_reset(LIE_NONE);
	queue_setup_and_reset(LIE_BAD_INDEX);
}

static void lose_running_backend(struct vio_user_dev *u, struct fake *f, unsigned int wait_ms);

/* The backend signals ring @p q's call fd; the interrupt fd must wake. */
static void
signal_and_expect(struct fake *f, struct vio_user_dev *u, uint16_t q)
{
	struct pollfd pfd = { .fd = vio_dev_queue_intr_fd(&u->vdev, q), .events = POLLIN };
	uint64_t one = 1, got = 0;

	assert_true(pfd.fd >= 0);
	assert_true(f->call_fd[q] >= 0);
	assert_int_equal(write(f->call_fd[q], &one, sizeof(one)), sizeof(one));
	assert_int_equal(poll(&pfd, 1, 2000), 1);
	assert_int_equal(read(pfd.fd, &got, sizeof(got)), sizeof(got));
	assert_int_equal(got, 1);
}

/*
 * Interrupt mode: each ring gets its own call eventfd, which is the queue's
 * interrupt fd; after the backend goes and comes back, the setups send the
 * same fds again (an application's epoll set stays valid). Without
 * queue_intr a ring has no interrupt fd.
 */
static void
test_queue_intr_fds(void **state)
{
	struct vio_queue_cfg cfg = { .size = 256 };
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f;
	int fd0, fd1;

	(void)state;
	fake_start(&f, 0, LIE_NONE, 2);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 1, &cfg, NULL), 0);
	assert_int_equal(vio_dev_queue_intr_fd(&u->vdev, 1), -ENOTSUP);
	assert_int_equal(vio_dev_reset(&u->vdev), 0);
	u->vdev.queue_intr = true;
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 0, &cfg, NULL), 0);
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 1, &cfg, NULL), 0);
	fd0 = vio_dev_queue_intr_fd(&u->vdev, 0);
	fd1 = vio_dev_queue_intr_fd(&u->vdev, 1);
	assert_true(fd0 >= 0 && fd1 >= 0 && fd0 != fd1);
	assert_int_equal(f.call_fds, 1);
	signal_and_expect(&f, u, 0);
	signal_and_expect(&f, u, 1);
	/* The backend goes and comes back: the same fds are sent again. */
	lose_running_backend(u, &f, 2000);
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	assert_int_equal(f.connections, 2);
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 0, &cfg, NULL), 0);
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 1, &cfg, NULL), 0);
	assert_int_equal(vio_dev_queue_intr_fd(&u->vdev, 0), fd0);
	assert_int_equal(vio_dev_queue_intr_fd(&u->vdev, 1), fd1);
	signal_and_expect(&f, u, 1);
	signal_and_expect(&f, u, 0);
	vio_user_dev_fini(u);
	fake_stop(&f);
	free(u);
}

/*
 * With the device running, the backend goes away (its end of the connection
 * closes): within @p wait_ms we see it, the status says NEEDS_RESET, and the
 * reset completes on the dead connection.
 */
static void
lose_running_backend(struct vio_user_dev *u, struct fake *f, unsigned int wait_ms)
{
	const struct vio_transport_ops *ops = vio_dev_ops(&u->vdev);

	ops->set_status(&u->vdev, ops->get_status(&u->vdev) | VIO_STATUS_DRIVER_OK);
	assert_false(ops->get_status(&u->vdev) & VIO_STATUS_DEVICE_NEEDS_RESET);
	shutdown(f->conn_fd, SHUT_RDWR);
	for (unsigned int i = 0; i < wait_ms / 10 && vio_user_connected(u); i++)
		usleep(10 * 1000);
	assert_false(vio_user_connected(u));
	assert_true(ops->get_status(&u->vdev) & VIO_STATUS_DEVICE_NEEDS_RESET);
	assert_int_equal(vio_dev_reset(&u->vdev), 0);
	assert_int_equal(ops->get_status(&u->vdev), 0);
}

/* Backend closes after DRIVER_OK: NEEDS_RESET; reset, reconnect. */
static void
test_backend_gone_and_back(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f;

	(void)state;
	fake_start(&f, 0, LIE_NONE, 2);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	lose_running_backend(u, &f, 2000);
	/* The negotiation reconnects. */
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	assert_true(vio_user_connected(u));
	assert_int_equal(f.connections, 2);
	vio_user_dev_fini(u);
	fake_stop(&f);
	free(u);
}

/* ---- Status events ---- */

struct events {
	struct vio_user_dev *u;
	unsigned int calls;  /* atomic */
	bool disable_inside; /* the callback disables the events itself */
	bool on_intr_thread;
};

static void
on_status_event(void *arg)
{
	struct events *ev = arg;

	ev->on_intr_thread = rte_thread_is_intr() != 0;
	if (ev->disable_inside)
		vio_dev_event_intr_disable(&ev->u->vdev);
	__atomic_fetch_add(&ev->calls, 1, __ATOMIC_RELEASE);
}

static bool
wait_calls(struct events *ev, unsigned int want, unsigned int ms)
{
	for (unsigned int i = 0; i < ms; i++) {
		if (__atomic_load_n(&ev->calls, __ATOMIC_ACQUIRE) >= want)
			return true;
		usleep(1000);
	}
	return false;
}

/* Connected and running (DRIVER_OK) on @p f's next connection. */
static void
run_device(struct vio_user_dev *u)
{
	const struct vio_transport_ops *ops = vio_dev_ops(&u->vdev);

	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	ops->set_status(&u->vdev, ops->get_status(&u->vdev) | VIO_STATUS_DRIVER_OK);
	assert_false(ops->get_status(&u->vdev) & VIO_STATUS_DEVICE_NEEDS_RESET);
}

static void
test_status_events(void **state)
{
	const struct hdr unasked = { 99, 0x1, 0 };
	struct vio_queue_cfg cfg = { .size = 256 };
	struct vio_user_dev *u = new_dev();
	struct events ev = { .u = u };
	struct vio_notify_addr na;
	struct vio_user_params p;
	struct fake f;

	(void)state;
	fake_start(&f, 0, LIE_NONE, 3);
	p = params(f.path);
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	run_device(u);
	assert_int_equal(vio_dev_event_intr_enable(&u->vdev, on_status_event, &ev), 0);
	assert_int_equal(vio_dev_event_intr_enable(&u->vdev, on_status_event, &ev), -EBUSY);
	/* Replies to our own requests (queue setup, REPLY_ACK) are no event. */
	assert_int_equal(vio_dev_ops(&u->vdev)->queue_setup(&u->vdev, 0, &cfg, &na), 0);
	usleep(50 * 1000);
	assert_int_equal(__atomic_load_n(&ev.calls, __ATOMIC_ACQUIRE), 0);
	assert_true(vio_user_connected(u));
	/* A message nobody asked for: dropped at once, one call, from the interrupt thread. */
	assert_int_equal(send(f.conn_fd, &unasked, sizeof(unasked), MSG_NOSIGNAL),
			 (ssize_t)sizeof(unasked));
	assert_true(wait_calls(&ev, 1, 2000));
	assert_true(ev.on_intr_thread);
	assert_false(vio_user_connected(u));
	assert_true(vio_dev_ops(&u->vdev)->get_status(&u->vdev) & VIO_STATUS_DEVICE_NEEDS_RESET);
	usleep(50 * 1000);
	assert_int_equal(__atomic_load_n(&ev.calls, __ATOMIC_ACQUIRE), 1);
	vio_dev_event_intr_disable(&u->vdev);
	/* Not connected: nothing to watch. */
	assert_int_equal(vio_dev_event_intr_enable(&u->vdev, on_status_event, &ev), -ENOTCONN);
	assert_int_equal(vio_dev_reset(&u->vdev), 0);

	/* Reconnected; the backend hangs up; the callback disables the events itself. */
	run_device(u);
	ev.calls = 0;
	ev.disable_inside = true;
	assert_int_equal(vio_dev_event_intr_enable(&u->vdev, on_status_event, &ev), 0);
	shutdown(f.conn_fd, SHUT_RDWR);
	assert_true(wait_calls(&ev, 1, 2000));
	assert_true(vio_dev_ops(&u->vdev)->get_status(&u->vdev) & VIO_STATUS_DEVICE_NEEDS_RESET);
	vio_dev_event_intr_disable(&u->vdev); /* done already: nothing left */
	assert_int_equal(vio_dev_reset(&u->vdev), 0);

	/* Reconnected: enabled and disabled while the backend is alive; fini disables too. */
	run_device(u);
	ev.calls = 0;
	ev.disable_inside = false;
	assert_int_equal(vio_dev_event_intr_enable(&u->vdev, on_status_event, &ev), 0);
	vio_dev_event_intr_disable(&u->vdev);
	assert_int_equal(vio_dev_event_intr_enable(&u->vdev, on_status_event, &ev), 0);
	vio_user_dev_fini(u); /* the watch goes with it (LSan: nothing leaks) */
	assert_int_equal(__atomic_load_n(&ev.calls, __ATOMIC_ACQUIRE), 0);
	fake_stop(&f);
	free(u);
}

/*
 * Server mode: we listen, the backend dials in; the handshake is the same.
 * The backend goes away and dials again: the next negotiation takes it.
 * fini removes the socket file.
 */
static void
test_server_mode(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct stat st;
	char path[108];
	struct fake f;

	(void)state;
	server_path(path, sizeof(path));
	unlink(path);
	fake_client_start(&f, path, 2);
	p = params(path);
	p.server = true;
	p.server_wait_ms = 10000;
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	assert_true(vio_user_connected(u));
	/* Connected: nobody listens, a second backend is refused (and retries). */
	assert_false(dial_once(path));
	assert_int_equal(vio_dev_negotiate(&u->vdev, VIO_BIT(VIO_NET_F_MRG_RXBUF), 0), 0);
	assert_int_equal(f.seen[0], REQ_SET_OWNER);
	assert_true(vio_dev_has(&u->vdev, VIO_NET_F_MRG_RXBUF));
	/* The backend restarts: its end closes, then it dials again. */
	lose_running_backend(u, &f, 5000);
	/* We listen again only now: the negotiation waits for the dial. */
	assert_int_equal(vio_dev_negotiate(&u->vdev, 0, 0), 0);
	assert_true(vio_user_connected(u));
	vio_user_dev_fini(u);
	pthread_join(f.thread, NULL);
	assert_int_equal(f.connections, 2);
	assert_int_equal(lstat(path, &st), -1);
	free(u);
}

/* No backend within server_wait: -ETIMEDOUT, nothing left behind. */
static void
test_server_no_backend(void **state)
{
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct stat st;
	char path[108];

	(void)state;
	server_path(path, sizeof(path));
	unlink(path);
	p = params(path);
	p.server = true;
	p.server_wait_ms = 50;
	assert_int_equal(vio_user_dev_init(u, &p), -ETIMEDOUT);
	assert_int_equal(lstat(path, &st), -1);
	free(u);
}

/*
 * The path: a live listener keeps it (-EADDRINUSE), a regular file is not
 * ours to remove (-EEXIST), a stale socket file (nobody listens) is replaced.
 */
static void
test_server_path_taken(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct vio_user_dev *u = new_dev();
	struct vio_user_params p;
	struct fake f, c;
	char path[108];
	int fd;

	(void)state;
	fake_start(&f, 0, LIE_NONE, 1);
	p = params(f.path);
	p.server = true;
	p.server_wait_ms = 50;
	assert_int_equal(vio_user_dev_init(u, &p), -EADDRINUSE);
	fake_stop(&f);

	server_path(path, sizeof(path));
	unlink(path);
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	p.path = path;
	assert_int_equal(vio_user_dev_init(u, &p), -EEXIST);
	unlink(path);

	/* A socket file whose server is gone. */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	fake_client_start(&c, path, 1);
	p.server_wait_ms = 10000;
	assert_int_equal(vio_user_dev_init(u, &p), 0);
	vio_user_dev_fini(u);
	pthread_join(c.thread, NULL);
	free(u);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_negotiation),
		cmocka_unit_test(test_queue_count_from_backend),
		cmocka_unit_test(test_bad_replies),
		cmocka_unit_test(test_features_nack),
		cmocka_unit_test(test_missing_socket),
		cmocka_unit_test(test_queue_setup),
		cmocka_unit_test(test_backend_gone_and_back),
		cmocka_unit_test(test_queue_intr_fds),
		cmocka_unit_test(test_status_events),
		cmocka_unit_test(test_server_mode),
		cmocka_unit_test(test_server_no_backend),
		cmocka_unit_test(test_server_path_taken),
	};
	int rc;

	if (unit_eal_init("user", "0") < 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_eal_cleanup();
	return rc;
}
