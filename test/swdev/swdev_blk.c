/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swdev: a virtio-blk device model (virtio 1.2 section 5.2) on a RAM disk.
 * See swdev.h (struct swdev_blk) for what it checks and its fault knobs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "swdev.h"
#include "swdev_internal.h"

#define SECTOR VIO_BLK_SECTOR_SIZE

/* Data bytes of a request and the segments that carry them (header and status excluded). */
struct blk_data {
	uint32_t len;
	uint32_t nseg;
	uint32_t biggest;
};

/* Segments of @p c overlapping [from, to) of its readable (or writable) bytes. */
static void
blk_data_segs(const struct swdev_chain *c, bool writable, uint32_t from, uint32_t to,
	      struct blk_data *d)
{
	uint32_t off = 0, i;

	memset(d, 0, sizeof(*d));
	d->len = to > from ? to - from : 0;
	for (i = 0; i < c->nseg; i++) {
		const struct swdev_seg *s = &c->seg[i];
		uint32_t lo, hi;

		if (s->writable != writable)
			continue;
		lo = RTE_MAX(off, from);
		hi = RTE_MIN(off + s->len, to);
		if (lo < hi) {
			d->nseg++;
			d->biggest = RTE_MAX(d->biggest, hi - lo);
		}
		off += s->len;
	}
}

static bool
blk_has(const struct swdev *sw, unsigned int bit)
{
	return (sw->driver_features & VIO_BIT(bit)) != 0;
}

/* seg_max / size_max (when set) for the data of one request. */
static void
blk_check_segs(struct swdev *sw, struct swdev_blk *blk, const struct blk_data *d)
{
	blk->max_data_segs = RTE_MAX(blk->max_data_segs, d->nseg);
	if (blk->seg_max != 0 && d->nseg > blk->seg_max)
		swdev_violation(sw, SWDEV_V_BLK, "request with %u data segments, seg_max %u",
				d->nseg, blk->seg_max);
	if (blk->size_max != 0 && d->biggest > blk->size_max)
		swdev_violation(sw, SWDEV_V_BLK, "data segment of %u bytes, size_max %u",
				d->biggest, blk->size_max);
}

