/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vblk: device registry, configuration and statistics. The data path is
 * inline in vblk_core.h. Control calls are for one thread (the application's
 * main lcore) and never run concurrently with the data path of the device
 * they change.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include "vblk_driver.h"

RTE_LOG_REGISTER(vblk_logtype, lib.vireo.vblk, NOTICE);

#define VBLK_LOG(level, fmt, ...) \
	rte_log(RTE_LOG_##level, vblk_logtype, "vblk: " fmt "\n", ##__VA_ARGS__)

struct vblk_dev {
	bool used;
	uint16_t id;
	char name[VBLK_NAME_LEN];
	const struct vblk_dev_ops *ops;
	vblk_enqueue_fn enqueue;
	vblk_dequeue_fn dequeue;
	void *priv;
	int socket_id;
	uint16_t nb_queues; /**< Configured. */
	uint16_t depth;
	bool intr; /**< Configured with completion interrupts. */
	struct vblk_queue **queues;
};

struct vblk_fp vblk_fp_table[VBLK_MAX_DEVS];
static struct vblk_dev vblk_devs[VBLK_MAX_DEVS];

static const char *const vblk_op_names[VBLK_OP_COUNT] = {
	[VBLK_OP_READ] = "read",
	[VBLK_OP_WRITE] = "write",
	[VBLK_OP_FLUSH] = "flush",
	[VBLK_OP_DISCARD] = "discard",
	[VBLK_OP_WRITE_ZEROES] = "write_zeroes",
	[VBLK_OP_GET_ID] = "get_id",
};

const char *
vblk_op_name(unsigned int op)
{
	return op < VBLK_OP_COUNT ? vblk_op_names[op] : "unknown";
}

static struct vblk_dev *
vblk_dev_get(uint16_t dev_id)
{
	if (dev_id >= VBLK_MAX_DEVS || !vblk_devs[dev_id].used)
		return NULL;
	return &vblk_devs[dev_id];
}

bool
vblk_dev_is_valid(uint16_t dev_id)
{
	return vblk_dev_get(dev_id) != NULL;
}

uint16_t
vblk_dev_count(void)
{
	uint16_t i, n = 0;

	for (i = 0; i < VBLK_MAX_DEVS; i++)
		n += vblk_devs[i].used;
	return n;
}

int
vblk_dev_get_by_name(const char *name, uint16_t *dev_id)
{
	uint16_t i;

	if (name == NULL || dev_id == NULL)
		return -EINVAL;
	for (i = 0; i < VBLK_MAX_DEVS; i++) {
		if (vblk_devs[i].used && strcmp(vblk_devs[i].name, name) == 0) {
			*dev_id = i;
			return 0;
		}
	}
	return -ENODEV;
}

const char *
vblk_dev_name(uint16_t dev_id)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);

	return dev != NULL ? dev->name : NULL;
}

struct vblk_dev *
vblk_dev_register(const struct vblk_dev_params *p)
{
	struct vblk_dev *dev = NULL;
	uint16_t id, i;

	if (p == NULL || p->name == NULL || p->name[0] == '\0' ||
	    strlen(p->name) >= VBLK_NAME_LEN || p->ops == NULL || p->enqueue == NULL ||
	    p->dequeue == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	if (vblk_dev_get_by_name(p->name, &id) == 0) {
		VBLK_LOG(ERR, "%s: a device of that name exists", p->name);
		rte_errno = EEXIST;
		return NULL;
	}
	for (i = 0; i < VBLK_MAX_DEVS && dev == NULL; i++)
		if (!vblk_devs[i].used)
			dev = &vblk_devs[i];
	if (dev == NULL) {
		VBLK_LOG(ERR, "%s: all %d device slots in use", p->name, VBLK_MAX_DEVS);
		rte_errno = ENOSPC;
		return NULL;
	}
	memset(dev, 0, sizeof(*dev));
	dev->used = true;
	dev->id = (uint16_t)(dev - vblk_devs);
	snprintf(dev->name, sizeof(dev->name), "%s", p->name);
	dev->ops = p->ops;
	dev->enqueue = p->enqueue;
	dev->dequeue = p->dequeue;
	dev->priv = p->priv;
	dev->socket_id = p->socket_id;
	return dev;
}

void *
vblk_dev_priv(const struct vblk_dev *dev)
{
	return dev->priv;
}

uint16_t
vblk_dev_id_of(const struct vblk_dev *dev)
{
	return dev->id;
}

void
vblk_dev_set_queue(struct vblk_dev *dev, uint16_t qid, void *qpriv)
{
	if (qid < dev->nb_queues)
		dev->queues[qid]->qpriv = qpriv;
}

uint64_t *
vblk_dev_queue_doorbells(struct vblk_dev *dev, uint16_t qid)
{
	return qid < dev->nb_queues ? &dev->queues[qid]->stats.doorbells : NULL;
}

int
vblk_dev_info_get(uint16_t dev_id, struct vblk_dev_info *info)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);

	if (dev == NULL)
		return -ENODEV;
	if (info == NULL)
		return -EINVAL;
	memset(info, 0, sizeof(*info));
	info->socket_id = dev->socket_id;
	dev->ops->info_get(dev, info);
	info->nb_queues = dev->nb_queues;
	info->queue_depth = dev->depth;
	return 0;
}

