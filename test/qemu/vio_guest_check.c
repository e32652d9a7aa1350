/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vio_guest_check: lib/virtio against real QEMU virtio PCI devices, run
 * inside the test guest (see test/qemu/cases/vio-*.sh).
 *
 *   vio_guest_check EAL-ARGS -- probe [--expect N] [--access-platform]
 *   vio_guest_check EAL-ARGS -- legacy
 *   vio_guest_check EAL-ARGS -- blk [WRITE_SECTOR]
 *   vio_guest_check EAL-ARGS -- net
 *
 * The program registers its own PCI driver for virtio devices (linked in,
 * so EAL offers it every allow-listed device before any plugin). Its probe
 * binds the modern transport and, like a real driver, declines legacy-only
 * devices. The subcommands then drive the recorded devices with raw
 * virtqueue requests. Exit status: 0 pass, 1 fail, 77 nothing to test.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bus_pci_driver.h>
#include <rte_bus_pci.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_pause.h>

#include "vio_dev.h"
#include "vio_dma.h"
#include "vio_pci.h"
#include "vio_spec.h"
#include "vio_vq.h"

#define GC_MAX_DEVS 8
#define GC_WAIT_MS 10000
#define GC_SKIP 77

/* One 32-byte unit of the host's disk pattern, see sector_pattern() in
 * devtools/vireo_tools/guest.py. */
#define GC_PATTERN_UNIT 32

struct gc_dev {
	struct rte_pci_device *pci;
	struct vio_pci_dev vpd;
	int init_rc;  /* vio_pci_dev_init() result */
	int probe_rc; /* what our probe returned to EAL */
	bool modern;  /* init succeeded: vpd is usable */
};

static struct gc_dev gc_devs[GC_MAX_DEVS];
static unsigned int gc_ndevs;
static int gc_failures;

#define GC_FAIL(...)                                           \
	do {                                                   \
		printf("vio_guest_check: FAIL: " __VA_ARGS__); \
		printf("\n");                                  \
		gc_failures++;                                 \
	} while (0)

static int
gc_probe(struct rte_pci_driver *drv __rte_unused, struct rte_pci_device *pci)
{
	struct gc_dev *d;

	if (gc_ndevs == GC_MAX_DEVS)
		return 1;
	d = &gc_devs[gc_ndevs++];
	d->pci = pci;
	d->init_rc = vio_pci_dev_init(&d->vpd, pci);
	if (d->init_rc == -ENODEV) {
		/* DPDK probe etiquette: > 0 lets another driver have it. */
		printf("vio_guest_check: %s: not a modern device, declining\n", pci->name);
		d->probe_rc = 1;
	} else if (d->init_rc < 0) {
		printf("vio_guest_check: %s: transport init failed: %s\n", pci->name,
		       strerror(-d->init_rc));
		d->probe_rc = d->init_rc;
	} else {
		d->modern = true;
		d->probe_rc = 0;
	}
	return d->probe_rc;
}

static int
gc_remove(struct rte_pci_device *pci __rte_unused)
{
	return 0;
}

static const struct rte_pci_id gc_pci_ids[] = {
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_MODERN_DEVICE_BASE + VIO_ID_NET) },
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_MODERN_DEVICE_BASE + VIO_ID_BLK) },
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_TRANSITIONAL_NET) },
	{ RTE_PCI_DEVICE(VIO_PCI_VENDOR_ID, VIO_PCI_TRANSITIONAL_BLK) },
	{ .vendor_id = 0 },
};

static struct rte_pci_driver gc_driver = {
	.id_table = gc_pci_ids,
	.drv_flags = RTE_PCI_DRV_NEED_MAPPING,
	.probe = gc_probe,
	.remove = gc_remove,
};

RTE_PMD_REGISTER_PCI(vio_guest_check, gc_driver);

static bool
gc_is(const struct gc_dev *d, uint16_t virtio_id)
{
	return d->modern && d->pci->id.device_id == VIO_PCI_MODERN_DEVICE_BASE + virtio_id;
}

static struct gc_dev *
gc_find(uint16_t virtio_id, unsigned int nth)
{
	unsigned int i;

	for (i = 0; i < gc_ndevs; i++)
		if (gc_is(&gc_devs[i], virtio_id) && nth-- == 0)
			return &gc_devs[i];
	return NULL;
}

