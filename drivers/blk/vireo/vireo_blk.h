/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * blk_vireo internals: a virtio-blk device (virtio 1.2 section 5.2) driven
 * through lib/virtio's transport and virtqueue engine, registered as a vblk
 * device. vireo_blk_dev.c: negotiation, config, vblk control ops;
 * vireo_blk_io.c: queues and the data path; vireo_blk_pci.c: the PCI driver.
 */
#ifndef VIREO_BLK_H
#define VIREO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_log.h>

#include "vblk_driver.h"
#include "vio_dev.h"
#include "vio_pci.h"
#include "vio_spec.h"
#include "vio_vq.h"

#define VIREO_BLK_DRIVER "blk_vireo"
/** Data segments per request we ever use (indirect table size bound). */
#define VIREO_BLK_MAX_SEGS 256
/**
 * Ranges per DISCARD / WRITE_ZEROES request we send at most (the device may
 * take more): each slot keeps room for them in its command memory, 16 bytes
 * a range.
 */
#define VIREO_BLK_MAX_RANGES 16
/** Largest transfer: keeps every chain's byte count well inside 32 bits. */
#define VIREO_BLK_MAX_TRANSFER (1u << 30)
/** Required alignment of a segment's IOVA (the block layer's usual 512). */
#define VIREO_BLK_SEG_ALIGN 512
/** Status byte value the driver writes before submitting: never a device answer. */
#define VIREO_BLK_STATUS_UNSET 0xff
/**
 * Largest DMA region of indirect tables: half a 2 MiB hugepage, so the
 * region and its heap element header fit in one page (IOVA as PA gives no
 * contiguity across pages).
 */
#define VIREO_BLK_TABLE_CHUNK (1u << 20)
/**
 * While a queue waits for completions that do not come, the device status
 * is read at most this often: DEVICE_NEEDS_RESET (or a device gone, a
 * vhost-user backend that died) breaks the queue instead of a hang.
 */
#define VIREO_BLK_STATUS_PERIOD_MS 100

