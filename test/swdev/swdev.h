/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * swdev: a software virtio device for host tests.
 *
 * A struct swdev embeds a struct vio_dev whose ops implement the transport
 * contract of vio_dev.h in plain memory: status register, 64-bit feature
 * words, device config with a generation counter, N queues. Its device
 * side consumes the avail ring and writes the used ring like a real
 * device, either one step at a time (swdev_process()) or from a polling
 * thread (swdev_thread_start()), through a per-queue handler.
 *
 * The model is a strict observer of the driver: it validates every value
 * the driver writes (status transitions, feature subset, config access
 * widths and alignment, ring addresses,
 * avail idx, descriptor chains) and counts violations, so a test can end
 * with assert(swdev_violations(sw) == 0). It is also a liar on demand:
 * fault knobs make it write bogus used ids, lens and idx values, complete
 * out of order, refuse FEATURES_OK or never settle its config generation.
 *
 * Addresses: rings and buffers are in this process and IOVA == VA (EAL in
 * --no-huge IOVA-as-VA mode, or no EAL at all). swdev_queue_setup refuses
 * to run when EAL is up in IOVA-as-PA mode.
 *
 * Notifications: by default the device side sees every avail entry the
 * driver published, as a device that polls its rings would. In notify-only
 * mode (swdev_set_notify_only()) it sees only the entries published before
 * the driver's last notification of that queue (or before the device set
 * VIO_USED_F_NO_NOTIFY, after which it polls that queue): a driver that
 * forgets a kick then stalls, as it would on a device that sleeps until
 * notified.
 *
 * Threading: the driver side (ops) may run on one thread while the device
 * side (swdev_process or the swdev thread) runs on another. Device-side
 * calls for one swdev are serialised by an internal lock; knobs are meant
 * to be set while the device side is idle (before swdev_thread_start(), or
 * between swdev_process() calls).
 */
#ifndef SWDEV_H
#define SWDEV_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vio_dev.h"
#include "vio_spec.h"

/** Largest device-config area. */
#define SWDEV_CONFIG_MAX 256
/** Status writes remembered by the history. */
#define SWDEV_HISTORY_MAX 64
/** Completions buffered per swdev_process() batch. */
#define SWDEV_BATCH_MAX 256

/** Config accesses remembered by swdev_config_log(). */
#define SWDEV_CFG_LOG_MAX 128
/** The notify data swdev hands out at queue setup and checks on notify. */
#define SWDEV_NOTIFY_DATA(q) (0x5d000000u | (q))

/** One device-config access the driver made. */
struct swdev_cfg_access {
	uint16_t offset;
	uint8_t width; /**< Bytes: 1, 2 or 4 (anything else is a violation). */
	bool write;
};

/** Handler return: leave this chain (and the rest of the queue) for later. */
#define SWDEV_DEFER (-1)

/** One descriptor of a chain as the device sees it. */
struct swdev_seg {
	void *va;
	uint64_t iova;
	uint32_t len;
	bool writable;
	uint16_t desc; /**< Descriptor index. */
};

/** A chain popped from the avail ring (valid only during the handler). */
struct swdev_chain {
	uint16_t head;
	uint16_t nseg;
	uint16_t n_out;   /**< Leading readable segments. */
	uint16_t n_in;    /**< Trailing writable segments. */
	uint32_t out_len; /**< Readable bytes. */
	uint32_t in_len;  /**< Writable bytes. */
	bool indirect;    /**< The chain is one INDIRECT ring descriptor's table. */
	struct swdev_seg *seg;
};

struct swdev;

/**
 * Per-queue device behaviour. Called once per popped chain.
 * @return bytes written into the writable part (the used len, at most
 *         in_len for an honest device), or SWDEV_DEFER.
 */
typedef int64_t (*swdev_handler_t)(struct swdev *sw, uint16_t qidx, const struct swdev_chain *chain,
				   void *arg);

/** Order in which one swdev_process() batch is written to the used ring. */
enum swdev_order {
	SWDEV_ORDER_IN,      /**< Pop order. */
	SWDEV_ORDER_REVERSE, /**< Reverse within each batch. */
	SWDEV_ORDER_SHUFFLE, /**< Seeded random permutation of each batch. */
};

