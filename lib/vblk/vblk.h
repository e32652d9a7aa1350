/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * vblk: a block device class for poll-mode storage drivers, in the style of
 * DPDK's cryptodev and compressdev.
 *
 * Drivers (drivers/blk/...) register devices; applications find them by id
 * or name, read their limits (vblk_dev_info_get()), configure N queues of
 * depth D, start them, and move requests with vblk_enqueue_burst() /
 * vblk_dequeue_burst() from one lcore per queue. The data path takes no
 * lock, makes no system call and allocates nothing: a request is the
 * caller's struct vblk_req, handed back by dequeue with its status set.
 *
 * Every request is validated by the library before a driver sees it
 * (vblk_core.h): a request that breaks a rule of the device's limits never
 * reaches the device and completes at once with a negative errno, returned
 * by the next dequeue on that queue.
 *
 * Buffers: each segment names its data by virtual address and IOVA (the
 * address the device uses). The memory must be DPDK memory the device can
 * reach (rte_malloc(), a mempool, a memzone; iova from rte_malloc_virt2iova(),
 * rte_mem_virt2iova() or rte_pktmbuf_iova()), IOVA-contiguous over the
 * segment (any DPDK memory in IOVA-as-VA mode; with IOVA as PA keep a segment
 * within one hugepage, or use an RTE_MEMZONE_IOVA_CONTIG memzone), aligned to
 * vblk_dev_info.seg_align, and left alone until the request is dequeued.
 */
#ifndef VBLK_H
#define VBLK_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>

/** Most devices the library holds at once. */
#define VBLK_MAX_DEVS 32
/** Longest device name, with its NUL. */
#define VBLK_NAME_LEN 64
/** Bytes a GET_ID request returns (virtio's serial number field). */
#define VBLK_ID_LEN 20
/** Longest xstat name, with its NUL. */
#define VBLK_XSTAT_NAME_LEN 64

/** Request operations. */
enum vblk_op {
	VBLK_OP_READ = 0,         /**< Read nblocks from lba into the segments. */
	VBLK_OP_WRITE = 1,        /**< Write the segments to nblocks at lba. */
	VBLK_OP_FLUSH = 2,        /**< Commit the write cache (no lba, no data). */
	VBLK_OP_DISCARD = 3,      /**< Discard nblocks at lba (no data). */
	VBLK_OP_WRITE_ZEROES = 4, /**< Zero nblocks at lba (no data); see VBLK_REQ_F_UNMAP. */
	VBLK_OP_GET_ID = 5,       /**< Read the device id (VBLK_ID_LEN bytes into the segments). */
	VBLK_OP_COUNT
};

/** Bit of @p op in vblk_dev_info.ops. */
#define VBLK_OP_BIT(op) (1u << (op))

/** @name Request flags (vblk_req.flags) @{ */
/** Write through to stable storage (only where vblk_dev_info.fua says so). */
#define VBLK_REQ_F_FUA 0x1
/** WRITE_ZEROES only: the device may deallocate the blocks. */
#define VBLK_REQ_F_UNMAP 0x2
/** @} */

/** One data segment: a DMA-able buffer (see the file comment). */
struct vblk_seg {
	void *addr;    /**< Virtual address (the CPU's view). */
	uint64_t iova; /**< The same byte as the device sees it. */
	uint32_t len;  /**< Bytes (> 0). */
};

/**
 * One range of a DISCARD or WRITE_ZEROES request that carries several
 * (vblk_req.nranges > 0). Plain memory: the driver copies it into its own
 * DMA memory at enqueue, so the array may be reused once enqueue returned.
 */
struct vblk_range {
	uint64_t lba;     /**< First logical block. */
	uint32_t nblocks; /**< Logical blocks (> 0). */
};

/**
 * A request. Owned by the caller; the library and driver keep a pointer to
 * it from enqueue until dequeue returns it, so it must stay valid (and its
 * segments' memory untouched) until then.
 *
 * DISCARD and WRITE_ZEROES name their blocks either with lba / nblocks (one
 * range, nranges 0) or with @p ranges (nranges > 0, lba and nblocks 0):
 * up to vblk_dev_info.max_discard_ranges / max_write_zeroes_ranges ranges
 * go to the device as one request (one completion; the flags apply to
 * every range). More ranges than that are refused (-E2BIG), not split:
 * one request is one completion. vblk_io_split() cuts one long range into
 * requests the device takes.
 */