extern int vireo_blk_logtype;
#define VIREO_BLK_LOG(level, blk, fmt, ...)                                                  \
	rte_log(RTE_LOG_##level, vireo_blk_logtype, "blk_vireo: %s: " fmt "\n", (blk)->name, \
		##__VA_ARGS__)

/** What the config space says, checked (fallbacks applied). */
struct vireo_blk_geom {
	uint64_t capacity_sectors;
	uint64_t capacity_blocks;
	uint32_t blk_size;
	uint8_t sector_shift; /**< log2(blk_size / 512). */
	uint32_t physical_block_size;
	uint32_t min_io_blocks;
	uint32_t opt_io_blocks;
	uint16_t max_segments; /**< Data segments per request. */
	uint32_t max_segment_size;
	uint32_t max_transfer_blocks;
	uint32_t max_discard_blocks; /**< 0: no discard. */
	uint32_t max_discard_seg;    /**< Ranges per request (the device's, capped). */
	uint32_t discard_align_blocks;
	uint32_t max_wz_blocks; /**< 0: no write-zeroes. */
	uint32_t max_wz_seg;    /**< Ranges per request (the device's, capped). */
	bool wz_may_unmap;
	bool read_only;
	bool writeback;    /**< The device's write cache mode (CONFIG_WCE: its config). */
	bool wce_settable; /**< CONFIG_WCE negotiated: the mode can be switched. */
	uint16_t num_queues;
	uint16_t queue_size; /**< Ring size each queue gets (the device maximum). */
	uint16_t max_depth;
	uint32_t ops; /**< VBLK_OP_BIT mask. */
};

/** Per-request driver memory shared with the device (one per slot, in a vio_dma region). */
struct vireo_blk_cmd {
	struct vio_blk_req_hdr hdr;
	struct vio_blk_discard_wz range;
	uint8_t status;
} __rte_aligned(64);

struct vireo_blk;

/** One request queue. */
struct vireo_blkq {
	struct vireo_blk *blk;
	struct vio_vq *vq;   /**< NULL while stopped. */
	uint64_t *doorbells; /**< The library's counter for this queue. */
	uint16_t qid;
	uint16_t depth;       /**< Requests accepted and not yet dequeued, at most. */
	uint16_t outstanding; /**< In flight on the device plus failed awaiting dequeue. */
	bool indirect;
	uint8_t sector_shift;
	uint16_t nfree;
	uint16_t *free_slots;
	struct vblk_req **slot_req;
	struct vio_dma_region *dma; /**< cmds */
	/*
	 * One command per slot, cmd_stride bytes apart: the struct, then (when
	 * the device takes several ranges) room for VIREO_BLK_MAX_RANGES more.
	 */
	uint8_t *cmds;
	uint64_t cmds_iova;
	uint32_t cmd_stride;
	/*
	 * Indirect tables, in regions of at most VIREO_BLK_TABLE_CHUNK bytes:
	 * with IOVA as PA nothing larger than a hugepage is sure to be
	 * IOVA-contiguous (1024 slots of 258 descriptors are 4 MiB).
	 */
	struct vio_dma_region **table_dma;
	uint16_t nb_table_dma;
	uint16_t tables_per_chunk;
	uint32_t table_len; /**< Descriptors per table. */
	/* Requests the driver completed itself (-EIO), FIFO of failed_mask + 1. */
	struct vblk_req **failed;
	uint32_t failed_mask;
	uint32_t failed_head, failed_tail;
	struct vio_sg *sg;           /**< Scratch: max_segments + 3. */
	uint64_t broken;             /**< Times this queue broke. */
	uint64_t next_status_tsc;    /**< Next device status read while idle with requests out. */
	uint32_t status_events_seen; /**< vireo_blk::status_events at the last status read. */
};

struct vireo_blk {
	char name[64];
	struct vio_dev *vdev;
	struct vio_pci_dev pci; /**< The PCI transport when probed over PCI. */
	struct vblk_dev *bdev;
	uint64_t features; /**< Negotiated at creation; every start must get the same. */
	struct vireo_blk_geom geom;
	int socket;
	uint16_t nb_queues;
	uint16_t depth;
	struct vireo_blkq **q;
	bool running;
	bool intr;         /**< Completion interrupts configured (vblk_dev_conf.intr). */
	bool dead;         /**< A reset did not complete: memory quarantined, no more I/O. */
	bool owned;        /**< Allocated by vireo_blk_create*(): freed at release. */
	int8_t wce_wanted; /**< Cache mode the application chose (-1: the device's), kept over resets. */
	/**
	 * The transport's status events (a vhost-user backend hung up), counted
	 * on the EAL interrupt thread: a queue waiting for completions reads
	 * the status at its next empty poll, not up to 100 ms later (atomic).
	 */
	uint32_t status_events;
	bool event_intr; /**< Status events enabled while running. */
};

/* vireo_blk_dev.c */
int vireo_blk_attach(struct vireo_blk *blk, struct vio_dev *vdev, const char *name, int socket);
uint64_t vireo_blk_wanted_features(void);

/* vireo_blk_io.c */
int vireo_blkq_alloc(struct vireo_blk *blk, uint16_t qid, uint16_t depth, int socket,
		     struct vireo_blkq **out);
void vireo_blkq_free(struct vireo_blkq *q);
int vireo_blkq_start(struct vireo_blkq *q);
/** Device reset completed: take every request back (-EIO) and free the ring. */
void vireo_blkq_stop(struct vireo_blkq *q);
/** Reset failed: fail the requests, quarantine ring and commands (never freed). */
void vireo_blkq_quarantine(struct vireo_blkq *q);
uint16_t vireo_blk_enqueue(void *qpriv, struct vblk_req **reqs, uint16_t n);
uint16_t vireo_blk_dequeue(void *qpriv, struct vblk_req **done, uint16_t n);

#endif /* VIREO_BLK_H */