/* The limits requests are checked against, from the driver's info. */
static int
vblk_limits_from_info(const struct vblk_dev *dev, const struct vblk_dev_info *info,
		      struct vblk_limits *lim)
{
	if (info->block_size < 512 || !rte_is_power_of_2(info->block_size) ||
	    (info->seg_align != 0 && !rte_is_power_of_2(info->seg_align))) {
		VBLK_LOG(ERR, "%s: driver reports block size %u, segment alignment %u", dev->name,
			 info->block_size, info->seg_align);
		return -EINVAL;
	}
	memset(lim, 0, sizeof(*lim));
	lim->capacity = info->capacity;
	lim->ops = info->ops;
	lim->block_shift = (uint8_t)rte_log2_u32(info->block_size);
	lim->read_only = info->read_only;
	lim->fua = info->fua;
	lim->wz_unmap = info->write_zeroes_may_unmap;
	lim->max_segments = info->max_segments;
	lim->max_segment_size = info->max_segment_size;
	lim->align_mask = info->seg_align != 0 ? info->seg_align - 1 : 0;
	lim->max_transfer_blocks = info->max_transfer_blocks;
	lim->max_discard_blocks = info->max_discard_blocks;
	lim->max_write_zeroes_blocks = info->max_write_zeroes_blocks;
	/* A device that names no limit takes the one range every request can carry. */
	lim->max_discard_ranges = (uint16_t)RTE_MIN(RTE_MAX(info->max_discard_ranges, 1u),
						    (uint32_t)UINT16_MAX);
	lim->max_write_zeroes_ranges = (uint16_t)RTE_MIN(RTE_MAX(info->max_write_zeroes_ranges, 1u),
							 (uint32_t)UINT16_MAX);
	return 0;
}

static void
vblk_queues_free(struct vblk_dev *dev)
{
	uint16_t i;

	vblk_fp_table[dev->id].nb_queues = 0;
	vblk_fp_table[dev->id].queues = NULL;
	if (dev->queues != NULL) {
		for (i = 0; i < dev->nb_queues; i++) {
			if (dev->queues[i] != NULL)
				rte_free(dev->queues[i]->reject);
			rte_free(dev->queues[i]);
		}
	}
	rte_free(dev->queues);
	dev->queues = NULL;
	dev->nb_queues = 0;
	dev->depth = 0;
}