/* Poll one used entry; the devices never interrupt us. */
static int
gc_wait_used(struct vio_vq *vq, void **cookie, uint32_t *len)
{
	uint64_t deadline = rte_get_timer_cycles() + rte_get_timer_hz() * GC_WAIT_MS / 1000;
	int n;

	do {
		n = vio_vq_harvest(vq, cookie, len, 1);
		if (n != 0)
			return n;
		rte_pause();
	} while (rte_get_timer_cycles() < deadline);
	return -ETIMEDOUT;
}

/* Negotiate, create the queues [0, nq) and set DRIVER_OK. */
static int
gc_start(struct gc_dev *d, uint64_t wanted, uint16_t nq, struct vio_vq **vqs)
{
	struct vio_dev *vdev = &d->vpd.vdev;
	uint16_t q;
	int rc;

	rc = vio_dev_negotiate(vdev, wanted, 0);
	if (rc < 0) {
		GC_FAIL("%s: negotiation: %s", vdev->name, strerror(-rc));
		return rc;
	}
	for (q = 0; q < nq; q++) {
		rc = vio_vq_create(vdev, q, 0, SOCKET_ID_ANY, &vqs[q]);
		if (rc < 0) {
			GC_FAIL("%s: queue %u: %s", vdev->name, q, strerror(-rc));
			goto undo;
		}
	}
	rc = vio_dev_driver_ok(vdev);
	if (rc < 0) {
		GC_FAIL("%s: DRIVER_OK not accepted", vdev->name);
		goto undo;
	}
	return 0;
undo:
	vio_dev_fail(vdev);
	while (q-- > 0) {
		vio_vq_destroy(vqs[q]);
		vqs[q] = NULL;
	}
	return rc < 0 ? rc : -EIO;
}

static void
gc_stop(struct gc_dev *d, uint16_t nq, struct vio_vq **vqs)
{
	uint16_t q;

	/* Reset first: the device must stop using the rings before we free them. */
	if (vio_dev_reset(&d->vpd.vdev) < 0)
		GC_FAIL("%s: reset did not complete", d->vpd.vdev.name);
	for (q = 0; q < nq; q++) {
		vio_vq_destroy(vqs[q]);
		vqs[q] = NULL;
	}
}

/* ------------------------------------------------------------------ probe */

static void
gc_probe_one(struct gc_dev *d, bool want_access_platform)
{
	struct vio_dev *vdev = &d->vpd.vdev;
	bool is_net = gc_is(d, VIO_ID_NET);
	struct vio_vq *vq = NULL;
	uint64_t capacity;
	uint8_t mac[RTE_ETHER_ADDR_LEN];
	char what[64];

	if (gc_start(d, is_net ? VIO_BIT(VIO_NET_F_MAC) : VIO_BIT(VIO_BLK_F_FLUSH), 1, &vq) < 0)
		return;
	if (!vio_dev_has(vdev, VIO_F_VERSION_1))
		GC_FAIL("%s: VERSION_1 not negotiated", vdev->name);
	if ((vdev->device_features & VIO_BIT(VIO_F_ACCESS_PLATFORM)) &&
	    !vio_dev_has(vdev, VIO_F_ACCESS_PLATFORM))
		GC_FAIL("%s: ACCESS_PLATFORM offered but not negotiated", vdev->name);
	if (want_access_platform && !vio_dev_has(vdev, VIO_F_ACCESS_PLATFORM))
		GC_FAIL("%s: expected ACCESS_PLATFORM (device behind an IOMMU)", vdev->name);
	if (!(vio_dev_ops(vdev)->get_status(vdev) & VIO_STATUS_DRIVER_OK))
		GC_FAIL("%s: DRIVER_OK not set in device status", vdev->name);

	if (is_net) {
		if (vio_dev_read_config_bytes(vdev, offsetof(struct vio_net_config, mac), mac,
					      sizeof(mac)) < 0)
			GC_FAIL("%s: cannot read the MAC", vdev->name);
		snprintf(what, sizeof(what), "net mac=" RTE_ETHER_ADDR_PRT_FMT,
			 RTE_ETHER_ADDR_BYTES((struct rte_ether_addr *)mac));
	} else {
		if (vio_dev_read_config_u64(vdev, offsetof(struct vio_blk_config, capacity),
					    &capacity) < 0 ||
		    capacity == 0)
			GC_FAIL("%s: bad capacity", vdev->name);
		snprintf(what, sizeof(what), "blk capacity=%" PRIu64, capacity);
	}
	printf("vio_guest_check: probe %s %s queues=%u q0size=%u features=0x%" PRIx64
	       " offered=0x%" PRIx64 " status=0x%02x DRIVER_OK\n",
	       vdev->name, what, vio_dev_ops(vdev)->num_queues(vdev), vio_vq_size(vq),
	       vdev->features, vdev->device_features, vio_dev_ops(vdev)->get_status(vdev));
	gc_stop(d, 1, &vq);
}