struct vblk_req {
	uint8_t op;    /**< enum vblk_op. */
	uint8_t flags; /**< VBLK_REQ_F_*. */
	union {
		uint16_t nseg;    /**< Entries in segs (0 for FLUSH). */
		uint16_t nranges; /**< DISCARD, WRITE_ZEROES: entries in ranges (0: lba/nblocks). */
	};
	uint32_t nblocks; /**< Logical blocks (0 for FLUSH and GET_ID, and with ranges). */
	uint64_t lba;     /**< First logical block (0 for FLUSH and GET_ID, and with ranges). */
	union {
		const struct vblk_seg *segs;     /**< Data segments. */
		const struct vblk_range *ranges; /**< DISCARD, WRITE_ZEROES with nranges > 0. */
	};
	void *ctx; /**< The caller's, untouched. */
	/**
	 * Set on completion: 0; -EIO (device error or a broken queue);
	 * -ENOTSUP (op or flag the device does not support, or the device
	 * answered UNSUPP); -EINVAL (malformed: counts, lengths, alignment);
	 * -ERANGE (beyond capacity); -E2BIG (too many or too big segments or
	 * ranges, transfer too long); -EROFS (write, discard or write-zeroes
	 * on a read-only device).
	 */
	int status;
};

/** What a device can do, and how it is configured. */
struct vblk_dev_info {
	const char *driver_name;      /**< e.g. "blk_vireo". */
	uint64_t capacity;            /**< Logical blocks. */
	uint32_t block_size;          /**< Logical block size in bytes (power of two, >= 512). */
	uint32_t physical_block_size; /**< Bytes. */
	uint32_t min_io_blocks;       /**< Minimum I/O size in logical blocks (1 if unknown). */
	uint32_t opt_io_blocks;       /**< Optimal I/O size in logical blocks (0 if unknown). */
	uint16_t max_segments;        /**< Data segments per request. */
	uint32_t max_segment_size;    /**< Bytes per segment. */
	uint32_t seg_align;           /**< Every segment's iova is a multiple of it. */
	uint32_t max_transfer_blocks; /**< Logical blocks per READ or WRITE. */
	uint32_t max_discard_blocks;  /**< Per DISCARD (0: no discard). */
	uint32_t max_discard_ranges;  /**< Ranges per DISCARD request (vblk_req.nranges). */
	/**
	 * Discard granularity (blocks, 0 unknown): a hint, not a rule (virtio's
	 * discard_sector_alignment); vblk_io_split() cuts long discards there.
	 */
	uint32_t discard_align_blocks;
	uint32_t max_write_zeroes_blocks; /**< Per WRITE_ZEROES (0: none). */
	uint32_t max_write_zeroes_ranges; /**< Ranges per WRITE_ZEROES request. */
	bool write_zeroes_may_unmap;      /**< The device may honour VBLK_REQ_F_UNMAP. */
	bool read_only;                   /**< Writes, discards and write-zeroes are refused. */
	bool write_cache;                 /**< Volatile write cache: FLUSH to commit. */
	bool write_cache_settable;        /**< vblk_dev_set_write_cache() works. */
	bool fua;                         /**< VBLK_REQ_F_FUA is honoured. */
	uint32_t ops;                     /**< Supported ops: VBLK_OP_BIT() mask. */
	uint16_t max_queues;              /**< Queues the device offers. */
	uint16_t max_queue_depth;         /**< Requests in flight per queue, at most. */
	uint16_t nb_queues;               /**< Configured (0 before vblk_dev_configure()). */
	uint16_t queue_depth;             /**< Configured. */
	int socket_id;                    /**< NUMA socket of the device. */
};

/** Configuration for vblk_dev_configure(). */
struct vblk_dev_conf {
	uint16_t nb_queues;   /**< 1..max_queues. */
	uint16_t queue_depth; /**< 1..max_queue_depth: requests in flight per queue. */
	int socket_id;        /**< For queue memory; SOCKET_ID_ANY: the device's. */
	/**
	 * Completion interrupts: every queue gets an fd that becomes readable
	 * when the device completes a request while the queue's interrupt is
	 * enabled (vblk_queue_intr_fd(), vblk_queue_intr_enable()). Refused
	 * (-ENOTSUP) by a device that has none (a PCI device without MSI-X
	 * through vfio-pci).
	 */
	bool intr;
};

