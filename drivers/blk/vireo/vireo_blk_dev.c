/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo: feature negotiation, the device config (every field checked),
 * and the vblk control ops (info, configure, start, stop, close).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>

#include <rte_errno.h>
#include <rte_interrupts.h>
#include <rte_malloc.h>

#include "vireo_blk.h"
#include "vireo_blk_port.h"

RTE_LOG_REGISTER(vireo_blk_logtype, pmd.blk.vireo, NOTICE);

uint64_t
vireo_blk_wanted_features(void)
{
	/* GEOMETRY is informational (logged); the rest shape the limits. */
	return VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_ACCESS_PLATFORM) |
	       VIO_BIT(VIO_F_INDIRECT_DESC) | VIO_BIT(VIO_F_EVENT_IDX) |
	       VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_BLK_F_SIZE_MAX) |
	       VIO_BIT(VIO_BLK_F_SEG_MAX) | VIO_BIT(VIO_BLK_F_GEOMETRY) | VIO_BIT(VIO_BLK_F_RO) |
	       VIO_BIT(VIO_BLK_F_BLK_SIZE) | VIO_BIT(VIO_BLK_F_FLUSH) |
	       VIO_BIT(VIO_BLK_F_TOPOLOGY) | VIO_BIT(VIO_BLK_F_CONFIG_WCE) | VIO_BIT(VIO_BLK_F_MQ) |
	       VIO_BIT(VIO_BLK_F_DISCARD) | VIO_BIT(VIO_BLK_F_WRITE_ZEROES);
}

#define CFG_OFF(f) offsetof(struct vio_blk_config, f)

/* Config reads: a field the device's config area lacks is a clear refusal (-ERANGE). */
static int
cfg_u32(struct vireo_blk *blk, size_t off, const char *what, uint32_t *v)
{
	int rc = vio_dev_read_config_u32(blk->vdev, off, v);

	if (rc < 0)
		VIREO_BLK_LOG(ERR, blk, "config field %s unreadable (%d)", what, rc);
	return rc;
}

static int
cfg_u16(struct vireo_blk *blk, size_t off, const char *what, uint16_t *v)
{
	int rc = vio_dev_read_config_u16(blk->vdev, off, v);

	if (rc < 0)
		VIREO_BLK_LOG(ERR, blk, "config field %s unreadable (%d)", what, rc);
	return rc;
}

static int
cfg_u8(struct vireo_blk *blk, size_t off, const char *what, uint8_t *v)
{
	int rc = vio_dev_read_config_u8(blk->vdev, off, v);

	if (rc < 0)
		VIREO_BLK_LOG(ERR, blk, "config field %s unreadable (%d)", what, rc);
	return rc;
}

static bool
has(const struct vireo_blk *blk, unsigned int bit)
{
	return vio_dev_has(blk->vdev, bit);
}

/* Capacity and logical block size (BLK_SIZE). */
static int
read_size(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	uint32_t bs = VIO_BLK_SECTOR_SIZE;
	int rc;

	rc = vio_dev_read_config_u64(blk->vdev, CFG_OFF(capacity), &g->capacity_sectors);
	if (rc < 0) {
		VIREO_BLK_LOG(ERR, blk, "config field capacity unreadable (%d)", rc);
		return rc;
	}
	if (has(blk, VIO_BLK_F_BLK_SIZE)) {
		rc = cfg_u32(blk, CFG_OFF(blk_size), "blk_size", &bs);
		if (rc < 0)
			return rc;
		if (bs == 0) {
			VIREO_BLK_LOG(WARNING, blk, "blk_size 0: using 512");
			bs = VIO_BLK_SECTOR_SIZE;
		}
		if (bs < VIO_BLK_SECTOR_SIZE || bs > 65536 || !rte_is_power_of_2(bs)) {
			VIREO_BLK_LOG(ERR, blk,
				      "blk_size %u is not a power of two in 512..65536: refusing "
				      "the device",
				      bs);
			return -ENOTSUP;
		}
	}
	g->blk_size = bs;
	g->sector_shift = (uint8_t)rte_log2_u32(bs / VIO_BLK_SECTOR_SIZE);
	/* Capacity is in 512-byte sectors whatever blk_size is; a partial block is unusable. */
	g->capacity_blocks = g->capacity_sectors >> g->sector_shift;
	if (g->capacity_blocks == 0)
		VIREO_BLK_LOG(WARNING, blk, "capacity %" PRIu64 " sectors: no whole block",
			      g->capacity_sectors);
	return 0;
}

