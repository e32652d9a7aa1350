/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Types shared by the two virtqueue engines (split: vio_vq_split.h, packed:
 * vio_vq_packed.h) and the generic API above them (vio_vq.h).
 */
#ifndef VIO_VQ_COMMON_H
#define VIO_VQ_COMMON_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_io.h>

#include "vio_dev.h"

struct vio_dma_region;

/** One buffer of a chain: device address and length. */
struct vio_sg {
	uint64_t iova;
	uint32_t len;
};

/**
 * One entry of an indirect descriptor table, engine-neutral: 16 bytes whose
 * layout (split: addr, len, flags, next; packed: addr, len, id, flags) the
 * engine that fills the table decides. Callers only allocate tables of
 * these (16-byte aligned DMA memory) and never read them.
 */
struct vio_vq_ind_desc {
	uint64_t raw[2];
};

/**
 * State every engine keeps, first member of both engine structs so the
 * generic API reads it without knowing the engine.
 */
struct vio_vq_hdr {
	bool packed;             /**< Engine: packed (true) or split. Set at creation. */
	bool broken;             /**< Device misbehaved; queue is dead. */
	bool io_barriers;        /**< VIRTIO_F_ORDER_PLATFORM: order with rte_io_* barriers. */
	bool event_idx;          /**< VIRTIO_F_EVENT_IDX negotiated. */
	uint16_t size;           /**< Descriptors in the ring. */
	uint16_t index;          /**< Queue index on the device. */
	uint16_t num_free;       /**< Free descriptors. */
	uint32_t notify_data;    /**< Transport data for ops->notify. */
	volatile void *doorbell; /**< Notify address, NULL: use ops->notify. */
	struct vio_dev *dev;
	uint64_t bad_len; /**< Non-zero used len on chains with no writable bytes. */
	struct vio_dma_region *ring;
	uint64_t ring_iova;
};

/** Mark the queue broken (with a log line saying why). */
void vio_vq_hdr_mark_broken(struct vio_vq_hdr *h, const char *why);

/** Log the first meaningless used len on a read-only chain (vio_vq_bad_len_count()). */
void vio_vq_hdr_note_bad_len(struct vio_vq_hdr *h, uint32_t len, uint32_t id);

/**
 * The used len @p *len the device wrote for chain @p id of @p in_len
 * writable bytes: true when it may stand (at most in_len; on a chain with
 * nothing writable, e.g. tx, any len means nothing: real devices leave
 * garbage there, so it is counted once (vio_vq_bad_len_count()) and
 * reported as 0); false when it exceeds a writable chain's bytes (a lie).
 */
static inline bool
vio_vq_hdr_used_len_ok(struct vio_vq_hdr *h, uint32_t *len, uint32_t in_len, uint32_t id)
{
	if (likely(*len <= in_len))
		return true;
	if (in_len != 0)
		return false;
	vio_vq_hdr_note_bad_len(h, *len, id);
	*len = 0;
	return true;
}

/**
 * The bus address of the buffer a cookie stands for, computed as the
 * buffer is added (vio_vq_add_bufs_by()); may also prepare the cookie's
 * object. Pass an inline function: the adds are always inlined, so the
 * call is too. @p ctx is the caller's value, passed through.
 */
typedef uint64_t (*vio_vq_iova_fn)(void *cookie, uint64_t ctx);

/* Buffer i's address: from the array, or from its cookie. */
#define VIO_VQ_BUF_IOVA(iovas, iova_of, ctx, cookie, i) \
	((iova_of) != NULL ? (iova_of)((cookie), (ctx)) : (iovas)[i])

/** Write the doorbell unconditionally. */
static inline void
vio_vq_hdr_notify(struct vio_vq_hdr *h)
{
	if (likely(h->doorbell != NULL))
		/* rte_write16 puts an I/O write barrier before the MMIO store. */
		rte_write16(h->index, h->doorbell);
	else
		vio_dev_ops(h->dev)->notify(h->dev, h->index, h->notify_data);
}

/**
 * Per-chain callback of vio_vq_harvest_by(): chain @p i of the call
 * (0-based, in completion order) with its cookie and its used len, already
 * validated against the chain (never above its writable bytes). Pass an
 * inline function: the harvest is always inlined, so the call is too and
 * @p ctx (the caller's pointer, passed through) can live in registers.
 */
typedef void (*vio_vq_used_fn)(void *ctx, unsigned int i, void *cookie, uint32_t len);

struct vio_used_elem;

/**
 * Optional four-at-a-time callback of vio_vq_harvest_by(): chains @p i to
 * i + 3, taken together by a vector loop, with their cookies and their used
 * elements (ids and lens, validated as for vio_vq_used_fn; a copy, never
 * the ring itself). Lets the caller process the lens with its own vector
 * code. Chains not taken in a group of four go to the vio_vq_used_fn.
 */
typedef void (*vio_vq_used4_fn)(void *ctx, unsigned int i, void *const *cookies,
				const struct vio_used_elem *used);

#endif /* VIO_VQ_COMMON_H */