/** Per-queue statistics, counted when requests complete. */
struct vblk_queue_stats {
	uint64_t submitted;                /**< Requests handed to the driver. */
	uint64_t completed[VBLK_OP_COUNT]; /**< Completed with status 0, by op. */
	uint64_t read_bytes;               /**< By successful reads. */
	uint64_t write_bytes;              /**< By successful writes. */
	uint64_t rejected;                 /**< Refused by validation (never submitted). */
	uint64_t err_inval;                /**< -EINVAL completions. */
	uint64_t err_range;                /**< -ERANGE. */
	uint64_t err_too_big;              /**< -E2BIG. */
	uint64_t err_rofs;                 /**< -EROFS. */
	uint64_t err_notsup;               /**< -ENOTSUP (validation or the device). */
	uint64_t err_io;                   /**< -EIO (device error, broken queue, reset). */
	uint64_t err_other;                /**< Any other negative status. */
	uint64_t doorbells;                /**< Notifications the driver sent the device. */
};

/** Name of one extended statistic. */
struct vblk_xstat_name {
	char name[VBLK_XSTAT_NAME_LEN];
};

/** Devices registered. */
uint16_t vblk_dev_count(void);

/** True when @p dev_id names a registered device. */
bool vblk_dev_is_valid(uint16_t dev_id);

/** @return 0 with *dev_id set, or -ENODEV. */
int vblk_dev_get_by_name(const char *name, uint16_t *dev_id);

/** Name of a device, or NULL. */
const char *vblk_dev_name(uint16_t dev_id);

/** Name of an op ("read", ...), or "unknown". */
const char *vblk_op_name(unsigned int op);

/** Fill @p info. @return 0, -ENODEV or -EINVAL (NULL). */
int vblk_dev_info_get(uint16_t dev_id, struct vblk_dev_info *info);

/**
 * Set up queues (device stopped). Reconfiguring drops the old queues.
 * @return 0; -ENODEV; -EBUSY (started); -EINVAL (counts out of range);
 *         -ENOMEM; or the driver's error.
 */
int vblk_dev_configure(uint16_t dev_id, const struct vblk_dev_conf *conf);

/** Start I/O. @return 0; -ENODEV; -EINVAL (not configured); the driver's error. */
int vblk_dev_start(uint16_t dev_id);

/**
 * Stop I/O. Requests in flight complete with -EIO; dequeue them (dequeue
 * works on a stopped, configured device). @return 0 or -ENODEV.
 */
int vblk_dev_stop(uint16_t dev_id);

/** Stop, release queues and the device. The id becomes free. @return 0 or -ENODEV. */
int vblk_dev_close(uint16_t dev_id);

/** Copy queue @p qid's statistics. @return 0, -ENODEV, -EINVAL. */
int vblk_stats_get(uint16_t dev_id, uint16_t qid, struct vblk_queue_stats *stats);

/** Zero every queue's statistics. @return 0 or -ENODEV. */
int vblk_stats_reset(uint16_t dev_id);

/**
 * Names of the extended statistics ("q0_read_bytes", ...), in the order
 * vblk_xstats_get() returns values. @return the number of statistics (the
 * array needed, when @p names is NULL or @p n too small), or -ENODEV.
 */
int vblk_xstats_names_get(uint16_t dev_id, struct vblk_xstat_name *names, unsigned int n);

/**
 * @name Completion interrupts (configured with vblk_dev_conf.intr)
 *
 * To sleep while a queue is idle, DPDK style: vblk_queue_intr_enable(),
 * wait for the fd to become readable (epoll / poll), read its 8-byte
 * counter (an eventfd), vblk_queue_intr_disable(), dequeue. A queue that
 * completed requests before the enable is signalled at once, so the wait
 * never sleeps on completions already there.
 * @{
 */
/**
 * The queue's interrupt fd (owned by the device, valid while it is
 * started). @return the fd; -ENODEV; -EINVAL (bad queue); -ENOTSUP (not
 * configured with intr, or not started).
 */
int vblk_queue_intr_fd(uint16_t dev_id, uint16_t qid);
/**
 * Ask for an interrupt at the next completion. @return 0, -EIO (the queue
 * is broken: nothing will complete until the device restarts, and every
 * request the driver failed has been dequeued) or as vblk_queue_intr_fd().
 */
int vblk_queue_intr_enable(uint16_t dev_id, uint16_t qid);
/** Back to polling. @return 0 or as vblk_queue_intr_fd(). */
int vblk_queue_intr_disable(uint16_t dev_id, uint16_t qid);
/** @} */