/* TOPOLOGY: physical block, minimum and optimal I/O size. */
static int
read_topology(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	uint8_t exp = 0;
	uint16_t min_io = 1;
	uint32_t opt_io = 0;
	int rc;

	g->physical_block_size = g->blk_size;
	g->min_io_blocks = 1;
	g->opt_io_blocks = 0;
	if (!has(blk, VIO_BLK_F_TOPOLOGY))
		return 0;
	rc = cfg_u8(blk, CFG_OFF(physical_block_exp), "physical_block_exp", &exp);
	if (rc == 0)
		rc = cfg_u16(blk, CFG_OFF(min_io_size), "min_io_size", &min_io);
	if (rc == 0)
		rc = cfg_u32(blk, CFG_OFF(opt_io_size), "opt_io_size", &opt_io);
	if (rc < 0)
		return rc;
	/* Relative to blk_size; more than 2^(16 - log2 512) blocks would pass 64 KiB... */
	if ((uint64_t)g->blk_size << exp > (1u << 20)) {
		VIREO_BLK_LOG(WARNING, blk, "physical_block_exp %u absurd: using the logical size",
			      exp);
		exp = 0;
	}
	g->physical_block_size = g->blk_size << exp;
	g->min_io_blocks = min_io != 0 ? min_io : 1;
	g->opt_io_blocks = opt_io;
	return 0;
}

/* SEG_MAX, SIZE_MAX and what the ring allows: the segment limits. */
static int
read_segments(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	uint32_t seg_max = 1, size_max = 0;
	uint64_t transfer;
	int rc;

	if (has(blk, VIO_BLK_F_SEG_MAX)) {
		rc = cfg_u32(blk, CFG_OFF(seg_max), "seg_max", &seg_max);
		if (rc < 0)
			return rc;
		if (seg_max == 0) {
			VIREO_BLK_LOG(WARNING, blk, "seg_max 0: using 1");
			seg_max = 1;
		}
	}
	if (has(blk, VIO_BLK_F_SIZE_MAX)) {
		rc = cfg_u32(blk, CFG_OFF(size_max), "size_max", &size_max);
		if (rc < 0)
			return rc;
		if (size_max != 0 && size_max < VIO_BLK_SECTOR_SIZE) {
			VIREO_BLK_LOG(ERR, blk, "size_max %u below one sector: refusing the device",
				      size_max);
			return -ENOTSUP;
		}
	}
	/* Section 2.7.5.3.1 / 2.7.13: no chain longer than the queue (header, status). */
	g->max_segments = (uint16_t)RTE_MIN(RTE_MIN(seg_max, (uint32_t)VIREO_BLK_MAX_SEGS),
					    (uint32_t)g->queue_size - 2);
	/* size_max 0 says nothing: the descriptor's 32-bit length is the limit. */
	g->max_segment_size = size_max != 0 ? RTE_ALIGN_FLOOR(size_max, VIREO_BLK_SEG_ALIGN) :
					      RTE_ALIGN_FLOOR(UINT32_MAX, g->blk_size);
	transfer = (uint64_t)g->max_segments * g->max_segment_size;
	transfer = RTE_MIN(transfer, (uint64_t)VIREO_BLK_MAX_TRANSFER);
	g->max_transfer_blocks = (uint32_t)(transfer / g->blk_size);
	if (g->max_transfer_blocks == 0) {
		VIREO_BLK_LOG(ERR, blk,
			      "%u segments of %u bytes cannot carry one %u-byte block: refusing "
			      "the device",
			      g->max_segments, g->max_segment_size, g->blk_size);
		return -ENOTSUP;
	}
	return 0;
}