static int
vblk_queues_alloc(struct vblk_dev *dev, uint16_t nb, uint16_t depth, int socket,
		  const struct vblk_limits *lim)
{
	uint32_t ring = rte_align32pow2(depth);
	uint16_t i;

	dev->queues = rte_zmalloc_socket("vblk_queues", sizeof(*dev->queues) * nb, 0, socket);
	if (dev->queues == NULL)
		return -ENOMEM;
	dev->nb_queues = nb;
	dev->depth = depth;
	for (i = 0; i < nb; i++) {
		struct vblk_queue *q = rte_zmalloc_socket("vblk_queue", sizeof(*q),
							  RTE_CACHE_LINE_SIZE, socket);

		dev->queues[i] = q;
		if (q == NULL)
			return -ENOMEM;
		q->reject = rte_zmalloc_socket("vblk_reject", sizeof(*q->reject) * ring, 0, socket);
		if (q->reject == NULL)
			return -ENOMEM;
		q->reject_mask = ring - 1;
		q->lim = *lim;
		q->enqueue = dev->enqueue;
		q->dequeue = dev->dequeue;
	}
	return 0;
}

int
vblk_dev_configure(uint16_t dev_id, const struct vblk_dev_conf *conf)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);
	struct vblk_dev_info info;
	struct vblk_limits lim;
	int socket, rc;

	if (dev == NULL)
		return -ENODEV;
	if (vblk_fp_table[dev_id].started)
		return -EBUSY;
	if (conf == NULL)
		return -EINVAL;
	vblk_dev_info_get(dev_id, &info);
	if (conf->nb_queues == 0 || conf->nb_queues > info.max_queues || conf->queue_depth == 0 ||
	    conf->queue_depth > info.max_queue_depth) {
		VBLK_LOG(ERR, "%s: %u queues of depth %u asked; the device has 1..%u of 1..%u",
			 dev->name, conf->nb_queues, conf->queue_depth, info.max_queues,
			 info.max_queue_depth);
		return -EINVAL;
	}
	if (conf->intr && dev->ops->queue_intr_fd == NULL) {
		VBLK_LOG(ERR, "%s: the driver has no completion interrupts", dev->name);
		return -ENOTSUP;
	}
	rc = vblk_limits_from_info(dev, &info, &lim);
	if (rc < 0)
		return rc;
	socket = conf->socket_id == SOCKET_ID_ANY ? dev->socket_id : conf->socket_id;
	if (dev->nb_queues != 0)
		dev->ops->close(dev);
	vblk_queues_free(dev);
	dev->intr = conf->intr;
	rc = vblk_queues_alloc(dev, conf->nb_queues, conf->queue_depth, socket, &lim);
	if (rc == 0)
		rc = dev->ops->configure(dev, conf->nb_queues, conf->queue_depth, socket);
	if (rc < 0) {
		VBLK_LOG(ERR, "%s: configure failed: %s", dev->name, rte_strerror(-rc));
		vblk_queues_free(dev);
		return rc;
	}
	vblk_fp_table[dev_id].queues = dev->queues;
	vblk_fp_table[dev_id].nb_queues = dev->nb_queues;
	return 0;
}

int
vblk_dev_start(uint16_t dev_id)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (dev->nb_queues == 0)
		return -EINVAL;
	if (vblk_fp_table[dev_id].started)
		return 0;
	rc = dev->ops->start(dev);
	if (rc < 0)
		return rc;
	vblk_fp_table[dev_id].started = true;
	return 0;
}

int
vblk_dev_stop(uint16_t dev_id)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);

	if (dev == NULL)
		return -ENODEV;
	if (!vblk_fp_table[dev_id].started)
		return 0;
	vblk_fp_table[dev_id].started = false;
	dev->ops->stop(dev);
	return 0;
}

int
vblk_dev_close(uint16_t dev_id)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);

	if (dev == NULL)
		return -ENODEV;
	vblk_dev_stop(dev_id);
	dev->ops->close(dev);
	vblk_queues_free(dev);
	if (dev->ops->release != NULL)
		dev->ops->release(dev);
	memset(dev, 0, sizeof(*dev));
	return 0;
}

int
vblk_stats_get(uint16_t dev_id, uint16_t qid, struct vblk_queue_stats *stats)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);

	if (dev == NULL)
		return -ENODEV;
	if (qid >= dev->nb_queues || stats == NULL)
		return -EINVAL;
	*stats = dev->queues[qid]->stats;
	return 0;
}