/** Values of the extended statistics. @return count as for the names, or -ENODEV. */
int vblk_xstats_get(uint16_t dev_id, uint64_t *values, unsigned int n);

/**
 * Switch the device's volatile write cache on (write-back: writes complete
 * when cached, FLUSH commits them) or off (write-through). Only where
 * vblk_dev_info.write_cache_settable says so (virtio-blk: CONFIG_WCE
 * negotiated); vblk_dev_info.write_cache then reads the mode back from the
 * device. A control call: not concurrently with the device's data path.
 *
 * @return 0; -ENODEV; -ENOTSUP (the device's mode is fixed); -EIO (the
 *         device did not take the new mode).
 */
int vblk_dev_set_write_cache(uint16_t dev_id, bool enable);

/** One I/O for vblk_io_split(): a range of blocks and, for data, one contiguous buffer. */
struct vblk_io {
	uint8_t op;    /**< READ, WRITE, DISCARD, WRITE_ZEROES (or FLUSH, GET_ID: one request). */
	uint8_t flags; /**< VBLK_REQ_F_*, copied into every request. */
	uint64_t lba;  /**< First logical block. */
	uint64_t nblocks; /**< Logical blocks (> 0 for ranged ops). */
	void *addr;       /**< READ, WRITE, GET_ID: the buffer, virtually and IOVA-contiguous. */
	uint64_t iova;    /**< Its IOVA, aligned to vblk_dev_info.seg_align. */
	void *ctx;        /**< Copied into every request. */
};

/**
 * Requests and segments vblk_io_split() needs for @p op over @p nblocks
 * blocks on a device with @p info's limits.
 *
 * @return the number of requests (>= 1), *nb_segs set to the segments they
 *         use in all; -EINVAL (unknown op, bad limits), -ENOTSUP (the device
 *         has no such op).
 */
int vblk_io_split_count(const struct vblk_dev_info *info, uint8_t op, uint64_t nblocks,
			uint32_t *nb_segs);

/**
 * Cut one I/O into requests that fit the device's limits: a buffer longer
 * than max_segment_size becomes several segments (each a multiple of
 * seg_align), more than max_segments segments or max_transfer_blocks
 * blocks become several requests, a DISCARD or WRITE_ZEROES longer than
 * max_discard_blocks / max_write_zeroes_blocks several ranges, one request
 * each (discards cut at discard_align_blocks boundaries where given). The
 * requests are independent: each completes on its own, the I/O is done
 * when all have (a request's ctx is @p io's).
 *
 * @param reqs     filled, in block order; @p max_reqs entries.
 * @param segs     the requests' segments; @p max_segs entries.
 * @return requests filled (>= 1); -ENOSPC (arrays too small:
 *         vblk_io_split_count() says how large), -EINVAL, -ENOTSUP.
 *         Requests still go through enqueue's validation (range, alignment).
 */
int vblk_io_split(const struct vblk_dev_info *info, const struct vblk_io *io, struct vblk_req *reqs,
		  uint16_t max_reqs, struct vblk_seg *segs, uint32_t max_segs);

#include "vblk_core.h"

/**
 * Submit up to @p n requests on queue @p qid. Each is validated first: an
 * invalid one is accepted, not submitted, and completes with its error
 * status at the next dequeue.
 *
 * @return requests accepted (a prefix of @p reqs); fewer than @p n when
 *         the queue is full. 0 for a bad id or a stopped device.
 */
static inline uint16_t
vblk_enqueue_burst(uint16_t dev_id, uint16_t qid, struct vblk_req **reqs, uint16_t n)
{
	struct vblk_queue *q = vblk_fp_queue(dev_id, qid, true);

	if (q == NULL)
		return 0;
	return vblk_queue_enqueue(q, reqs, n);
}

/**
 * Take up to @p n completed requests of queue @p qid, status set.
 * Works while the device is started, and after vblk_dev_stop() (to take
 * back what the stop completed).
 *
 * @return requests returned in @p done.
 */
static inline uint16_t
vblk_dequeue_burst(uint16_t dev_id, uint16_t qid, struct vblk_req **done, uint16_t n)
{
	struct vblk_queue *q = vblk_fp_queue(dev_id, qid, false);

	if (q == NULL)
		return 0;
	return vblk_queue_dequeue(q, done, n);
}

#endif /* VBLK_H */