/** One-shot faults, applied to the next completion (or publish). */
enum swdev_fault {
	SWDEV_FAULT_NONE,
	SWDEV_FAULT_USED_ID,        /**< id = value. */
	SWDEV_FAULT_USED_ID_FREE,   /**< id = a descriptor in no in-flight chain. */
	SWDEV_FAULT_USED_ID_MEMBER, /**< id = second descriptor of the chain. */
	SWDEV_FAULT_USED_LEN,       /**< len = value (packed: WRITE set when value != 0). */
	SWDEV_FAULT_USED_LEN_OVER,  /**< len = in_len + value. */
	SWDEV_FAULT_DUP,            /**< The completion is written twice. */
	/** Split: used idx published value too far. Packed: the next used
	 *  descriptor's AVAIL/USED bits say "used in the previous lap" (value 0)
	 *  or are inconsistent (AVAIL != USED, value != 0). */
	SWDEV_FAULT_IDX_JUMP,
	/** Packed: len = value in a used descriptor without WRITE (section
	 *  2.8.4: Element Length reserved, what DPDK's vhost leaves on tx
	 *  completions; a used descriptor with a fault-injected len otherwise
	 *  has WRITE set). Also applied by swdev_push_batch(). Split: as
	 *  SWDEV_FAULT_USED_LEN. */
	SWDEV_FAULT_USED_LEN_RESERVED,
};

/** Kinds of driver misbehaviour the model detects. */
enum swdev_violation {
	SWDEV_V_STATUS,      /**< Bad status transition. */
	SWDEV_V_FEATURES,    /**< Feature write out of order or not a subset. */
	SWDEV_V_CONFIG,      /**< Config access out of range. */
	SWDEV_V_QUEUE_SETUP, /**< Bad queue index, size, address or timing. */
	SWDEV_V_AVAIL_IDX,   /**< avail idx moved by more than the ring size. */
	SWDEV_V_HEAD,        /**< avail entry >= size or a head in flight. */
	SWDEV_V_CHAIN,       /**< next >= size, loop, shared descriptor. */
	SWDEV_V_ORDER,       /**< Readable descriptor after a writable one. */
	SWDEV_V_DESC,        /**< Zero length, bad address, INDIRECT not negotiated or malformed. */
	SWDEV_V_NOTIFY,      /**< Notify of a queue that is not enabled. */
	SWDEV_V_BLK,         /**< virtio-blk request the spec forbids (swdev_handler_blk). */
	SWDEV_V_COUNT
};

/** Device-side state of one queue. */
struct swdev_queue {
	uint16_t max_size; /**< 0: the queue does not exist. */
	bool enabled;
	bool error; /**< Driver violated the ring protocol. */
	struct vio_queue_cfg cfg;
	struct vio_desc *desc;
	struct vio_avail *avail;
	struct vio_used *used;
	uint16_t last_avail;    /**< Next avail entry to pop. */
	uint16_t used_idx;      /**< Shadow of used->idx. */
	uint16_t *owner;        /**< Per descriptor: in-flight head or 0xffff. */
	uint16_t *dnext;        /**< Per descriptor: chain link as popped. */
	uint16_t *chain_len;    /**< Per head: descriptors in the chain. */
	uint32_t *chain_in;     /**< Per head: writable bytes. */
	struct swdev_seg *segs; /**< Scratch for the chain being handled. */
	uint32_t inflight;      /**< Chains popped and not completed. */

	swdev_handler_t handler;
	void *handler_arg;
	enum swdev_order order;
	bool no_notify;
	bool flags_reported; /**< Bad avail flags with EVENT_IDX reported. */
	bool use_doorbell;
	volatile uint16_t doorbell; /**< Doorbell "register" when use_doorbell. */
	int setup_error;            /**< queue_setup fails with this (0: works). */
	enum swdev_fault fault;
	uint32_t fault_value;

