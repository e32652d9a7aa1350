/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_net_ctrl: net_vireo's control queue (vireo_ctrl.c) against a device
 * whose replies are arbitrary: the ack byte, the used len and id, and the
 * used idx all come from the input.
 *
 * One port (2 queue pairs with MQ, VLAN filter, rx mode and MAC commands)
 * is made and started once. Each input runs a program of ethdev calls that
 * send commands (promiscuous, allmulticast, default MAC, MAC add/remove,
 * multicast list, VLAN filter, and a restart whose replay also gets fuzzed
 * replies). The device answers each command synchronously, from the
 * doorbell (fuzz_net.c), so no input waits out the timeout.
 *
 * Between inputs the port goes back to its initial state, the cheap way
 * when the control queue survived the input (the port stays started; the
 * input's settings are undone with honestly answered commands) and by a
 * stop and start otherwise (a broken or dead control queue, a failed
 * restart). Either way the next input meets the same settings, control
 * queue health, free descriptors and pool count (checked against a
 * snapshot taken after the first start); only the control queue's ring
 * position differs, and the device's used idx lies are relative to it, so
 * an input does the same whatever ran before it. A stop and start costs
 * ten times more than the program (queue setup, rx ring fill).
 *
 * Invariants: a call whose command got a reply returns 0 exactly when the
 * reply was honest (right id, len 1, idx + 1) with ack VIO_NET_OK, and
 * -EIO otherwise; the driver never violates the ring protocol; no mbuf is
 * lost across the restarts.
 */
#include <errno.h>
#include <string.h>

#include "fuzz_common.h"
#include "fuzz_net.h"
#include "vireo_net.h" /* the control queue's health, for the cheap reset */

#define NB_DESC 32
#define NB_MBUFS 160
#define PAIRS 2
#define MAX_OPS 32
/*
 * Operation 7 restarts the port only when its argument is below this (one
 * in four): a restart costs as much as the rest of a 32-operation program,
 * and one every eight operations made the target four times slower.
 */
#define RESTART_ARG_MAX 64

static struct fuzz_port port;
static struct rte_ether_addr port_mac;
static struct vireo_net *net;

/* The state every input starts from (see the file comment). */
struct port_state {
	struct rte_ether_addr macs[64];
	int nb_macs;
	int promisc;
	int allmulti;
	uint32_t nb_mc_addrs;
	struct rte_vlan_filter_conf vlans;
	uint16_t cvq_free;
	uint16_t cvq_free_head;
	unsigned int pool_avail;
};
static struct port_state initial;

/* Counters of the run, for doc/fuzzing.md's figures (FUZZ_VERBOSE). */
static uint64_t cheap_resets, full_resets;

/* What the device does with the next command, and what it said. */
static struct {
	struct fuzz_in *in; /* NULL: honest OK replies (start outside a program) */
	uint16_t dev_avail;
	uint16_t dev_used;
	unsigned int replies;
	int want_rc; /* for the last reply */
	uint64_t vlans[4096 / 64];
} dev;

/* The chain's device-writable descriptor (the ack byte), or NULL. */
static struct vio_desc *
ack_desc(struct swdev_queue *q, uint16_t head)
{
	uint16_t cur = head;

	for (uint16_t i = 0; i < q->cfg.size; i++) {
		struct vio_desc *d = &q->desc[cur];

		if (d->flags & VIO_DESC_F_WRITE)
			return d;
		if (!(d->flags & VIO_DESC_F_NEXT) || d->next >= q->cfg.size)
			return NULL;
		cur = d->next;
	}
	return NULL;
}

static void
ctrl_reply(struct fuzz_port *p, uint16_t qidx)
{
	struct swdev_queue *q = fuzz_port_q(p, qidx);
	uint16_t mask = (uint16_t)(q->cfg.size - 1), head, old_used = dev.dev_used;
	struct fuzz_in *in = dev.in;
	struct vio_used_elem e;
	struct vio_desc *ad;
	uint8_t ack = VIO_NET_OK, sel = 0, a = 0, l = 0;
	bool honest = true;

	if (qidx != p->ctrl_q || dev.dev_avail == q->avail->idx)
		return; /* a data queue, or nothing new */
	head = q->avail->ring[dev.dev_avail++ & mask];
	ad = ack_desc(q, head);
	if (in != NULL) {
		sel = fuzz_u8(in);
		a = fuzz_u8(in);
		l = fuzz_u8(in);
	}
	e.id = head;
	if (sel >= 0xe0) {
		e.id = (sel & 1) ? fuzz_u32(in) : fuzz_u8(in);
		honest = e.id == head;
	}
	if (a >= 0xc0)
		ack = a;
	else if (a >= 0x80)
		ack = VIO_NET_ERR;
	e.len = 1;
	if (l >= 0xe0)
		e.len = fuzz_u32(in);
	else if (l >= 0xc0)
		e.len = 0;
	if (ad != NULL)
		*(volatile uint8_t *)(uintptr_t)ad->addr = ack;
	q->used->ring[dev.dev_used++ & mask] = e;
	if (in != NULL && fuzz_u8(in) >= 0xf8) {
		/* Relative to the ring position, which differs between inputs. */
		dev.dev_used = (uint16_t)(old_used + fuzz_u16(in));
		if (dev.dev_used == old_used)
			dev.dev_used++; /* never leave the driver waiting */
	}
	__atomic_store_n(&q->used->idx, dev.dev_used, __ATOMIC_RELEASE);

	honest = honest && e.len <= 1 && (uint16_t)(dev.dev_used - old_used) == 1;
	dev.want_rc = honest && e.len == 1 && ack == VIO_NET_OK ? 0 : -EIO;
	dev.replies++;
}

static void
random_mac(struct fuzz_in *in, struct rte_ether_addr *a, bool multicast)
{
	fuzz_bytes(in, a->addr_bytes, sizeof(a->addr_bytes));
	a->addr_bytes[0] = multicast ? (a->addr_bytes[0] | 1) : (a->addr_bytes[0] & 0xfe);
	a->addr_bytes[5] |= 1; /* never all zero */
}

/* A call that sent one command: its result follows from the reply. */
static void
check_call(const char *what, int rc, unsigned int replies_before)
{
	if (dev.replies == replies_before) {
		/* Nothing sent: state unchanged, bad argument, or the queue is dead. */
		FUZZ_CHECK(rc <= 0, "%s without a command: rc %d", what, rc);
		return;
	}
	FUZZ_CHECK(dev.replies == replies_before + 1, "%s sent %u commands", what,
		   dev.replies - replies_before);
	FUZZ_CHECK(rc == dev.want_rc, "%s: rc %d, want %d", what, rc, dev.want_rc);
}

static void
run_op(struct fuzz_in *in)
{
	uint16_t pid = port.port;
	uint8_t op = fuzz_u8(in), arg = fuzz_u8(in);
	unsigned int before = dev.replies;
	struct rte_ether_addr a, mc[4];
	uint16_t vid;
	int rc;

	switch (op % 8) {
	case 0:
		rc = (arg & 1) ? rte_eth_promiscuous_enable(pid) : rte_eth_promiscuous_disable(pid);
		check_call("promiscuous", rc, before);
		break;
	case 1:
		rc = (arg & 1) ? rte_eth_allmulticast_enable(pid) :
				 rte_eth_allmulticast_disable(pid);
		check_call("allmulticast", rc, before);
		break;
	case 2:
		random_mac(in, &a, false);
		check_call("default MAC", rte_eth_dev_default_mac_addr_set(pid, &a), before);
		break;
	case 3:
		random_mac(in, &a, arg & 1);
		check_call("MAC add", rte_eth_dev_mac_addr_add(pid, &a, 0), before);
		break;
	case 4:
		random_mac(in, &a, arg & 1);
		rte_eth_dev_mac_addr_remove(pid, &a); /* its result hides the command's */
		break;
	case 5:
		for (unsigned int i = 0; i < RTE_DIM(mc); i++)
			random_mac(in, &mc[i], true);
		check_call("multicast list", rte_eth_dev_set_mc_addr_list(pid, mc, arg % 5),
			   before);
		break;
	case 6:
		vid = fuzz_u16(in) & 4095;
		dev.vlans[vid / 64] |= UINT64_C(1) << (vid % 64);
		check_call("VLAN filter", rte_eth_dev_vlan_filter(pid, vid, arg & 1), before);
		break;
	default:
		if (arg >= RESTART_ARG_MAX) {
			/* Mostly a command, not a restart: see RESTART_ARG_MAX. */
			rc = (arg & 1) ? rte_eth_promiscuous_enable(pid) :
					 rte_eth_allmulticast_enable(pid);
			check_call("rx mode", rc, before);
			break;
		}
		/* Restart: the replay after start meets fuzzed replies too. */
		rc = rte_eth_dev_stop(pid);
		FUZZ_CHECK(rc == 0, "stop: %d", rc);
		dev.dev_avail = 0; /* new rings */
		dev.dev_used = 0;
		rc = rte_eth_dev_start(pid);
		FUZZ_CHECK(rc == 0 || rc == -EIO, "start: %d", rc);
		if (rc < 0)
			rte_eth_dev_stop(pid); /* already stopped, says ethdev */
		break;
	}
}

/*
 * Undo this input's settings. Stopped, nothing is sent; started, each
 * change is a command the device answers honestly. @return false when one
 * failed (the control queue is dead).
 */
static bool
reset_settings(void)
{
	struct rte_ether_addr addrs[64];
	bool ok = true;
	int n;

	ok &= rte_eth_promiscuous_disable(port.port) == 0;
	ok &= rte_eth_allmulticast_disable(port.port) == 0;
	ok &= rte_eth_dev_default_mac_addr_set(port.port, &port_mac) == 0;
	n = rte_eth_macaddrs_get(port.port, addrs, RTE_DIM(addrs));
	for (int i = 1; i < n; i++)
		if (!rte_is_zero_ether_addr(&addrs[i]))
			rte_eth_dev_mac_addr_remove(port.port, &addrs[i]);
	ok &= rte_eth_dev_set_mc_addr_list(port.port, NULL, 0) == 0;
	for (unsigned int w = 0; w < RTE_DIM(dev.vlans); w++)
		for (unsigned int b = 0; b < 64; b++)
			if (dev.vlans[w] & (UINT64_C(1) << b))
				ok &= rte_eth_dev_vlan_filter(port.port, (uint16_t)(w * 64 + b),
							      0) == 0;
	memset(dev.vlans, 0, sizeof(dev.vlans));
	return ok;
}

static bool
cvq_alive(void)
{
	return net->started && net->cvq != NULL && !net->cvq_dead && !vio_vq_is_broken(net->cvq);
}

static void
snapshot(struct port_state *st)
{
	memset(st, 0, sizeof(*st));
	st->nb_macs = rte_eth_macaddrs_get(port.port, st->macs, RTE_DIM(st->macs));
	st->promisc = rte_eth_promiscuous_get(port.port);
	st->allmulti = rte_eth_allmulticast_get(port.port);
	st->nb_mc_addrs = net->nb_mc_addrs;
	st->vlans = rte_eth_devices[port.port].data->vlan_filter_conf;
	st->cvq_free = vio_vq_num_free(net->cvq);
	st->cvq_free_head = vio_vq_next_head(net->cvq);
	st->pool_avail = rte_mempool_avail_count(port.mp);
}

/* Honest replies from a fresh ring: start, or stop and start. */
static void
full_reset(void)
{
	int rc;

	dev.in = NULL;
	if (net->started) {
		rc = rte_eth_dev_stop(port.port);
		FUZZ_CHECK(rc == 0, "stop: %d", rc);
	}
	reset_settings(); /* stopped: nothing is sent */
	fuzz_port_check(&port);
	dev.dev_avail = 0;
	dev.dev_used = 0;
	rc = rte_eth_dev_start(port.port);
	FUZZ_CHECK(rc == 0, "start: %d", rc);
	full_resets++;
}

/* Back to the initial state; see the file comment. */
static void
reset_port(void)
{
	struct port_state now;
	bool cheap;

	dev.in = NULL;
	cheap = cvq_alive() && reset_settings() && cvq_alive();
	if (cheap)
		cheap_resets++;
	else
		full_reset();
	snapshot(&now);
	FUZZ_CHECK(memcmp(&now, &initial, sizeof(now)) == 0,
		   "port not back to its initial state after the %s reset (pool %u/%u, cvq free "
		   "%u/%u head %u/%u, %d/%d MACs, promisc %d, allmulti %d, %u mc)",
		   cheap ? "cheap" : "full", now.pool_avail, initial.pool_avail, now.cvq_free,
		   initial.cvq_free, now.cvq_free_head, initial.cvq_free_head, now.nb_macs,
		   initial.nb_macs, now.promisc, now.allmulti, now.nb_mc_addrs);
	FUZZ_CHECK(swdev_violations(port.sw) == 0, "driver violated the protocol: %s",
		   port.sw->last_violation);
}

static void
report_resets(void)
{
	if (getenv("FUZZ_VERBOSE") != NULL)
		fprintf(stderr, "fuzz_net_ctrl: %llu cheap resets, %llu stop/start resets\n",
			(unsigned long long)cheap_resets, (unsigned long long)full_resets);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct fuzz_port_params pp = {
		.name = "fz_ctrl",
		.features = VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_NET_F_MAC) |
			    VIO_BIT(VIO_NET_F_STATUS) | VIO_BIT(VIO_NET_F_CTRL_VQ) |
			    VIO_BIT(VIO_NET_F_CTRL_RX) | VIO_BIT(VIO_NET_F_CTRL_VLAN) |
			    VIO_BIT(VIO_NET_F_CTRL_MAC_ADDR) | VIO_BIT(VIO_NET_F_MQ),
		.pairs = PAIRS,
		.rx_offloads = RTE_ETH_RX_OFFLOAD_VLAN_FILTER,
		.nb_desc = NB_DESC,
		/* Rings no bigger than the descriptors used: a stop and start
		 * zeroes and fills less (the commands' chains are short). */
		.queue_size = NB_DESC,
		.nb_mbufs = NB_MBUFS,
	};
	int rc;

	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fuzz_eal_init("net_ctrl");
	fuzz_port_create(&port, &pp);
	port.on_notify = ctrl_reply;
	net = rte_eth_devices[port.port].data->dev_private;
	FUZZ_CHECK(rte_eth_macaddr_get(port.port, &port_mac) == 0, "no MAC");
	rc = rte_eth_dev_start(port.port);
	FUZZ_CHECK(rc == 0, "start: %d", rc);
	FUZZ_CHECK(cvq_alive(), "no control queue after start");
	snapshot(&initial);
	atexit(report_resets);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_make(data, size);

	dev.in = &in;
	for (unsigned int op = 0; op < MAX_OPS && fuzz_more(&in); op++)
		run_op(&in);
	reset_port();
	return 0;
}