int
vblk_stats_reset(uint16_t dev_id)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);
	uint16_t i;

	if (dev == NULL)
		return -ENODEV;
	for (i = 0; i < dev->nb_queues; i++)
		memset(&dev->queues[i]->stats, 0, sizeof(dev->queues[i]->stats));
	return 0;
}

/* One xstat: its name suffix and where it lives in struct vblk_queue_stats. */
struct vblk_xstat_def {
	const char *name;
	size_t off;
};

#define VBLK_XS(n, f)                                   \
	{                                               \
		n, offsetof(struct vblk_queue_stats, f) \
	}
static const struct vblk_xstat_def vblk_xstat_defs[] = {
	VBLK_XS("submitted", submitted),
	VBLK_XS("read_ok", completed[VBLK_OP_READ]),
	VBLK_XS("write_ok", completed[VBLK_OP_WRITE]),
	VBLK_XS("flush_ok", completed[VBLK_OP_FLUSH]),
	VBLK_XS("discard_ok", completed[VBLK_OP_DISCARD]),
	VBLK_XS("write_zeroes_ok", completed[VBLK_OP_WRITE_ZEROES]),
	VBLK_XS("get_id_ok", completed[VBLK_OP_GET_ID]),
	VBLK_XS("read_bytes", read_bytes),
	VBLK_XS("write_bytes", write_bytes),
	VBLK_XS("rejected", rejected),
	VBLK_XS("err_inval", err_inval),
	VBLK_XS("err_range", err_range),
	VBLK_XS("err_too_big", err_too_big),
	VBLK_XS("err_rofs", err_rofs),
	VBLK_XS("err_notsup", err_notsup),
	VBLK_XS("err_io", err_io),
	VBLK_XS("err_other", err_other),
	VBLK_XS("doorbells", doorbells),
};
#undef VBLK_XS

int
vblk_xstats_names_get(uint16_t dev_id, struct vblk_xstat_name *names, unsigned int n)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);
	unsigned int per = RTE_DIM(vblk_xstat_defs), total, q, i;

	if (dev == NULL)
		return -ENODEV;
	total = per * dev->nb_queues;
	if (names == NULL || n < total)
		return (int)total;
	for (q = 0; q < dev->nb_queues; q++)
		for (i = 0; i < per; i++)
			snprintf(names[q * per + i].name, sizeof(names[0].name), "q%u_%s", q,
				 vblk_xstat_defs[i].name);
	return (int)total;
}

int
vblk_xstats_get(uint16_t dev_id, uint64_t *values, unsigned int n)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);
	unsigned int per = RTE_DIM(vblk_xstat_defs), total, q, i;

	if (dev == NULL)
		return -ENODEV;
	total = per * dev->nb_queues;
	if (values == NULL || n < total)
		return (int)total;
	for (q = 0; q < dev->nb_queues; q++) {
		const uint8_t *st = (const uint8_t *)&dev->queues[q]->stats;

		for (i = 0; i < per; i++)
			memcpy(&values[q * per + i], st + vblk_xstat_defs[i].off, sizeof(uint64_t));
	}
	return (int)total;
}

int
vblk_dev_set_write_cache(uint16_t dev_id, bool enable)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);
	int rc;

	if (dev == NULL)
		return -ENODEV;
	if (dev->ops->set_write_cache == NULL)
		return -ENOTSUP;
	rc = dev->ops->set_write_cache(dev, enable);
	if (rc == 0)
		VBLK_LOG(INFO, "%s: write cache %s", dev->name,
			 enable ? "on (write-back)" : "off (write-through)");
	return rc;
}

/* ------------------------------------------------------------ splitting */

/** How vblk_io_split() cuts an op on a device. */
struct vblk_cut {
	uint64_t max_blocks; /**< Per request. */
	uint64_t align;      /**< Cut at multiples of it (blocks; 1: anywhere). */
	uint32_t seg_bytes;  /**< Per segment (data ops; 0 otherwise). */
	uint32_t block_size;
};