/* DISCARD and WRITE_ZEROES limits; an op whose limits are zero is left out. */
static int
read_discard_wz(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	uint32_t max_sec = 0, max_seg = 0, align = 0;
	uint8_t unmap = 0;
	int rc;

	if (has(blk, VIO_BLK_F_DISCARD)) {
		rc = cfg_u32(blk, CFG_OFF(max_discard_sectors), "max_discard_sectors", &max_sec);
		if (rc == 0)
			rc = cfg_u32(blk, CFG_OFF(max_discard_seg), "max_discard_seg", &max_seg);
		if (rc == 0)
			rc = cfg_u32(blk, CFG_OFF(discard_sector_alignment),
				     "discard_sector_alignment", &align);
		if (rc < 0)
			return rc;
		g->max_discard_blocks = max_sec >> g->sector_shift;
		g->max_discard_seg = RTE_MIN(max_seg != 0 ? max_seg : g->max_segments,
					     (uint32_t)VIREO_BLK_MAX_RANGES);
		g->discard_align_blocks = align >> g->sector_shift;
		if (g->max_discard_blocks == 0)
			VIREO_BLK_LOG(WARNING, blk,
				      "DISCARD offered with max_discard_sectors %u: discard off",
				      max_sec);
	}
	if (has(blk, VIO_BLK_F_WRITE_ZEROES)) {
		rc = cfg_u32(blk, CFG_OFF(max_write_zeroes_sectors), "max_write_zeroes_sectors",
			     &max_sec);
		if (rc == 0)
			rc = cfg_u32(blk, CFG_OFF(max_write_zeroes_seg), "max_write_zeroes_seg",
				     &max_seg);
		if (rc == 0)
			rc = cfg_u8(blk, CFG_OFF(write_zeroes_may_unmap), "write_zeroes_may_unmap",
				    &unmap);
		if (rc < 0)
			return rc;
		g->max_wz_blocks = max_sec >> g->sector_shift;
		g->max_wz_seg = RTE_MIN(max_seg != 0 ? max_seg : 1u,
					(uint32_t)VIREO_BLK_MAX_RANGES);
		g->wz_may_unmap = unmap != 0;
		if (g->max_wz_blocks == 0)
			VIREO_BLK_LOG(WARNING, blk,
				      "WRITE_ZEROES offered with max_write_zeroes_sectors %u: "
				      "write-zeroes off",
				      max_sec);
	}
	return 0;
}

/* MQ, RO, the write cache (FLUSH, CONFIG_WCE), GEOMETRY (logged only). */
static int
read_misc(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	uint16_t nq = 1, cyl = 0;
	uint8_t wb = 1, heads = 0, sectors = 0;
	int rc;

	if (has(blk, VIO_BLK_F_MQ)) {
		rc = cfg_u16(blk, CFG_OFF(num_queues), "num_queues", &nq);
		if (rc < 0)
			return rc;
		if (nq == 0) {
			VIREO_BLK_LOG(WARNING, blk, "MQ with num_queues 0 (invalid): using 1");
			nq = 1;
		}
	}
	g->num_queues = nq;
	g->read_only = has(blk, VIO_BLK_F_RO);
	/* Without CONFIG_WCE a device that offers FLUSH has a write-back cache. */
	g->writeback = has(blk, VIO_BLK_F_FLUSH);
	if (has(blk, VIO_BLK_F_CONFIG_WCE)) {
		rc = cfg_u8(blk, CFG_OFF(writeback), "writeback", &wb);
		if (rc < 0)
			return rc;
		g->writeback = wb != 0;
		g->wce_settable = true;
	}
	if (has(blk, VIO_BLK_F_GEOMETRY) &&
	    vio_dev_read_config_u16(blk->vdev, CFG_OFF(cylinders), &cyl) == 0 &&
	    vio_dev_read_config_u8(blk->vdev, CFG_OFF(heads), &heads) == 0 &&
	    vio_dev_read_config_u8(blk->vdev, CFG_OFF(sectors), &sectors) == 0)
		VIREO_BLK_LOG(DEBUG, blk, "geometry %u/%u/%u (informational)", cyl, heads, sectors);
	return 0;
}

/* Queues: how many exist, how big, how deep a queue can be. */
static int
read_queues(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	const struct vio_transport_ops *ops = vio_dev_ops(blk->vdev);
	uint16_t have = ops->num_queues(blk->vdev);
	uint16_t qmax = UINT16_MAX, i;

	if (g->num_queues > have) {
		VIREO_BLK_LOG(WARNING, blk, "num_queues %u but the transport has %u: using %u",
			      g->num_queues, have, have);
		g->num_queues = have;
	}
	/* Every queue gets the same size: the smallest maximum among them. */
	for (i = 0; i < g->num_queues; i++)
		qmax = RTE_MIN(qmax, ops->queue_max_size(blk->vdev, i));
	if (g->num_queues == 0 || qmax < 4) {
		VIREO_BLK_LOG(ERR, blk, "%u queues of at most %u entries: refusing the device",
			      g->num_queues, qmax);
		return -ENOTSUP;
	}
	/* A power of two (the split ring's rule): round a bogus maximum down. */
	g->queue_size = (uint16_t)rte_align32prevpow2(RTE_MIN(qmax, (uint16_t)VIO_SPLIT_MAX_SIZE));
	return 0;
}

