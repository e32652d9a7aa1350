/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo: the device watch. While a port is started, a periodic EAL
 * alarm (every VIREO_WATCH_PERIOD_MS, on the EAL interrupt thread) reads
 * the device status and the STATUS field of the device config:
 *
 * - link up/down (VIRTIO_NET_S_LINK_UP changed): dev_link is updated and,
 *   when the application asked for it (dev_conf.intr_conf.lsc), an
 *   RTE_ETH_EVENT_INTR_LSC event is delivered;
 * - DEVICE_NEEDS_RESET (section 2.1.2: the device hit an error it can only
 *   leave through a reset): logged, link reported down, and one
 *   RTE_ETH_EVENT_INTR_RESET event is delivered; the application recovers
 *   with rte_eth_dev_reset() and reconfigures the port;
 * - a device that is gone (status reads 0xff: a PCI function removed
 *   without a notification, e.g. under uio without the device event
 *   monitor): logged, link down, and one RTE_ETH_EVENT_INTR_RMV event
 *   when the application asked for it (dev_conf.intr_conf.rmv), so it
 *   stops and detaches the port rather than resetting a device that
 *   no longer exists.
 *
 * With MSI-X through vfio-pci the config-change vector runs the same check
 * at once from the EAL interrupt thread (vireo_intr.c), and so does a
 * vhost-user backend hanging up (the transport watches its socket there:
 * vio_dev_event_intr_enable()); the xstat config_interrupts counts those
 * runs. The alarm stays as the safety net, and is the only source under
 * uio (no MSI-X) and for changes nothing signals. An alarm works the same on every
 * transport (PCI under vfio-pci or uio, software devices in tests), costs
 * two config reads per period on the control thread and nothing on the
 * data path, and bounds the event latency by the period. A link that goes
 * down and up again within one period is not seen; DPDK's own
 * rte_eth_link_get() polling has the same limit.
 *
 * Stop publishes the link down without an event. When the last LSC event
 * said "down" (a lost backend, DEVICE_NEEDS_RESET) and a later start finds
 * the link up (the backend came back, the port was reset), the first check
 * of that start, right after it, sends the LSC "up" the application waits
 * for.
 */
#include <rte_alarm.h>

#include "vireo_net.h"

/** Watch period: the worst-case delay of a link or reset event. */
#define VIREO_WATCH_PERIOD_MS 100

static void vireo_watch_alarm(void *arg);

static void
vireo_watch_arm(struct vireo_net *net, uint64_t us)
{
	int rc = rte_eal_alarm_set(us, vireo_watch_alarm, net);

	if (rc < 0)
		VIREO_LOG(ERR, net, "cannot arm the link watch (%d): no link/reset events", rc);
}

/* Link down, with an LSC event when the application asked for one. */
static void
vireo_watch_link_down(struct rte_eth_dev *dev)
{
	struct rte_eth_link link;

	rte_eth_linkstatus_get(dev, &link);
	link.link_status = RTE_ETH_LINK_DOWN;
	if (rte_eth_linkstatus_set(dev, &link) == 0 && dev->data->dev_conf.intr_conf.lsc) {
		vireo_net_of(dev)->lsc_told_down = true;
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	}
}

/* DEVICE_NEEDS_RESET: report it once per start. @return true when set. */
static bool
vireo_watch_needs_reset(struct vireo_net *net)
{
	struct rte_eth_dev *dev = vireo_eth_dev(net);

	if (!vio_dev_needs_reset(net->vdev))
		return false;
	if (net->reset_reported)
		return true;
	net->reset_reported = true;
	VIREO_LOG(ERR, net,
		  "device set DEVICE_NEEDS_RESET: queues stopped, link down; recover with "
		  "rte_eth_dev_reset() and reconfigure the port");
	vireo_watch_link_down(dev);
	rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RESET, NULL);
	return true;
}

/* A device that is gone: report it once per start. @return true when gone. */
static bool
vireo_watch_gone(struct vireo_net *net)
{
	struct rte_eth_dev *dev = vireo_eth_dev(net);

	if (!vio_dev_is_gone(net->vdev))
		return false;
	if (net->reset_reported)
		return true;
	net->reset_reported = true;
	VIREO_LOG(ERR, net,
		  "device does not respond (status reads 0xff): removed? link down; stop and "
		  "detach the port");
	vireo_watch_link_down(dev);
	if (dev->data->dev_conf.intr_conf.rmv)
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_RMV, NULL);
	return true;
}

void
vireo_watch_check(struct vireo_net *net)
{
	struct rte_eth_dev *dev = vireo_eth_dev(net);

	bool changed, up;

	if (!__atomic_load_n(&net->watching, __ATOMIC_ACQUIRE))
		return;
	if (vireo_watch_gone(net) || vireo_watch_needs_reset(net))
		return;
	/* rte_eth_linkstatus_set() (in link_update) returns 0 on a change. */
	changed = vireo_net_link_update(dev, 0) == 0;
	up = dev->data->dev_link.link_status == RTE_ETH_LINK_UP;
	if (!dev->data->dev_conf.intr_conf.lsc)
		return;
	/*
	 * Also a link that start found up after the application was last told
	 * "down" (a backend that came back, a reset device): stop publishes
	 * the link down silently, so start's "up" is not a change by itself.
	 */
	if (changed || (up && net->lsc_told_down)) {
		VIREO_LOG(INFO, net, "link %s", up ? "up" : "down");
		net->lsc_told_down = !up;
		rte_eth_dev_callback_process(dev, RTE_ETH_EVENT_INTR_LSC, NULL);
	}
}

static void
vireo_watch_alarm(void *arg)
{
	struct vireo_net *net = arg;
	uint32_t epoch = __atomic_load_n(&net->watch_epoch, __ATOMIC_ACQUIRE);

	if (!__atomic_load_n(&net->watching, __ATOMIC_ACQUIRE))
		return;
	vireo_watch_check(net);
	/*
	 * An event callback may have stopped the port (watching is false) or
	 * stopped and restarted it (a new epoch armed its own alarm).
	 */
	if (__atomic_load_n(&net->watching, __ATOMIC_ACQUIRE) &&
	    __atomic_load_n(&net->watch_epoch, __ATOMIC_ACQUIRE) == epoch)
		vireo_watch_arm(net, VIREO_WATCH_PERIOD_MS * 1000);
}

void
vireo_watch_start(struct vireo_net *net)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return;
	net->reset_reported = false;
	__atomic_fetch_add(&net->watch_epoch, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&net->watching, true, __ATOMIC_RELEASE);
	/* An LSC "up" owed since the last "down" goes out at once, not a period later. */
	vireo_watch_arm(net, net->lsc_told_down ? 1 : VIREO_WATCH_PERIOD_MS * 1000);
}

void
vireo_watch_stop(struct vireo_net *net)
{
	__atomic_store_n(&net->watching, false, __ATOMIC_RELEASE);
	/*
	 * Waits for a callback running on the interrupt thread; from inside
	 * the callback itself (an event handler stopping the port) it cannot,
	 * and watching == false keeps that callback from re-arming.
	 */
	rte_eal_alarm_cancel(vireo_watch_alarm, net);
}