static int
vblk_cut_of(const struct vblk_dev_info *info, uint8_t op, struct vblk_cut *c)
{
	uint32_t seg_align = RTE_MAX(info->seg_align, 1u);
	uint64_t by_segs;

	memset(c, 0, sizeof(*c));
	c->align = 1;
	c->block_size = info->block_size;
	if (op >= VBLK_OP_COUNT || info->block_size == 0 || !rte_is_power_of_2(info->block_size) ||
	    !rte_is_power_of_2(seg_align))
		return -EINVAL;
	if (!(info->ops & VBLK_OP_BIT(op)))
		return -ENOTSUP;
	switch (op) {
	case VBLK_OP_READ:
	case VBLK_OP_WRITE:
		/* Segments: the largest multiple of seg_align the device takes. */
		c->seg_bytes = info->max_segment_size & ~(seg_align - 1);
		if (c->seg_bytes == 0 || info->max_segments == 0 || info->max_transfer_blocks == 0)
			return -EINVAL;
		by_segs = (uint64_t)info->max_segments * c->seg_bytes / info->block_size;
		c->max_blocks = RTE_MIN(by_segs, (uint64_t)info->max_transfer_blocks);
		break;
	case VBLK_OP_DISCARD:
		c->max_blocks = info->max_discard_blocks;
		/* Cut at the granularity, where a piece still holds one. */
		if (info->discard_align_blocks > 1 &&
		    info->discard_align_blocks <= info->max_discard_blocks)
			c->align = info->discard_align_blocks;
		break;
	case VBLK_OP_WRITE_ZEROES:
		c->max_blocks = info->max_write_zeroes_blocks;
		break;
	default: /* FLUSH, GET_ID: one request as it is. */
		c->max_blocks = UINT64_MAX;
		return 0;
	}
	return c->max_blocks == 0 ? -EINVAL : 0;
}

/* Blocks of the piece that starts at @p lba with @p left blocks to go. */
static uint64_t
vblk_piece(const struct vblk_cut *c, uint64_t lba, uint64_t left)
{
	uint64_t n = RTE_MIN(left, c->max_blocks);
	uint64_t end;

	if (c->align > 1 && n < left) {
		/* End the piece on a granularity boundary when one lies inside it. */
		end = (lba + n) / c->align * c->align;
		if (end > lba)
			n = end - lba;
	}
	return n;
}

static uint32_t
vblk_piece_segs(const struct vblk_cut *c, uint64_t nblocks)
{
	uint64_t bytes = nblocks * c->block_size;

	return c->seg_bytes == 0 ? 0 : (uint32_t)((bytes + c->seg_bytes - 1) / c->seg_bytes);
}

int
vblk_io_split_count(const struct vblk_dev_info *info, uint8_t op, uint64_t nblocks,
		    uint32_t *nb_segs)
{
	struct vblk_cut c;
	uint64_t lba = 0, n, reqs, segs = 0;
	int rc;

	if (info == NULL || nb_segs == NULL)
		return -EINVAL;
	rc = vblk_cut_of(info, op, &c);
	if (rc != 0)
		return rc;
	if (op == VBLK_OP_FLUSH || op == VBLK_OP_GET_ID) {
		*nb_segs = op == VBLK_OP_GET_ID;
		return 1;
	}
	if (nblocks == 0)
		return -EINVAL;
	if (c.align > 1) {
		/* After a first piece up to a boundary, pieces are whole granules. */
		uint64_t whole = c.max_blocks / c.align * c.align;

		reqs = (nblocks + whole - 1) / whole + 1;
	} else {
		reqs = (nblocks + c.max_blocks - 1) / c.max_blocks;
	}
	for (; lba < nblocks; lba += n) {
		n = RTE_MIN(nblocks - lba, c.max_blocks);
		segs += vblk_piece_segs(&c, n);
	}
	if (reqs > UINT16_MAX || segs > UINT32_MAX)
		return -E2BIG;
	*nb_segs = (uint32_t)segs;
	return (int)reqs;
}

/* The segments of @p nblocks blocks of data at @p addr / @p iova. */
static uint16_t
vblk_fill_segs(const struct vblk_cut *c, uint8_t *addr, uint64_t iova, uint64_t nblocks,
	       struct vblk_seg *segs)
{
	uint64_t left = nblocks * c->block_size;
	uint16_t n = 0;