static int
gc_cmd_probe(int argc, char **argv)
{
	bool access_platform = false;
	unsigned int expect = 0, n = 0, i;
	int a;

	for (a = 0; a < argc; a++) {
		if (strcmp(argv[a], "--access-platform") == 0)
			access_platform = true;
		else if (strcmp(argv[a], "--expect") == 0 && a + 1 < argc)
			expect = (unsigned int)atoi(argv[++a]);
		else
			return -EINVAL;
	}
	for (i = 0; i < gc_ndevs; i++) {
		if (!gc_devs[i].modern)
			continue;
		gc_probe_one(&gc_devs[i], access_platform);
		n++;
	}
	if (expect != 0 && n != expect)
		GC_FAIL("%u modern devices probed, expected %u", n, expect);
	return n == 0 ? GC_SKIP : 0;
}

/* ----------------------------------------------------------------- legacy */

static int
gc_cmd_legacy(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < gc_ndevs; i++) {
		struct gc_dev *d = &gc_devs[i];

		if (d->modern)
			continue;
		n++;
		if (d->init_rc != -ENODEV)
			GC_FAIL("%s: transport init returned %d, expected -ENODEV", d->pci->name,
				d->init_rc);
		if (d->probe_rc <= 0)
			GC_FAIL("%s: probe returned %d, expected > 0 (decline)", d->pci->name,
				d->probe_rc);
		printf("vio_guest_check: legacy %s: vio_pci_dev_init=%d probe=%d, now driven by "
		       "%s\n",
		       d->pci->name, d->init_rc, d->probe_rc,
		       d->pci->driver != NULL ? d->pci->driver->driver.name : "no driver");
	}
	for (i = 0; i < gc_ndevs; i++)
		if (gc_devs[i].modern)
			GC_FAIL("%s: unexpected modern device in the legacy test",
				gc_devs[i].pci->name);
	return n == 0 ? GC_SKIP : 0;
}

/* -------------------------------------------------------------------- blk */

/* Request buffer layout inside one DMA region. */
#define BLK_HDR_OFF 0
#define BLK_STATUS_OFF 64
#define BLK_DATA_OFF 512

struct gc_blk {
	struct gc_dev *dev;
	struct vio_vq *vq;
	struct vio_dma_region *buf;
};

static void
gc_fill(uint8_t *p, const char *tag, uint64_t lba)
{
	char unit[GC_PATTERN_UNIT + 1];
	unsigned int i;

	/* Same layout as sector_pattern() in devtools/vireo_tools/guest.py:
	 * 32-byte lines. */
	snprintf(unit, sizeof(unit), "%s%0*" PRIu64 "\n", tag,
		 (int)(GC_PATTERN_UNIT - 1 - strlen(tag)), lba);
	for (i = 0; i < VIO_BLK_SECTOR_SIZE; i += GC_PATTERN_UNIT)
		memcpy(p + i, unit, GC_PATTERN_UNIT);
}