	/* Packed ring (VIRTIO_F_RING_PACKED negotiated): swdev_packed.c. */
	bool packed;
	struct vio_packed_desc *pdesc;
	struct vio_packed_event *driver_event; /**< Driver area (driver-written). */
	struct vio_packed_event *device_event; /**< Device area (written here). */
	uint16_t p_avail;                      /**< Next ring position to pop ... */
	bool p_avail_wrap;                     /**< ... and the driver's wrap counter there. */
	uint16_t p_used;  /**< Next ring position to write a used descriptor ... */
	bool p_used_wrap; /**< ... and the used wrap counter. */
	/*
	 * Read and written across threads (ops->notify runs on the driver's),
	 * so each is a position with its wrap counter in bit 15, one atomic
	 * word: a reader never sees a new position with an old wrap counter
	 * (for a full ring, p_notified would then equal p_avail and hide it).
	 */
	uint16_t p_avail_word; /**< p_avail and p_avail_wrap, for the notifier. */
	uint16_t p_notified;   /**< Notify-only: first position no notification covered. */

	uint16_t notified_avail; /**< avail idx at the last notification (atomic). */
	uint64_t notifies;       /**< ops->notify calls (atomic). */
	uint64_t interrupts;     /**< Used-buffer notifications sent (atomic). */
	int intr_fd;             /**< eventfd written per interrupt (-1: none). */
	bool intr_requested;     /**< Driver asked for interrupts at queue setup. */
	uint64_t popped;         /**< Chains popped. */
	uint64_t completed;      /**< Used entries written. */
	uint64_t batched;        /**< Chains in in-order batches, no entry of their own (atomic). */
};

/** Creation parameters. */
struct swdev_params {
	const char *name;
	uint64_t features; /**< Offered device features. */
	uint16_t num_queues;
	uint16_t queue_max_size; /**< For every queue (0: 256). */
	size_t config_len;       /**< <= SWDEV_CONFIG_MAX. */
	const void *config;      /**< Initial config (NULL: zeroes). */
};

/** The software device. Fields are for inspection; prefer the helpers. */
struct swdev {
	struct vio_dev vdev; /**< Bound to SWDEV_TRANSPORT_ID (swdev_transport_ops). */
	uint64_t device_features;
	uint64_t driver_features;
	uint8_t status;               /**< Atomic. */
	bool features_ok_accept;      /**< FEATURES_OK policy (default true). */
	bool reset_fail;              /**< reset op reports -EIO (the device keeps running). */
	unsigned int reset_fail_skip; /**< Resets that still complete before reset_fail bites. */
	bool notify_only;             /**< Device sees avail entries only once notified. */
	bool strict_dma;              /**< Buffers must be EAL memory. */

	uint8_t config[SWDEV_CONFIG_MAX];
	size_t config_len;
	uint8_t generation;
	int config_flaps; /**< Reads that tear (-1: forever). */
	unsigned int config_reads;
	unsigned int generation_reads;
	struct swdev_cfg_access cfg_log[SWDEV_CFG_LOG_MAX];
	unsigned int cfg_log_len; /**< Entries used (stops at the maximum). */

	uint8_t history[SWDEV_HISTORY_MAX];
	unsigned int history_len;

	uint16_t num_queues;
	struct swdev_queue *q;

	uint64_t rng; /**< For SWDEV_ORDER_SHUFFLE. */
	unsigned int violations[SWDEV_V_COUNT];
	unsigned int violations_total;
	char last_violation[192];
	bool quiet; /**< Do not print violations to stderr. */

	pthread_mutex_t lock; /**< Serialises the device side. */
	pthread_t thread;
	bool thread_running;
	bool thread_stop; /**< Atomic. */
	uint64_t thread_loops;
};

extern const struct vio_transport_ops swdev_transport_ops;

/** swdev's transport id (vio_dev.h): the first one left to other transports. */
#define SWDEV_TRANSPORT_ID VIO_TRANSPORT_OTHER

/**
 * Create a device. With VIREO_SWDEV_PACKED=1 in the environment a device
 * offering VERSION_1 also offers VIRTIO_F_RING_PACKED.
 * @return NULL on bad parameters or no memory.
 */
struct swdev *swdev_create(const struct swdev_params *p);
/** Stop the thread (if any) and free everything. */
void swdev_destroy(struct swdev *sw);

static inline struct vio_dev *
swdev_vdev(struct swdev *sw)
{
	return &sw->vdev;
}