static void
compute_ops_depth(struct vireo_blk *blk, struct vireo_blk_geom *g)
{
	g->ops = VBLK_OP_BIT(VBLK_OP_READ) | VBLK_OP_BIT(VBLK_OP_GET_ID);
	if (!g->read_only)
		g->ops |= VBLK_OP_BIT(VBLK_OP_WRITE);
	if (has(blk, VIO_BLK_F_FLUSH))
		g->ops |= VBLK_OP_BIT(VBLK_OP_FLUSH);
	if (g->max_discard_blocks != 0 && !g->read_only)
		g->ops |= VBLK_OP_BIT(VBLK_OP_DISCARD);
	if (g->max_wz_blocks != 0 && !g->read_only)
		g->ops |= VBLK_OP_BIT(VBLK_OP_WRITE_ZEROES);
	/*
	 * With indirect descriptors a request takes one ring slot: depth =
	 * queue size. Without, a one-segment request takes three descriptors
	 * (header, data, status); longer ones take more and the ring pushes
	 * back (enqueue takes fewer).
	 */
	if (has(blk, VIO_F_INDIRECT_DESC))
		g->max_depth = g->queue_size;
	else
		g->max_depth = (uint16_t)RTE_MAX(g->queue_size / 3, 1);
}

static int
read_geometry(struct vireo_blk *blk)
{
	struct vireo_blk_geom g;
	int rc;

	memset(&g, 0, sizeof(g));
	rc = read_misc(blk, &g);
	if (rc == 0)
		rc = read_queues(blk, &g);
	if (rc == 0)
		rc = read_size(blk, &g);
	if (rc == 0)
		rc = read_topology(blk, &g);
	if (rc == 0)
		rc = read_segments(blk, &g);
	if (rc == 0)
		rc = read_discard_wz(blk, &g);
	if (rc < 0)
		return rc;
	compute_ops_depth(blk, &g);
	blk->geom = g;
	return 0;
}

/* Reset and negotiate; every start must see the features the creation saw. */
static int
negotiate(struct vireo_blk *blk)
{
	uint64_t before = blk->features;
	int rc;

	rc = vio_dev_negotiate(blk->vdev, vireo_blk_wanted_features(), 0);
	if (rc < 0) {
		VIREO_BLK_LOG(ERR, blk, "feature negotiation failed (%d)", rc);
		return rc;
	}
	if (before != 0 && blk->vdev->features != before) {
		VIREO_BLK_LOG(ERR, blk,
			      "features changed since the device was probed (0x%" PRIx64
			      " now 0x%" PRIx64 ")",
			      before, blk->vdev->features);
		vio_dev_fail(blk->vdev);
		return -EIO;
	}
	blk->features = blk->vdev->features;
	return 0;
}

/* ---- vblk ops ---- */

static struct vireo_blk *
blk_of(struct vblk_dev *dev)
{
	return vblk_dev_priv(dev);
}

static void
vireo_blk_info_get(struct vblk_dev *dev, struct vblk_dev_info *info)
{
	struct vireo_blk *blk = blk_of(dev);
	const struct vireo_blk_geom *g = &blk->geom;

	info->driver_name = VIREO_BLK_DRIVER;
	info->capacity = g->capacity_blocks;
	info->block_size = g->blk_size;
	info->physical_block_size = g->physical_block_size;
	info->min_io_blocks = g->min_io_blocks;
	info->opt_io_blocks = g->opt_io_blocks;
	info->max_segments = g->max_segments;
	info->max_segment_size = g->max_segment_size;
	info->seg_align = VIREO_BLK_SEG_ALIGN;
	info->max_transfer_blocks = g->max_transfer_blocks;
	info->max_discard_blocks = g->max_discard_blocks;
	info->max_discard_ranges = g->max_discard_seg;
	info->discard_align_blocks = g->discard_align_blocks;
	info->max_write_zeroes_blocks = g->max_wz_blocks;
	info->max_write_zeroes_ranges = g->max_wz_seg;
	info->write_zeroes_may_unmap = g->wz_may_unmap;
	info->read_only = g->read_only;
	info->write_cache = g->writeback;
	info->write_cache_settable = g->wce_settable && !blk->dead;
	info->fua = false; /* virtio-blk has no FUA: write, then FLUSH. */
	info->ops = blk->dead ? 0 : g->ops;
	info->max_queues = g->num_queues;
	info->max_queue_depth = g->max_depth;
	info->socket_id = blk->socket;
}