	while (left > 0) {
		uint32_t len = (uint32_t)RTE_MIN(left, (uint64_t)c->seg_bytes);

		segs[n++] = (struct vblk_seg){ addr, iova, len };
		addr += len;
		iova += len;
		left -= len;
	}
	return n;
}

int
vblk_io_split(const struct vblk_dev_info *info, const struct vblk_io *io, struct vblk_req *reqs,
	      uint16_t max_reqs, struct vblk_seg *segs, uint32_t max_segs)
{
	struct vblk_cut c;
	uint64_t lba, left, n;
	uint32_t used = 0, need;
	uint16_t nr = 0;
	bool data;
	int rc;

	if (info == NULL || io == NULL || reqs == NULL || max_reqs == 0)
		return -EINVAL;
	rc = vblk_cut_of(info, io->op, &c);
	if (rc != 0)
		return rc;
	data = io->op == VBLK_OP_READ || io->op == VBLK_OP_WRITE;
	if (io->op == VBLK_OP_FLUSH || io->op == VBLK_OP_GET_ID) {
		reqs[0] = (struct vblk_req){ .op = io->op, .flags = io->flags, .ctx = io->ctx };
		if (io->op == VBLK_OP_GET_ID) {
			if (segs == NULL || max_segs == 0)
				return -ENOSPC;
			segs[0] = (struct vblk_seg){ io->addr, io->iova, VBLK_ID_LEN };
			reqs[0].nseg = 1;
			reqs[0].segs = segs;
		}
		return 1;
	}
	if (io->nblocks == 0 || (data && (io->addr == NULL || segs == NULL)))
		return -EINVAL;
	for (lba = io->lba, left = io->nblocks; left > 0; lba += n, left -= n) {
		n = vblk_piece(&c, lba, left);
		need = data ? vblk_piece_segs(&c, n) : 0;
		if (nr == max_reqs || need > max_segs - used)
			return -ENOSPC;
		reqs[nr] = (struct vblk_req){ .op = io->op,
					      .flags = io->flags,
					      .lba = lba,
					      .nblocks = (uint32_t)n,
					      .ctx = io->ctx };
		if (data) {
			uint64_t off = (lba - io->lba) * c.block_size;

			reqs[nr].segs = &segs[used];
			reqs[nr].nseg = vblk_fill_segs(&c, (uint8_t *)io->addr + off,
						       io->iova + off, n, &segs[used]);
			used += reqs[nr].nseg;
		}
		nr++;
	}
	return nr;
}

bool
vblk_dev_intr_conf(const struct vblk_dev *dev)
{
	return dev->intr;
}

/* A started queue configured with interrupts, or the error to return. */
static int
vblk_intr_queue(uint16_t dev_id, uint16_t qid, struct vblk_dev **out)
{
	struct vblk_dev *dev = vblk_dev_get(dev_id);

	if (dev == NULL)
		return -ENODEV;
	if (qid >= dev->nb_queues)
		return -EINVAL;
	if (!dev->intr || !vblk_fp_table[dev_id].started || dev->ops->queue_intr_fd == NULL)
		return -ENOTSUP;
	*out = dev;
	return 0;
}

int
vblk_queue_intr_fd(uint16_t dev_id, uint16_t qid)
{
	struct vblk_dev *dev;
	int rc = vblk_intr_queue(dev_id, qid, &dev);

	return rc < 0 ? rc : dev->ops->queue_intr_fd(dev, qid);
}

int
vblk_queue_intr_enable(uint16_t dev_id, uint16_t qid)
{
	struct vblk_dev *dev;
	int rc = vblk_intr_queue(dev_id, qid, &dev);

	return rc < 0 ? rc : dev->ops->queue_intr_enable(dev, qid);
}

int
vblk_queue_intr_disable(uint16_t dev_id, uint16_t qid)
{
	struct vblk_dev *dev;
	int rc = vblk_intr_queue(dev_id, qid, &dev);

	return rc < 0 ? rc : dev->ops->queue_intr_disable(dev, qid);
}
