/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Split virtqueue memory layout (virtio 1.2 section 2.7).
 *
 * One contiguous block holds, in order: the descriptor table (16-byte
 * aligned), the avail ring with used_event (2-byte aligned, directly after
 * the table) and the used ring with avail_event, aligned to @ref
 * VIO_SPLIT_USED_ALIGN (the legacy 4 KiB rule, which modern devices accept
 * and which keeps the used ring on its own pages).
 */
#ifndef VIO_SPLIT_H
#define VIO_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/** Alignment of the used ring within the block. */
#define VIO_SPLIT_USED_ALIGN 4096

/** Offsets and sizes of one split queue's parts. */
struct vio_split_layout {
	uint32_t size;    /**< Queue size (descriptors). */
	size_t desc_off;  /**< Always 0. */
	size_t desc_len;  /**< 16 * size. */
	size_t avail_off; /**< Directly after the descriptor table. */
	size_t avail_len; /**< 6 + 2 * size (flags, idx, ring, used_event). */
	size_t used_off;  /**< Aligned to VIO_SPLIT_USED_ALIGN. */
	size_t used_len;  /**< 6 + 8 * size (flags, idx, ring, avail_event). */
	size_t total_len; /**< Bytes to allocate (multiple of the alignment). */
};

/**
 * Compute the layout of a split queue of @p size descriptors.
 *
 * @return 0, or -EINVAL when size is 0, not a power of two, or above
 *         VIO_SPLIT_MAX_SIZE (32768).
 */
int vio_split_layout_calc(uint32_t size, struct vio_split_layout *layout);

#endif /* VIO_SPLIT_H */