/* Probed over PCI (vio_pci): interrupts are MSI-X vectors through VFIO. */
static bool
is_pci(const struct vireo_blk *blk)
{
	return blk->vdev == &blk->pci.vdev;
}

static void
free_queues(struct vireo_blk *blk)
{
	uint16_t i;

	if (blk->q == NULL)
		return;
	for (i = 0; i < blk->nb_queues; i++)
		vireo_blkq_free(blk->q[i]);
	rte_free(blk->q);
	blk->q = NULL;
	blk->nb_queues = 0;
}

static int
vireo_blk_configure(struct vblk_dev *dev, uint16_t nb_queues, uint16_t depth, int socket)
{
	struct vireo_blk *blk = blk_of(dev);
	uint16_t i;
	int rc;

	if (blk->dead)
		return -EIO;
	blk->intr = vblk_dev_intr_conf(dev);
	if (blk->intr && vio_dev_ops(blk->vdev)->queue_intr_fd == NULL) {
		VIREO_BLK_LOG(ERR, blk, "completion interrupts: the transport has none");
		return -ENOTSUP;
	}
	if (blk->intr && is_pci(blk) &&
	    (blk->pci.intr == NULL ||
	     rte_intr_type_get(blk->pci.intr) != RTE_INTR_HANDLE_VFIO_MSIX)) {
		VIREO_BLK_LOG(ERR, blk,
			      "completion interrupts need MSI-X through vfio-pci; this device has "
			      "none (uio_pci_generic has no MSI-X): bind it to vfio-pci, or poll");
		return -ENOTSUP;
	}
	free_queues(blk);
	blk->q = rte_zmalloc_socket("blk_vireo_qs", sizeof(*blk->q) * nb_queues, 0, socket);
	if (blk->q == NULL)
		return -ENOMEM;
	blk->nb_queues = nb_queues;
	blk->depth = depth;
	for (i = 0; i < nb_queues; i++) {
		rc = vireo_blkq_alloc(blk, i, depth, socket, &blk->q[i]);
		if (rc < 0) {
			free_queues(blk);
			return rc;
		}
		vblk_dev_set_queue(dev, i, blk->q[i]);
		blk->q[i]->doorbells = vblk_dev_queue_doorbells(dev, i);
	}
	return 0;
}

/*
 * Reset before any ring or command memory is freed. A device that does not
 * complete the reset may still read and write all of it: quarantine it
 * (never freed), fail the requests, and refuse further I/O.
 */
static void
reset_or_quarantine(struct vireo_blk *blk)
{
	uint16_t i;
	int rc;

	rc = vio_dev_reset(blk->vdev);
	if (is_pci(blk))
		vio_pci_intr_disable(&blk->pci);
	for (i = 0; i < blk->nb_queues; i++) {
		if (rc == 0)
			vireo_blkq_stop(blk->q[i]);
		else
			vireo_blkq_quarantine(blk->q[i]);
	}
	if (rc < 0 && !blk->dead) {
		blk->dead = true;
		VIREO_BLK_LOG(ERR, blk,
			      "device did not complete the reset (%d): its rings and request "
			      "headers are quarantined (leaked for the life of the process), the "
			      "requests it held completed -EIO, but it may still access their "
			      "buffers; the device is dead: close it",
			      rc);
	}
}

/*
 * CONFIG_WCE (section 5.2.6.2 / 5.2.5): the driver may write the writeback
 * field; read it back, the device may refuse the mode. Works stopped (the
 * mode is written again at the next start, a reset may have lost it) or
 * running.
 */