/* One request: header, optional one-sector data, status (n_out/n_in by type). */
static int
gc_blk_req(struct gc_blk *b, uint32_t type, uint64_t sector)
{
	struct vio_blk_req_hdr *hdr = vio_dma_va_at(b->buf, BLK_HDR_OFF);
	uint8_t *status = vio_dma_va_at(b->buf, BLK_STATUS_OFF);
	struct vio_sg sg[3];
	uint16_t n_out = 1, n_in = 0;
	uint32_t len = 0, expect_len;
	void *cookie = NULL;
	int rc;

	hdr->type = type;
	hdr->reserved = 0;
	hdr->sector = sector;
	*status = 0xff;
	sg[0] = (struct vio_sg){ vio_dma_iova_at(b->buf, BLK_HDR_OFF), sizeof(*hdr) };
	if (type == VIO_BLK_T_OUT)
		sg[n_out++] = (struct vio_sg){ vio_dma_iova_at(b->buf, BLK_DATA_OFF),
					       VIO_BLK_SECTOR_SIZE };
	else if (type == VIO_BLK_T_IN)
		sg[n_out + n_in++] = (struct vio_sg){ vio_dma_iova_at(b->buf, BLK_DATA_OFF),
						      VIO_BLK_SECTOR_SIZE };
	sg[n_out + n_in++] = (struct vio_sg){ vio_dma_iova_at(b->buf, BLK_STATUS_OFF), 1 };
	expect_len = type == VIO_BLK_T_IN ? VIO_BLK_SECTOR_SIZE + 1 : 1;

	rc = vio_vq_add_chain(b->vq, sg, n_out, n_in, b);
	if (rc < 0)
		return rc;
	vio_vq_kick(b->vq);
	rc = gc_wait_used(b->vq, &cookie, &len);
	if (rc < 0)
		return rc;
	if (cookie != b) {
		GC_FAIL("blk: wrong cookie back");
		return -EIO;
	}
	if (*status != VIO_BLK_S_OK) {
		GC_FAIL("blk: request type %u sector %" PRIu64 ": status %u", type, sector,
			*status);
		return -EIO;
	}
	/* QEMU reports the bytes it wrote; some devices report 0 for out-only. */
	if (len != expect_len && !(type != VIO_BLK_T_IN && len == 0))
		printf("vio_guest_check: blk: note: used len %u (expected %u)\n", len, expect_len);
	return 0;
}

static int
gc_blk_read_check(struct gc_blk *b, uint64_t sector, const char *tag)
{
	uint8_t want[VIO_BLK_SECTOR_SIZE];
	uint8_t *data = vio_dma_va_at(b->buf, BLK_DATA_OFF);
	int rc;

	memset(data, 0, VIO_BLK_SECTOR_SIZE);
	rc = gc_blk_req(b, VIO_BLK_T_IN, sector);
	if (rc < 0) {
		GC_FAIL("blk: read sector %" PRIu64 ": %s", sector, strerror(-rc));
		return rc;
	}
	gc_fill(want, tag, sector);
	if (memcmp(data, want, sizeof(want)) != 0) {
		GC_FAIL("blk: sector %" PRIu64 " holds \"%.31s\", expected \"%.31s\"", sector,
			(const char *)data, (const char *)want);
		return -EIO;
	}
	printf("vio_guest_check: blk: sector %" PRIu64 " ok: %.31s\n", sector, (char *)data);
	return 0;
}

static int
gc_cmd_blk(int argc, char **argv)
{
	struct gc_blk b = { .dev = gc_find(VIO_ID_BLK, 0) };
	uint64_t wsector = argc > 0 ? strtoull(argv[0], NULL, 0) : 1000;
	uint64_t capacity = 0;
	int rc;

	if (b.dev == NULL) {
		printf("vio_guest_check: no modern virtio-blk device\n");
		return GC_SKIP;
	}
	if (gc_start(b.dev, VIO_BIT(VIO_BLK_F_FLUSH), 1, &b.vq) < 0)
		return 1;
	b.buf = vio_dma_alloc("gcblk", 4096, 4096, SOCKET_ID_ANY);
	if (b.buf == NULL) {
		GC_FAIL("blk: no DMA memory");
		goto out;
	}
	vio_dev_read_config_u64(&b.dev->vpd.vdev, offsetof(struct vio_blk_config, capacity),
				&capacity);
	printf("vio_guest_check: blk %s capacity %" PRIu64 " sectors, FLUSH %s\n",
	       b.dev->vpd.vdev.name, capacity,
	       vio_dev_has(&b.dev->vpd.vdev, VIO_BLK_F_FLUSH) ? "yes" : "no");
	if (wsector + 1 >= capacity) {
		GC_FAIL("blk: write sector %" PRIu64 " beyond capacity", wsector);
		goto out;
	}

	/* The host filled every sector with its number (devtools/vireo_tools/guest.py,
	 * Guest._disk()). */
	if (gc_blk_read_check(&b, 0, "VIREO-BLK-SECTOR-") < 0 ||
	    gc_blk_read_check(&b, capacity - 1, "VIREO-BLK-SECTOR-") < 0)
		goto out;

	/* Write, read back through the device, flush; the host checks the file. */
	gc_fill(vio_dma_va_at(b.buf, BLK_DATA_OFF), "VIREO-GUEST-WROTE-", wsector);
	rc = gc_blk_req(&b, VIO_BLK_T_OUT, wsector);
	if (rc < 0) {
		GC_FAIL("blk: write sector %" PRIu64 ": %s", wsector, strerror(-rc));
		goto out;
	}
	if (gc_blk_read_check(&b, wsector, "VIREO-GUEST-WROTE-") < 0 ||
	    gc_blk_read_check(&b, wsector + 1, "VIREO-BLK-SECTOR-") < 0)
		goto out;
	if (vio_dev_has(&b.dev->vpd.vdev, VIO_BLK_F_FLUSH)) {
		rc = gc_blk_req(&b, VIO_BLK_T_FLUSH, 0);
		if (rc < 0)
			GC_FAIL("blk: flush: %s", strerror(-rc));
		else
			printf("vio_guest_check: blk: flush ok\n");
	}
out:
	gc_stop(b.dev, 1, &b.vq);
	vio_dma_free(b.buf);
	return 0;
}