static inline struct swdev *
swdev_from_vdev(struct vio_dev *dev)
{
	return (struct swdev *)((char *)dev - offsetof(struct swdev, vdev));
}

/* ---- Knobs (set while the device side is idle). ---- */

/** Per-queue maximum size (0: the queue does not exist). */
void swdev_set_queue_max(struct swdev *sw, uint16_t qidx, uint16_t max);
void swdev_set_handler(struct swdev *sw, uint16_t qidx, swdev_handler_t h, void *arg);
void swdev_set_order(struct swdev *sw, uint16_t qidx, enum swdev_order order, uint64_t seed);
/** Set or clear VIO_USED_F_NO_NOTIFY (kept across queue setup). */
void swdev_set_no_notify(struct swdev *sw, uint16_t qidx, bool on);
/**
 * Notify-only mode (see the file comment): the device sees avail entries
 * only once the driver notified the queue (unless it set NO_NOTIFY).
 */
void swdev_set_notify_only(struct swdev *sw, bool on);
/**
 * A device whose reset never completes (status never reads back 0): after
 * @p after more resets that complete, every reset fails with -EIO and the
 * device keeps its queues, rings and buffers, still processing them.
 */
void swdev_set_reset_fail(struct swdev *sw, bool on, unsigned int after);
/** Hand out a doorbell address (a plain uint16 in memory) at queue setup. */
void swdev_set_doorbell(struct swdev *sw, uint16_t qidx, bool on);
/** Arm a one-shot fault on a queue. */
void swdev_inject(struct swdev *sw, uint16_t qidx, enum swdev_fault f, uint32_t value);
/** Make the next @p n config reads tear and bump the generation (-1: forever). */
void swdev_set_config_flaps(struct swdev *sw, int n);
/** Device-side config update: writes bytes and bumps the generation. */
void swdev_config_update(struct swdev *sw, size_t off, const void *buf, size_t len);

/**
 * Device error (like QEMU's virtio_error()): set DEVICE_NEEDS_RESET, bump
 * the config generation, and stop processing every queue (swdev_pop and
 * swdev_process return -ENODEV) until the driver resets the device.
 */
void swdev_set_needs_reset(struct swdev *sw);

/* ---- Observation. ---- */

/**
 * Copy the device-config accesses (offset, width, read or write) the
 * driver made since creation or the last swdev_config_log_clear(), oldest
 * first. @return entries copied.
 */
unsigned int swdev_config_log(const struct swdev *sw, struct swdev_cfg_access *out,
			      unsigned int max);
void swdev_config_log_clear(struct swdev *sw);

uint8_t swdev_status(const struct swdev *sw);
/** Copy the status writes seen since creation (reset writes 0). */
unsigned int swdev_status_history(const struct swdev *sw, uint8_t *out, unsigned int max);
void swdev_clear_history(struct swdev *sw);
uint64_t swdev_notify_count(const struct swdev *sw, uint16_t qidx);
/**
 * Used-buffer notifications ("interrupts") the device sent on a queue: at
 * each publish of used entries, as sections 2.7.7 / 2.7.10 say, unless the
 * driver suppressed them (VIRTQ_AVAIL_F_NO_INTERRUPT, or with EVENT_IDX a
 * used_event outside the published batch). Each one is also written to the
 * queue's eventfd, which ops->queue_intr_fd hands out when the driver asked
 * for interrupts (vio_dev.queue_intr) before setting the queue up.
 */
uint64_t swdev_interrupt_count(const struct swdev *sw, uint16_t qidx);
unsigned int swdev_violations(const struct swdev *sw);
unsigned int swdev_violations_of(const struct swdev *sw, enum swdev_violation v);
void swdev_clear_violations(struct swdev *sw);
/** Chains popped and not yet completed on a queue. */
uint32_t swdev_inflight(struct swdev *sw, uint16_t qidx);

/* ---- Device side. ---- */

/**
 * Pop up to @p budget chains from queue @p qidx, run the handler on each
 * and write the completions (in the queue's order, with armed faults) to
 * the used ring with one used idx store.
 *
 * @return chains completed (>= 0); -ENODEV when the queue is not enabled
 *         or DRIVER_OK is not set; -EPROTO when the driver violated the
 *         ring protocol (the queue stops until reset).
 */
