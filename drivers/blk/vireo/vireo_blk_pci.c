/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo: the PCI driver. Matches modern virtio-blk devices (and
 * transitional ones that carry the virtio 1.x capabilities), declines
 * legacy-only ones and those whose devargs say vireo=0 (probe returns 1:
 * another driver may take them), binds lib/virtio's modern PCI transport and
 * registers a vblk device named after the PCI address.
 */
#include <errno.h>

#include <bus_pci_driver.h>
#include <rte_devargs.h>
#include <rte_malloc.h>

#include "vireo_blk.h"

static int
vireo_blk_pci_probe(struct rte_pci_driver *drv __rte_unused, struct rte_pci_device *pci)
{
	int socket = pci->device.numa_node;
	struct vireo_blk *blk;
	int rc;

	if (vio_pci_declined_by_devargs(pci)) {
		rte_log(RTE_LOG_INFO, vireo_blk_logtype, "blk_vireo: %s: declined (vireo=0)\n",
			pci->device.name);
		return 1;
	}
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		rte_log(RTE_LOG_NOTICE, vireo_blk_logtype,
			"blk_vireo: %s: secondary processes are not supported: declining\n",
			pci->device.name);
		return 1;
	}
	blk = rte_zmalloc_socket("blk_vireo", sizeof(*blk), RTE_CACHE_LINE_SIZE, socket);
	if (blk == NULL)
		return -ENOMEM;
	blk->owned = true;
	rc = vio_pci_dev_init(&blk->pci, pci);
	if (rc == -ENODEV) {
		/* Legacy-only (no modern capabilities): let another driver have it. */
		rte_log(RTE_LOG_NOTICE, vireo_blk_logtype,
			"blk_vireo: %s: no virtio 1.x capabilities, declining\n", pci->device.name);
		rte_free(blk);
		return 1;
	}
	if (rc == 0) {
		uint64_t refused;

		/* packed=0: split rings; event_idx=0: flag-only suppression. */
		rc = vio_devargs_ring_refused(
			pci->device.devargs != NULL ? pci->device.devargs->args : NULL, &refused);
		blk->pci.vdev.refused |= refused;
	}
	if (rc == 0)
		rc = vireo_blk_attach(blk, &blk->pci.vdev, pci->device.name, socket);
	if (rc < 0) {
		rte_free(blk);
		return rc;
	}
	return 0;
}

static int
vireo_blk_pci_remove(struct rte_pci_device *pci)
{
	uint16_t id;

	if (vblk_dev_get_by_name(pci->device.name, &id) < 0)
		return 0; /* Closed by the application already. */
	return vblk_dev_close(id);
}

static const struct rte_pci_id vireo_blk_pci_ids[] = {
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_MODERN_DEVICE_BASE + VIO_ID_BLK) },
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_TRANSITIONAL_BLK) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver vireo_blk_pci_driver = {
	.id_table = vireo_blk_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = vireo_blk_pci_probe,
	.remove = vireo_blk_pci_remove,
};

RTE_PMD_REGISTER_PCI(blk_vireo, vireo_blk_pci_driver);
RTE_PMD_REGISTER_PCI_TABLE(blk_vireo, vireo_blk_pci_ids);
RTE_PMD_REGISTER_KMOD_DEP(blk_vireo, "* igb_uio | uio_pci_generic | vfio-pci");
RTE_PMD_REGISTER_PARAM_STRING(blk_vireo, "vireo=<0|1> packed=<0|1> event_idx=<0|1>");