static int
write_wce(struct vireo_blk *blk, bool enable)
{
	uint8_t wb = 0;
	int rc;

	rc = vio_dev_write_config_u8(blk->vdev, CFG_OFF(writeback), enable ? 1 : 0);
	if (rc == 0)
		rc = cfg_u8(blk, CFG_OFF(writeback), "writeback", &wb);
	if (rc < 0)
		return rc;
	blk->geom.writeback = wb != 0;
	if (blk->geom.writeback != enable) {
		VIREO_BLK_LOG(ERR, blk, "device kept its write cache %s (writeback %u)",
			      wb ? "on" : "off", wb);
		return -EIO;
	}
	return 0;
}

/* EAL interrupt thread: the device status may have changed (a vhost-user backend hung up). */
static void
status_event(void *arg)
{
	struct vireo_blk *blk = arg;

	__atomic_fetch_add(&blk->status_events, 1, __ATOMIC_RELEASE);
}

static int
vireo_blk_start(struct vblk_dev *dev)
{
	struct vireo_blk *blk = blk_of(dev);
	uint16_t i;
	int rc;

	if (blk->dead)
		return -EIO;
	rc = negotiate(blk);
	/* The mode the application chose, before the device goes live (a reset may reset it). */
	if (rc == 0 && blk->wce_wanted >= 0)
		rc = write_wce(blk, blk->wce_wanted != 0);
	/* MSI-X: vectors are routed after the reset in negotiate(), before the queues. */
	if (rc == 0 && blk->intr && is_pci(blk))
		rc = vio_pci_intr_enable(&blk->pci, blk->nb_queues);
	for (i = 0; rc == 0 && i < blk->nb_queues; i++) {
		rc = vireo_blkq_start(blk->q[i]);
		if (rc < 0)
			VIREO_BLK_LOG(ERR, blk, "queue %u: setup failed (%d)", i, rc);
	}
	if (rc == 0)
		rc = vio_dev_driver_ok(blk->vdev);
	if (rc < 0) {
		reset_or_quarantine(blk);
		return rc;
	}
	blk->running = true;
	/* Transports without status events (PCI): the queues' periodic status read alone. */
	blk->event_intr = vio_dev_event_intr_enable(blk->vdev, status_event, blk) == 0;
	return 0;
}

static void
vireo_blk_stop(struct vblk_dev *dev)
{
	struct vireo_blk *blk = blk_of(dev);

	blk->running = false;
	if (blk->event_intr)
		vio_dev_event_intr_disable(blk->vdev); /* waits for a running status_event */
	blk->event_intr = false;
	reset_or_quarantine(blk);
}

static void
vireo_blk_close(struct vblk_dev *dev)
{
	struct vireo_blk *blk = blk_of(dev);

	if (blk->running)
		vireo_blk_stop(dev);
	free_queues(blk);
}

static void
vireo_blk_release(struct vblk_dev *dev)
{
	struct vireo_blk *blk = blk_of(dev);

	if (blk->owned)
		rte_free(blk);
}

static int
vireo_blk_set_write_cache(struct vblk_dev *dev, bool enable)
{
	struct vireo_blk *blk = blk_of(dev);

	if (!blk->geom.wce_settable)
		return -ENOTSUP;
	if (blk->dead)
		return -EIO;
	blk->wce_wanted = enable ? 1 : 0;
	if (!blk->running)
		return 0; /* Written at start, after FEATURES_OK. */
	return write_wce(blk, enable);
}

/* ---- Completion interrupts ---- */

static struct vireo_blkq *
intr_queue(struct vblk_dev *dev, uint16_t qid)
{
	struct vireo_blk *blk = blk_of(dev);

	if (!blk->intr || !blk->running || qid >= blk->nb_queues || blk->q[qid]->vq == NULL)
		return NULL;
	return blk->q[qid];
}

static int
vireo_blk_queue_intr_fd(struct vblk_dev *dev, uint16_t qid)
{
	struct vireo_blkq *q = intr_queue(dev, qid);

	return q == NULL ? -ENOTSUP : vio_dev_queue_intr_fd(q->blk->vdev, qid);
}