/* -------------------------------------------------------------------- net */

#define NET_FRAMES 8
#define NET_BUF_LEN 2048
#define NET_ETHERTYPE 0x88b5 /* IEEE local experimental */

struct gc_nic {
	struct gc_dev *dev;
	struct vio_vq *vq[2]; /* rx 0, tx 1 */
	uint8_t mac[RTE_ETHER_ADDR_LEN];
};

static unsigned int
gc_frame_len(unsigned int i)
{
	static const unsigned int lens[NET_FRAMES] = { 60, 64, 65, 128, 511, 1000, 1513, 1514 };

	return lens[i];
}

static void
gc_frame(uint8_t *f, unsigned int i, const struct gc_nic *src, const struct gc_nic *dst)
{
	unsigned int len = gc_frame_len(i), k;

	memcpy(f, dst->mac, RTE_ETHER_ADDR_LEN);
	memcpy(f + 6, src->mac, RTE_ETHER_ADDR_LEN);
	f[12] = NET_ETHERTYPE >> 8;
	f[13] = NET_ETHERTYPE & 0xff;
	for (k = 14; k < len; k++)
		f[k] = (uint8_t)(i * 31 + k);
}

static int
gc_nic_start(struct gc_nic *n, struct gc_dev *d)
{
	n->dev = d;
	if (gc_start(d, VIO_BIT(VIO_NET_F_MAC), 2, n->vq) < 0)
		return -1;
	if (vio_dev_read_config_bytes(&d->vpd.vdev, offsetof(struct vio_net_config, mac), n->mac,
				      sizeof(n->mac)) < 0) {
		GC_FAIL("%s: cannot read the MAC", d->vpd.vdev.name);
		return -1;
	}
	return 0;
}

static int
gc_net_run(struct gc_nic *tx, struct gc_nic *rx, struct vio_dma_region *mem)
{
	const size_t hdr_len = sizeof(struct vio_net_hdr);
	void *cookie;
	uint32_t len;
	unsigned int i;
	int rc;

	/* Receive buffers first: QEMU holds frames until the rx ring has room. */
	for (i = 0; i < NET_FRAMES; i++) {
		rc = vio_vq_add_buf(rx->vq[0], vio_dma_iova_at(mem, (NET_FRAMES + i) * NET_BUF_LEN),
				    NET_BUF_LEN, true, (void *)(uintptr_t)(i + 1));
		if (rc < 0) {
			GC_FAIL("net: posting rx buffer %u: %s", i, strerror(-rc));
			return rc;
		}
	}
	vio_vq_kick(rx->vq[0]);

	for (i = 0; i < NET_FRAMES; i++) {
		uint8_t *slot = vio_dma_va_at(mem, i * NET_BUF_LEN);
		struct vio_sg sg[2] = {
			{ vio_dma_iova_at(mem, i * NET_BUF_LEN), (uint32_t)hdr_len },
			{ vio_dma_iova_at(mem, i * NET_BUF_LEN + 64), gc_frame_len(i) },
		};
		uint8_t *rxbuf;

		/* All-zero header: no offloads, no GSO. */
		memset(slot, 0, hdr_len);
		gc_frame(slot + 64, i, tx, rx);
		rc = vio_vq_add_chain(tx->vq[1], sg, 2, 0, slot);
		if (rc < 0) {
			GC_FAIL("net: tx chain %u: %s", i, strerror(-rc));
			return rc;
		}
		vio_vq_kick(tx->vq[1]);
		rc = gc_wait_used(tx->vq[1], &cookie, &len);
		if (rc < 0 || cookie != slot) {
			GC_FAIL("net: tx completion of frame %u: %s", i,
				rc < 0 ? strerror(-rc) : "wrong cookie");
			return -EIO;
		}
		rc = gc_wait_used(rx->vq[0], &cookie, &len);
		if (rc < 0) {
			GC_FAIL("net: frame %u not received on %s: %s", i, rx->dev->vpd.vdev.name,
				strerror(-rc));
			return rc;
		}
		if ((uintptr_t)cookie != i + 1) {
			GC_FAIL("net: frame %u landed in rx buffer %" PRIuPTR, i,
				(uintptr_t)cookie - 1);
			return -EIO;
		}
		rxbuf = vio_dma_va_at(mem, (NET_FRAMES + i) * NET_BUF_LEN);
		if (len != hdr_len + gc_frame_len(i) ||
		    memcmp(rxbuf + hdr_len, slot + 64, gc_frame_len(i)) != 0) {
			GC_FAIL("net: frame %u: received %u bytes, sent %zu, or contents differ", i,
				len, hdr_len + gc_frame_len(i));
			return -EIO;
		}
		printf("vio_guest_check: net: frame %u (%u bytes) %s -> %s ok\n", i,
		       gc_frame_len(i), tx->dev->vpd.vdev.name, rx->dev->vpd.vdev.name);
	}
	return 0;
}