int swdev_process(struct swdev *sw, uint16_t qidx, unsigned int budget);

/**
 * Low-level device side for handlers that need more than one queue (the
 * loopback handler pops from its peer). Caller holds the device side
 * (called from a handler, or with no concurrent swdev_process).
 *
 * swdev_pop: 0 with *chain filled (segments valid until the next pop on
 * that queue), -EAGAIN when empty, -ENODEV, -EPROTO.
 * swdev_push: write one used entry (honouring armed faults); visible after
 * swdev_publish().
 */
int swdev_pop(struct swdev *sw, uint16_t qidx, struct swdev_chain *chain);
void swdev_push(struct swdev *sw, uint16_t qidx, uint16_t head, uint32_t len);
void swdev_publish(struct swdev *sw, uint16_t qidx);
/**
 * VIRTIO_F_IN_ORDER batching: complete the @p n chains at @p heads (in the
 * order they were made available) with one used entry naming the last, of
 * len @p last_len. Split (section 2.7.9.1): the used idx moves by @p n.
 * Packed (section 2.8.20): one used descriptor at the batch's first
 * position, then the used position skips the whole batch's descriptors.
 * swdev_process() itself completes this way on packed queues when
 * IN_ORDER was negotiated (in-pop-order queues, no fault armed).
 */
void swdev_push_batch(struct swdev *sw, uint16_t qidx, const uint16_t *heads, uint16_t n,
		      uint32_t last_len);
/** Avail entries the device can pop now (notify-only mode honoured). Device side. */
uint16_t swdev_avail_pending(struct swdev *sw, uint16_t qidx);

/** Copy readable bytes [off, off+len) of a chain into @p buf. @return bytes copied. */
size_t swdev_chain_read(const struct swdev_chain *c, size_t off, void *buf, size_t len);
/** Copy @p buf into the writable bytes [off, off+len) of a chain. @return bytes copied. */
size_t swdev_chain_write(const struct swdev_chain *c, size_t off, const void *buf, size_t len);

/**
 * Start a thread polling every enabled queue (budget 64 each) until
 * swdev_thread_stop(). @p cpu >= 0 pins it; < 0 lets it run on any CPU.
 * @return 0 or -errno.
 */
int swdev_thread_start(struct swdev *sw, int cpu);
void swdev_thread_stop(struct swdev *sw);

/* ---- Handlers. ---- */

/** Default: copy the readable bytes into the writable ones; len = bytes copied. */
int64_t swdev_handler_echo(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg);
/** Consume (tx-like): len 0. */
int64_t swdev_handler_sink(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg);
/** Fill every writable byte with (uint8_t)(uintptr_t)arg; len = in_len. */
int64_t swdev_handler_fill(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg);

/**
 * NIC-like loopback: a chain on this queue (tx) is copied into the next
 * chain of queue peer (rx), which completes with the bytes copied; the tx
 * chain completes with len 0. Defers when the peer has no buffer.
 * @p arg is a struct swdev_loopback.
 */
struct swdev_loopback {
	uint16_t peer;
	uint64_t copied;    /**< Packets moved. */
	uint64_t truncated; /**< Packets longer than the rx buffer. */
};
int64_t swdev_handler_loopback(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c,
			       void *arg);

/**
 * virtio-blk device model (section 5.2): a readable struct vio_blk_req_hdr,
 * data, one writable status byte last. IN, OUT, FLUSH, GET_ID, DISCARD and
 * WRITE_ZEROES on a RAM disk; anything else is answered UNSUPP. @p arg is a
 * struct swdev_blk.
 *
 * It checks the driver's side of section 5.2.6.1 and records a violation
 * (SWDEV_V_BLK) for a request beyond capacity, data not a multiple of 512,
 * FLUSH with a sector, GET_ID not 20 bytes, too many or too big segments
 * (seg_max / size_max when set), too many discard / write-zeroes ranges or
 * sectors, an op whose feature was not negotiated, or a write while RO was
 * negotiated. Such requests are still answered (IOERR or UNSUPP), as a
 * real device would.
 *
 * Zero-initialised fields keep the old behaviour: no limits enforced.
 */