static int
vireo_blk_queue_intr_enable(struct vblk_dev *dev, uint16_t qid)
{
	struct vireo_blkq *q = intr_queue(dev, qid);
	bool failed_waiting;
	int fd;

	if (q == NULL)
		return -ENOTSUP;
	failed_waiting = q->failed_head != q->failed_tail;
	/*
	 * A broken queue completes nothing until the device restarts: no
	 * sleep on it, once the requests the driver failed are collected.
	 */
	if (vio_vq_is_broken(q->vq) && !failed_waiting)
		return -EIO;
	if (!vio_vq_enable_intr(q->vq) && !failed_waiting)
		return 0;
	/*
	 * Completions came before the device saw the request (no interrupt
	 * will come for them), or the driver failed requests itself: wake the
	 * caller's wait now.
	 */
	fd = vio_dev_queue_intr_fd(q->blk->vdev, qid);
	if (fd >= 0 && eventfd_write(fd, 1) < 0)
		return -errno;
	return 0;
}

static int
vireo_blk_queue_intr_disable(struct vblk_dev *dev, uint16_t qid)
{
	struct vireo_blkq *q = intr_queue(dev, qid);

	if (q == NULL)
		return -ENOTSUP;
	vio_vq_disable_intr(q->vq);
	return 0;
}

static const struct vblk_dev_ops vireo_blk_ops = {
	.set_write_cache = vireo_blk_set_write_cache,
	.info_get = vireo_blk_info_get,
	.configure = vireo_blk_configure,
	.start = vireo_blk_start,
	.stop = vireo_blk_stop,
	.close = vireo_blk_close,
	.release = vireo_blk_release,
	.queue_intr_fd = vireo_blk_queue_intr_fd,
	.queue_intr_enable = vireo_blk_queue_intr_enable,
	.queue_intr_disable = vireo_blk_queue_intr_disable,
};

int
vireo_blk_attach(struct vireo_blk *blk, struct vio_dev *vdev, const char *name, int socket)
{
	struct vblk_dev_params p = {
		.name = name,
		.ops = &vireo_blk_ops,
		.enqueue = vireo_blk_enqueue,
		.dequeue = vireo_blk_dequeue,
		.priv = blk,
		.socket_id = socket,
	};
	int rc;

	snprintf(blk->name, sizeof(blk->name), "%s", name);
	blk->vdev = vdev;
	blk->wce_wanted = -1;
	blk->socket = socket;
	rc = negotiate(blk);
	if (rc == 0)
		rc = read_geometry(blk);
	if (rc < 0) {
		vio_dev_fail(vdev);
		return rc;
	}
	/* Leave the device reset until the application starts it. */
	rc = vio_dev_reset(vdev);
	if (rc < 0) {
		VIREO_BLK_LOG(ERR, blk, "reset after probing failed (%d)", rc);
		return rc;
	}
	blk->bdev = vblk_dev_register(&p);
	if (blk->bdev == NULL)
		return -rte_errno;
	VIREO_BLK_LOG(INFO, blk,
		      "%" PRIu64 " blocks of %u bytes, %u queue(s) of depth %u, %u segments of "
		      "%u bytes, features 0x%" PRIx64 "%s",
		      blk->geom.capacity_blocks, blk->geom.blk_size, blk->geom.num_queues,
		      blk->geom.max_depth, blk->geom.max_segments, blk->geom.max_segment_size,
		      blk->features, blk->geom.read_only ? ", read-only" : "");
	return 0;
}

int
vireo_blk_create(const char *name, struct vio_dev *vdev, int socket, uint16_t *dev_id)
{
	struct vireo_blk *blk;
	int rc;

	if (name == NULL || vdev == NULL || dev_id == NULL)
		return -EINVAL;
	blk = rte_zmalloc_socket("blk_vireo", sizeof(*blk), RTE_CACHE_LINE_SIZE, socket);
	if (blk == NULL)
		return -ENOMEM;
	blk->owned = true;
	rc = vireo_blk_attach(blk, vdev, name, socket);
	if (rc < 0) {
		rte_free(blk);
		return rc;
	}
	*dev_id = vblk_dev_id_of(blk->bdev);
	return 0;
}

int
vireo_blk_destroy(uint16_t dev_id)
{
	const char *drv;
	struct vblk_dev_info info;

	if (vblk_dev_info_get(dev_id, &info) < 0)
		return -ENODEV;
	drv = info.driver_name;
	if (drv == NULL || strcmp(drv, VIREO_BLK_DRIVER) != 0)
		return -EINVAL;
	return vblk_dev_close(dev_id);
}