static int
gc_cmd_net(void)
{
	struct gc_dev *d0 = gc_find(VIO_ID_NET, 0), *d1 = gc_find(VIO_ID_NET, 1);
	struct gc_nic nic0 = { 0 }, nic1 = { 0 };
	struct vio_dma_region *mem;

	if (d0 == NULL || d1 == NULL) {
		printf("vio_guest_check: net needs two modern virtio-net devices\n");
		return GC_SKIP;
	}
	mem = vio_dma_alloc("gcnet", 2 * NET_FRAMES * NET_BUF_LEN, 4096, SOCKET_ID_ANY);
	if (mem == NULL) {
		GC_FAIL("net: no DMA memory");
		return 1;
	}
	if (gc_nic_start(&nic0, d0) == 0 && gc_nic_start(&nic1, d1) == 0) {
		printf("vio_guest_check: net: %s " RTE_ETHER_ADDR_PRT_FMT
		       " -> %s " RTE_ETHER_ADDR_PRT_FMT "\n",
		       d0->vpd.vdev.name, RTE_ETHER_ADDR_BYTES((struct rte_ether_addr *)nic0.mac),
		       d1->vpd.vdev.name, RTE_ETHER_ADDR_BYTES((struct rte_ether_addr *)nic1.mac));
		gc_net_run(&nic0, &nic1, mem);
	}
	if (nic0.vq[0] != NULL)
		gc_stop(d0, 2, nic0.vq);
	if (nic1.vq[0] != NULL)
		gc_stop(d1, 2, nic1.vq);
	vio_dma_free(mem);
	return 0;
}

static void
gc_usage(void)
{
	printf("usage: vio_guest_check EAL-ARGS -- probe [--expect N] [--access-platform] |\n"
	       "       legacy | blk [WRITE_SECTOR] | net\n");
}

int
main(int argc, char **argv)
{
	const char *cmd;
	int ret;

	/* Line-buffered: keep our lines in order with EAL's (stderr) in logs. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		printf("vio_guest_check: FAIL: EAL init: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	argc -= ret;
	argv += ret;
	if (argc < 2) {
		gc_usage();
		rte_eal_cleanup();
		return 2;
	}
	cmd = argv[1];
	printf("vio_guest_check: %s: %u virtio devices offered to our driver, IOVA mode %s\n", cmd,
	       gc_ndevs, rte_eal_iova_mode() == RTE_IOVA_VA ? "VA" : "PA");

	if (strcmp(cmd, "probe") == 0)
		ret = gc_cmd_probe(argc - 2, argv + 2);
	else if (strcmp(cmd, "legacy") == 0)
		ret = gc_cmd_legacy();
	else if (strcmp(cmd, "blk") == 0)
		ret = gc_cmd_blk(argc - 2, argv + 2);
	else if (strcmp(cmd, "net") == 0)
		ret = gc_cmd_net();
	else
		ret = -EINVAL;
	if (ret == -EINVAL) {
		gc_usage();
		ret = 2;
	} else if (gc_failures > 0) {
		printf("vio_guest_check: %s: %d failure(s)\n", cmd, gc_failures);
		ret = 1;
	} else if (ret == 0) {
		printf("vio_guest_check: %s: PASS\n", cmd);
	}
	rte_eal_cleanup();
	return ret;
}
