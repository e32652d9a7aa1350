/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * net_vireo: the PCI driver. Matches modern virtio-net devices (and
 * transitional ones that carry the virtio 1.x capabilities), honours the
 * devarg vireo=0 (leave the device to another driver), binds the modern PCI
 * transport of lib/virtio and hands the port to vireo_net_init(). Everything
 * that is not PCI-specific lives in vireo_ethdev.c. In a secondary process
 * the probe attaches to the port the primary made (vireo_mp.c).
 *
 * Hot-unplug: virtio has no removal signal of its own. The PCI bus tells
 * EAL's device event callbacks (RTE_DEV_EVENT_REMOVE): under vfio-pci on
 * the kernel's request to release the device (VFIO request notifier, always
 * armed), under uio when the application started the device event monitor.
 * Each port listens for its device and turns that into the ethdev event
 * RTE_ETH_EVENT_INTR_RMV (when dev_conf.intr_conf.rmv asks for it, as
 * RTE_PCI_DRV_INTR_RMV lets it), so applications that only watch ethdev
 * events can stop, close and detach the port.
 */
#include <errno.h>

#include <bus_pci_driver.h>
#include <ethdev_driver.h>
#include <ethdev_pci.h>

#include "vireo_net.h"

static int
vireo_pci_eth_init(struct rte_eth_dev *eth_dev)
{
	struct vireo_net *net = vireo_net_of(eth_dev);
	struct rte_pci_device *pci = RTE_ETH_DEV_TO_PCI(eth_dev);
	int rc;

	const char *args = pci->device.devargs != NULL ? pci->device.devargs->args : NULL;
	uint64_t refused;

	/* packed=0: split rings; event_idx=0: flag-only suppression; mrg_rxbuf=0. */
	if (vio_devargs_ring_refused(args, &refused) < 0 ||
	    vireo_devarg_mrg_rxbuf(args, &refused) < 0)
		return -EINVAL;
	rc = vio_pci_dev_init(&net->pci, pci);
	if (rc < 0)
		return rc;
	net->pci.vdev.refused |= refused;
	return vireo_net_init(eth_dev, &net->pci.vdev);
}

/*
 * Secondary process: ethdev found the primary's port by name; dev_private
 * is the primary's state. Set up what is per process.
 */
static int
vireo_pci_eth_init_secondary(struct rte_eth_dev *eth_dev)
{
	struct vireo_net *net = vireo_net_of(eth_dev);
	int rc;

	/* The primary may drive it with another driver: let that one attach here too. */
	if (net == NULL || net->magic != VIREO_NET_MAGIC) {
		VIREO_LOG_NODEV(NOTICE,
				"%s: not a net_vireo port in the primary process: declining",
				eth_dev->data->name);
		return 1;
	}
	rc = vio_pci_dev_attach_secondary(&net->pci, RTE_ETH_DEV_TO_PCI(eth_dev));
	if (rc < 0 && rc != -ENOTSUP && rc != -EFAULT)
		return rc;
	/* Doorbells the primary recorded are valid here only when rc is 0. */
	return vireo_net_attach_secondary(eth_dev, rc == 0);
}

static int
vireo_pci_eth_uninit(struct rte_eth_dev *eth_dev)
{
	/* A secondary leaves the device alone; ethdev releases its own view. */
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return 0;
	return vireo_dev_close(eth_dev);
}

/* EAL device event callback (interrupt thread): removal -> INTR_RMV. */
static void
vireo_pci_dev_event(const char *name, enum rte_dev_event_type type, void *arg __rte_unused)
{
	uint16_t port_id;

	/* By name, not by pointer: the port may be gone already. */
	if (type != RTE_DEV_EVENT_REMOVE || rte_eth_dev_get_port_by_name(name, &port_id) != 0)
		return;
	VIREO_LOG_NODEV(NOTICE, "%s: device being removed (port %u)", name, port_id);
	if (rte_eth_devices[port_id].data->dev_conf.intr_conf.rmv)
		rte_eth_dev_callback_process(&rte_eth_devices[port_id], RTE_ETH_EVENT_INTR_RMV,
					     NULL);
}

static void
vireo_pci_watch_removal(const struct rte_pci_device *pci)
{
	int rc = rte_dev_event_callback_register(pci->device.name, vireo_pci_dev_event, NULL);

	/* -EEXIST: left registered by an earlier probe of this device (see remove). */
	if (rc < 0 && rc != -EEXIST)
		VIREO_LOG_NODEV(WARNING, "%s: no device event callback (%d): no removal events",
				pci->device.name, rc);
}

static int
vireo_pci_probe(struct rte_pci_driver *drv __rte_unused, struct rte_pci_device *pci)
{
	int rc;

	if (vio_pci_declined_by_devargs(pci)) {
		VIREO_LOG_NODEV(INFO, "%s: declined (devarg vireo=0)", pci->device.name);
		return 1;
	}
	if (rte_eal_process_type() != RTE_PROC_PRIMARY)
		return rte_eth_dev_pci_generic_probe(pci, 0, vireo_pci_eth_init_secondary);
	rc = rte_eth_dev_pci_generic_probe(pci, sizeof(struct vireo_net), vireo_pci_eth_init);
	if (rc == -ENODEV) {
		/* Legacy-only (no modern capabilities): let another driver have it. */
		VIREO_LOG_NODEV(NOTICE, "%s: no virtio 1.x capabilities, declining",
				pci->device.name);
		return 1;
	}
	if (rc == 0)
		vireo_pci_watch_removal(pci);
	return rc;
}

static int
vireo_pci_remove(struct rte_pci_device *pci)
{
	/*
	 * -EAGAIN when the removal runs inside our own callback (an INTR_RMV
	 * handler detaching at once): the entry then stays, harmless, since
	 * the callback finds ports by name.
	 */
	rte_dev_event_callback_unregister(pci->device.name, vireo_pci_dev_event, NULL);
	return rte_eth_dev_pci_generic_remove(pci, vireo_pci_eth_uninit);
}

static const struct rte_pci_id vireo_pci_ids[] = {
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_MODERN_DEVICE_BASE + VIO_ID_NET) },
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_TRANSITIONAL_NET) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver vireo_pci_driver = {
	.id_table = vireo_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING | RTE_PCI_DRV_INTR_RMV,
	.probe = vireo_pci_probe,
	.remove = vireo_pci_remove,
};

RTE_PMD_REGISTER_PCI(net_vireo, vireo_pci_driver);
RTE_PMD_REGISTER_PCI_TABLE(net_vireo, vireo_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(net_vireo, "* igb_uio | uio_pci_generic | vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(net_vireo,
			      "vireo=<0|1> packed=<0|1> event_idx=<0|1> mrg_rxbuf=<0|1>");