struct swdev_blk {
	uint8_t *disk;
	uint64_t capacity; /**< Sectors of VIO_BLK_SECTOR_SIZE. */
	bool read_only;
	uint32_t seg_max;  /**< Data segments per request (0: no limit). */
	uint32_t size_max; /**< Bytes per data segment (0: no limit). */
	uint32_t max_discard_sectors, max_discard_seg;
	uint32_t max_write_zeroes_sectors, max_write_zeroes_seg;
	char id[VIO_BLK_ID_BYTES]; /**< GET_ID answer ("" : "swdev-blk"). */

	/* Faults (device side idle when set). */
	bool hold;                /**< Defer every request: the ring fills up. */
	unsigned int no_status;   /**< The next N requests complete without a status byte. */
	uint8_t force_status;     /**< Answer this status ... */
	unsigned int force_count; /**< ... to the next N requests (no data moved). */
	unsigned int lie_len;     /**< The next N completions report used len 0. */

	/* Observations. */
	uint64_t requests;
	uint64_t errors;        /**< Requests answered IOERR / UNSUPP. */
	uint64_t by_type[16];   /**< Requests by type (>= 15 counted at 15). */
	uint64_t unmap_zeroes;  /**< WRITE_ZEROES with the UNMAP flag. */
	uint32_t max_data_segs; /**< Most data segments seen in one request. */
	bool last_indirect;     /**< The last request came as an indirect table. */
	struct vio_blk_req_hdr last_hdr;
	struct vio_blk_discard_wz last_range;
};
int64_t swdev_handler_blk(struct swdev *sw, uint16_t qidx, const struct swdev_chain *c, void *arg);

/** Parameters of swdev_blk_create(): the device's config and features. */
struct swdev_blk_params {
	const char *name;          /**< NULL: "swdev-blk". */
	uint64_t features;         /**< Offered; 0: SWDEV_BLK_FEATURES. */
	uint64_t capacity;         /**< 512-byte sectors (0: 2048, 1 MiB). */
	uint16_t num_queues;       /**< Config num_queues and queues made (0: 1). */
	uint16_t queue_max_size;   /**< 0: 256. */
	size_t config_len;         /**< 0: VIO_BLK_CONFIG_LEN (every field up to write-zeroes). */
	struct vio_blk_config cfg; /**< Fields other than capacity/num_queues; zero: defaults. */
	bool read_only;            /**< Offer VIO_BLK_F_RO and refuse writes. */
};

/** Features swdev_blk_create() offers by default. */
#define SWDEV_BLK_FEATURES                                                                        \
	(VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_INDIRECT_DESC) | VIO_BIT(VIO_BLK_F_SIZE_MAX) |  \
	 VIO_BIT(VIO_BLK_F_SEG_MAX) | VIO_BIT(VIO_BLK_F_GEOMETRY) | VIO_BIT(VIO_BLK_F_BLK_SIZE) | \
	 VIO_BIT(VIO_BLK_F_FLUSH) | VIO_BIT(VIO_BLK_F_TOPOLOGY) | VIO_BIT(VIO_BLK_F_CONFIG_WCE) | \
	 VIO_BIT(VIO_BLK_F_MQ) | VIO_BIT(VIO_BLK_F_DISCARD) | VIO_BIT(VIO_BLK_F_WRITE_ZEROES) |   \
	 VIO_BIT(VIO_F_EVENT_IDX))

/**
 * Make a virtio-blk device: config from @p p (defaults: blk_size 512,
 * seg_max 126, size_max 1 MiB, discard and write-zeroes 32768 sectors in
 * 1 range, writeback 1), a zeroed RAM disk, the blk handler on every queue
 * with @p blk as its argument (filled here; the caller owns the struct).
 * @return the device, or NULL.
 */
struct swdev *swdev_blk_create(const struct swdev_blk_params *p, struct swdev_blk *blk);

/** Destroy the device and free the RAM disk. */
void swdev_blk_destroy(struct swdev *sw, struct swdev_blk *blk);

#endif /* SWDEV_H */