static uint8_t
blk_rw(struct swdev *sw, struct swdev_blk *blk, const struct swdev_chain *c,
       const struct vio_blk_req_hdr *h, uint32_t *written)
{
	bool in = h->type == VIO_BLK_T_IN;
	struct blk_data d;
	uint64_t off;

	if (in)
		blk_data_segs(c, true, 0, c->in_len - 1, &d);
	else
		blk_data_segs(c, false, sizeof(*h), c->out_len, &d);
	blk_check_segs(sw, blk, &d);
	if (d.len % SECTOR != 0 || h->sector > blk->capacity ||
	    d.len / SECTOR > blk->capacity - h->sector) {
		swdev_violation(sw, SWDEV_V_BLK, "%s of %u bytes at sector %llu (capacity %llu)",
				in ? "read" : "write", d.len, (unsigned long long)h->sector,
				(unsigned long long)blk->capacity);
		return VIO_BLK_S_IOERR;
	}
	off = h->sector * SECTOR;
	if (in) {
		swdev_chain_write(c, 0, blk->disk + off, d.len);
		*written = d.len;
		return VIO_BLK_S_OK;
	}
	if (blk->read_only) {
		if (blk_has(sw, VIO_BLK_F_RO))
			swdev_violation(sw, SWDEV_V_BLK, "write after RO was negotiated");
		return VIO_BLK_S_IOERR;
	}
	swdev_chain_read(c, sizeof(*h), blk->disk + off, d.len);
	return VIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: one or more struct vio_blk_discard_wz after the header. */
static uint8_t
blk_ranges(struct swdev *sw, struct swdev_blk *blk, const struct swdev_chain *c,
	   const struct vio_blk_req_hdr *h)
{
	bool wz = h->type == VIO_BLK_T_WRITE_ZEROES;
	uint32_t max_sec = wz ? blk->max_write_zeroes_sectors : blk->max_discard_sectors;
	uint32_t max_seg = wz ? blk->max_write_zeroes_seg : blk->max_discard_seg;
	uint32_t len = c->out_len - (uint32_t)sizeof(*h), n, i;
	struct vio_blk_discard_wz r;
	uint8_t status = VIO_BLK_S_OK;

	if (!blk_has(sw, wz ? VIO_BLK_F_WRITE_ZEROES : VIO_BLK_F_DISCARD)) {
		swdev_violation(sw, SWDEV_V_BLK, "%s without its feature",
				wz ? "write-zeroes" : "discard");
		return VIO_BLK_S_UNSUPP;
	}
	n = len / sizeof(r);
	if (len == 0 || len % sizeof(r) != 0 || (max_seg != 0 && n > max_seg)) {
		swdev_violation(sw, SWDEV_V_BLK, "%s with %u bytes of ranges (max %u ranges)",
				wz ? "write-zeroes" : "discard", len, max_seg);
		return VIO_BLK_S_IOERR;
	}
	if (blk->read_only)
		return VIO_BLK_S_IOERR;
	for (i = 0; i < n; i++) {
		swdev_chain_read(c, sizeof(*h) + i * sizeof(r), &r, sizeof(r));
		blk->last_range = r;
		if (r.sector > blk->capacity || r.num_sectors > blk->capacity - r.sector ||
		    (max_sec != 0 && r.num_sectors > max_sec)) {
			swdev_violation(sw, SWDEV_V_BLK, "range %llu+%u (capacity %llu, max %u)",
					(unsigned long long)r.sector, r.num_sectors,
					(unsigned long long)blk->capacity, max_sec);
			return VIO_BLK_S_IOERR;
		}
		/* Section 5.2.6.2: a discard with any flag set is UNSUPP. */
		if (!wz && r.flags != 0)
			return VIO_BLK_S_UNSUPP;
		if (wz && (r.flags & ~(uint32_t)VIO_BLK_WZ_F_UNMAP) != 0)
			status = VIO_BLK_S_UNSUPP;
		if (wz && status == VIO_BLK_S_OK) {
			memset(blk->disk + r.sector * SECTOR, 0, (size_t)r.num_sectors * SECTOR);
			blk->unmap_zeroes += (r.flags & VIO_BLK_WZ_F_UNMAP) != 0;
		}
		/* A discard leaves the data as it is (allowed: reads after it are undefined). */
	}
	return status;
}

static uint8_t
blk_get_id(struct swdev *sw, struct swdev_blk *blk, const struct swdev_chain *c, uint32_t *written)
{
	static const char dflt[VIO_BLK_ID_BYTES] = "swdev-blk";
	const char *id = blk->id[0] != '\0' ? blk->id : dflt;

	if (c->in_len - 1 != VIO_BLK_ID_BYTES)
		swdev_violation(sw, SWDEV_V_BLK, "GET_ID with %u bytes (section 5.2.6.1: 20)",
				c->in_len - 1);
	*written = RTE_MIN(c->in_len - 1, (uint32_t)VIO_BLK_ID_BYTES);
	swdev_chain_write(c, 0, id, *written);
	return VIO_BLK_S_OK;
}

static uint8_t
blk_dispatch(struct swdev *sw, struct swdev_blk *blk, const struct swdev_chain *c,
	     const struct vio_blk_req_hdr *h, uint32_t *written)
{
	switch (h->type) {
	case VIO_BLK_T_IN:
	case VIO_BLK_T_OUT:
		return blk_rw(sw, blk, c, h, written);
	case VIO_BLK_T_FLUSH:
		if (h->sector != 0)
			swdev_violation(sw, SWDEV_V_BLK, "FLUSH with sector %llu",
					(unsigned long long)h->sector);
		if (sw->driver_features != 0 && !blk_has(sw, VIO_BLK_F_FLUSH)) {
			swdev_violation(sw, SWDEV_V_BLK, "FLUSH without VIO_BLK_F_FLUSH");
			return VIO_BLK_S_UNSUPP;
		}
		return VIO_BLK_S_OK;
	case VIO_BLK_T_GET_ID:
		return blk_get_id(sw, blk, c, written);
	case VIO_BLK_T_DISCARD:
	case VIO_BLK_T_WRITE_ZEROES:
		return blk_ranges(sw, blk, c, h);
	default:
		return VIO_BLK_S_UNSUPP;
	}
}

int64_t
swdev_handler_blk(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg)
{
	struct swdev_blk *blk = arg;
	struct vio_blk_req_hdr h;
	uint32_t written = 0;
	uint8_t status;
	int64_t len;

	RTE_SET_USED(qidx);
	if (__atomic_load_n(&blk->hold, __ATOMIC_ACQUIRE))
		return SWDEV_DEFER;
	blk->requests++;
	blk->last_indirect = c->indirect;
	if (c->out_len < sizeof(h) || c->in_len < 1) {
		swdev_violation(sw, SWDEV_V_BLK, "request without header or status byte");
		blk->errors++;
		return 0; /* No status byte to report into. */
	}
	swdev_chain_read(c, 0, &h, sizeof(h));
	blk->last_hdr = h;
	blk->by_type[RTE_MIN(h.type, 15u)]++;
	if (blk->force_count > 0) {
		blk->force_count--;
		status = blk->force_status;
	} else {
		status = blk_dispatch(sw, blk, c, &h, &written);
	}
	if (status != VIO_BLK_S_OK)
		blk->errors++;
	len = (int64_t)written + 1;
	if (blk->lie_len > 0) {
		blk->lie_len--;
		len = 0;
	}
	if (blk->no_status > 0) {
		blk->no_status--; /* A device that forgets the status byte. */
		return len;
	}
	/* The status byte is the last writable byte. */
	swdev_chain_write(c, c->in_len - 1, &status, 1);
	return len;
}

/* Fill the config defaults swdev_blk_create() documents. */
static void
blk_config_defaults(const struct swdev_blk_params *p, struct vio_blk_config *cfg)
{
	*cfg = p->cfg;
	cfg->capacity = p->capacity != 0 ? p->capacity : 2048;
	cfg->num_queues = p->num_queues != 0 ? p->num_queues : 1;
	if (cfg->blk_size == 0)
		cfg->blk_size = SECTOR;
	if (cfg->seg_max == 0)
		cfg->seg_max = 126;
	if (cfg->size_max == 0)
		cfg->size_max = 1u << 20;
	if (cfg->max_discard_sectors == 0)
		cfg->max_discard_sectors = 32768;
	if (cfg->max_discard_seg == 0)
		cfg->max_discard_seg = 1;
	if (cfg->max_write_zeroes_sectors == 0)
		cfg->max_write_zeroes_sectors = 32768;
	if (cfg->max_write_zeroes_seg == 0)
		cfg->max_write_zeroes_seg = 1;
	if (cfg->min_io_size == 0)
		cfg->min_io_size = 1;
	if (p->cfg.writeback == 0 && p->cfg.unused0 == 0)
		cfg->writeback = 1;
}

struct swdev *
swdev_blk_create(const struct swdev_blk_params *p, struct swdev_blk *blk)
{
	struct vio_blk_config cfg;
	struct swdev_params sp;
	struct swdev *sw;
	uint16_t i;

	blk_config_defaults(p, &cfg);
	memset(blk, 0, sizeof(*blk));
	blk->capacity = cfg.capacity;
	blk->disk = calloc(cfg.capacity, SECTOR);
	if (blk->disk == NULL)
		return NULL;
	memset(&sp, 0, sizeof(sp));
	sp.name = p->name != NULL ? p->name : "swdev-blk";
	sp.features = p->features != 0 ? p->features : SWDEV_BLK_FEATURES;
	if (p->read_only)
		sp.features |= VIO_BIT(VIO_BLK_F_RO);
	sp.num_queues = cfg.num_queues;
	sp.queue_max_size = p->queue_max_size != 0 ? p->queue_max_size : 256;
	sp.config_len = p->config_len != 0 ? p->config_len : VIO_BLK_CONFIG_LEN;
	sp.config = &cfg;
	sw = swdev_create(&sp);
	if (sw == NULL) {
		free(blk->disk);
		blk->disk = NULL;
		return NULL;
	}
	blk->read_only = p->read_only;
	if (sp.features & VIO_BIT(VIO_BLK_F_SEG_MAX))
		blk->seg_max = cfg.seg_max;
	if (sp.features & VIO_BIT(VIO_BLK_F_SIZE_MAX))
		blk->size_max = cfg.size_max;
	blk->max_discard_sectors = cfg.max_discard_sectors;
	blk->max_discard_seg = cfg.max_discard_seg;
	blk->max_write_zeroes_sectors = cfg.max_write_zeroes_sectors;
	blk->max_write_zeroes_seg = cfg.max_write_zeroes_seg;
	for (i = 0; i < sw->num_queues; i++)
		swdev_set_handler(sw, i, swdev_handler_blk, blk);
	return sw;
}

void
swdev_blk_destroy(struct swdev *sw, struct swdev_blk *blk)
{
	swdev_destroy(sw);
	free(blk->disk);
	blk->disk = NULL;
}
