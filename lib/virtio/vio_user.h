/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * vhost-user frontend transport: a virtio device whose device side is a
 * vhost-user backend process (DPDK's vhost library, qemu-storage-daemon...)
 * reached over a unix socket. Drivers see the same vio_dev as over PCI; the
 * device status, and the config fields the backend does not serve, are
 * emulated here.
 *
 * Memory: the backend maps this process's EAL memory through the file
 * descriptors of its memory segments (SET_MEM_TABLE), so the memory must be
 * file-backed and shareable (hugepages with --single-file-segments, or
 * --in-memory), and addresses handed to the device are virtual addresses:
 * EAL must run in IOVA-as-VA mode.
 *
 * Primary process only: the socket and eventfds are process-local.
 */
#ifndef VIO_USER_H
#define VIO_USER_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/un.h>

#include "vio_dev.h"

/** Most queues a vhost-user device may have here (16 pairs + control). */
#define VIO_USER_MAX_QUEUES 33
/** Size of the emulated/fetched device-config area. */
#define VIO_USER_CONFIG_MAX 64
/** Memory regions per SET_MEM_TABLE (the protocol's baseline limit). */
#define VIO_USER_MAX_REGIONS 8

struct vio_user_dev;
struct vu_event_watch;

/**
 * Frontend-emulated queue (e.g. virtio-net's control queue, which
 * vhost-user backends leave to the frontend): called on each notify of
 * that queue, from the thread that notified.
 */
typedef void (*vio_user_emu_notify_t)(struct vio_user_dev *u, uint16_t index, void *arg);

/**
 * Called after each GET_CONFIG with the config the backend sent, before
 * the driver sees it: the frontend rewrites the fields it decides itself
 * (QEMU's vhost-user-blk frontend, too, presents its own num_queues).
 */
typedef void (*vio_user_config_fixup_t)(struct vio_user_dev *u, uint8_t *config, size_t len);

/** Parameters of vio_user_dev_init(). */
struct vio_user_params {
	const char *path; /**< Backend's unix socket. */
	/**
	 * Server mode: listen on @p path and let the backend connect (a backend
	 * in client mode, e.g. DPDK's net_vhost with client=1, reconnects by
	 * itself after a restart). Default: connect to the backend's socket.
	 */
	bool server;
	/** Server mode: how long init waits for the first backend (ms). */
	unsigned int server_wait_ms;
	/**
	 * Queues the device exposes (incl. emulated); 0: the backend's
	 * GET_QUEUE_NUM answer (MQ protocol feature; else 1), at most
	 * VIO_USER_MAX_QUEUES, for devices where it counts queues (virtio-blk;
	 * virtio-net backends count pairs).
	 */
	uint16_t num_queues;
	uint16_t queue_size; /**< Largest queue size offered to the driver. */
	/** Feature bits the frontend implements itself, offered with the backend's. */
	uint64_t frontend_features;
	/**
	 * Backend feature bits never offered to the driver (features whose
	 * device side is the frontend's, e.g. the control queue, config fields).
	 */
	uint64_t backend_features_hidden;
	/** Initial device config (used where the backend has no GET_CONFIG). */
	const void *config;
	size_t config_len; /**< At most VIO_USER_CONFIG_MAX. */
	int emu_queue;     /**< Queue emulated in the frontend, or -1. */
	vio_user_emu_notify_t emu_notify;
	void *emu_arg;
	vio_user_config_fixup_t config_fixup; /**< Optional. */
	/**
	 * How to start a backend on this socket, named in the error when
	 * nobody listens there (e.g. "dpdk-testpmd --vdev net_vhost0,iface=SOCK");
	 * NULL: a generic line.
	 */
	const char *backend_hint;
};

/** A backend region as sent in SET_MEM_TABLE. */
struct vio_user_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
	int fd;
};

/** Per-queue frontend state. */
struct vio_user_vq {
	int kickfd; /**< eventfd, -1 when the queue is not set up. */
	/**
	 * Interrupt mode (vio_dev.queue_intr at setup): the ring's own call
	 * eventfd, the queue's interrupt fd. Created at the first such setup
	 * and kept until fini, so an application's epoll registration stays
	 * valid across resets and reconnects (each setup sends it again).
	 */
	int intr_fd;
	bool intr;                /**< Set up with intr_fd as its call fd. */
	bool enabled;             /**< SET_VRING_ENABLE 1 sent. */
	uint16_t emu_last_avail;  /**< Emulated queue: next avail slot to serve. */
	struct vio_queue_cfg cfg; /**< As set up (addresses are virtual). */
};

/** vhost-user frontend device. Process-local state (fds). */
struct vio_user_dev {
	struct vio_dev vdev; /**< Bound to VIO_TRANSPORT_USER. */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	pthread_mutex_t lock; /**< Serialises message exchanges. */
	int sock;             /**< Connected socket or -1. */
	bool server;          /**< Server mode: we listen, the backend connects. */
	int listen_fd;        /**< Server mode, waiting for a backend: listening socket. */
	/**
	 * eventfd given as every ring's call fd (unless the ring has its own
	 * in interrupt mode) and never read. We poll, but
	 * libvhost-user (qemu-storage-daemon) signals the first completion with
	 * EVENT_IDX whatever SET_VRING_CALL said, and panics on a missing fd.
	 */
	int callfd;
	unsigned int server_wait_ms;
	bool dead_logged;
	/** Bumped at each connection: an event watch belongs to one. */
	uint32_t conn_gen;
	/**
	 * The socket watched from the EAL interrupt thread while the driver
	 * asked for status events (event_intr_enable), else NULL.
	 */
	struct vu_event_watch *event_watch;
	bool mem_added_logged;      /**< Memory added after start was reported. */
	bool mem_event_registered;  /**< EAL memory event callback in place. */
	uint8_t status;             /**< Emulated device status. */
	uint64_t backend_features;  /**< GET_FEATURES, incl. PROTOCOL_FEATURES. */
	uint64_t protocol_features; /**< Negotiated. */
	uint64_t frontend_features;
	uint64_t backend_hidden;  /**< Backend bits not offered to the driver. */
	uint64_t driver_features; /**< Accepted by the driver. */
	uint16_t backend_queues;  /**< GET_QUEUE_NUM answer (MQ), else 0. */
	uint16_t num_queues;
	uint16_t queue_size;
	uint16_t active_pairs; /**< Pairs enabled (net multiqueue), 0 = all. */
	uint8_t config[VIO_USER_CONFIG_MAX];
	size_t config_len;
	uint8_t config_generation;
	int emu_queue;
	vio_user_emu_notify_t emu_notify;
	void *emu_arg;
	vio_user_config_fixup_t config_fixup;
	const char *backend_hint; /**< Static string (params). */
	bool config_from_backend; /**< config came from GET_CONFIG. */
	unsigned int nr_regions;  /**< Last memory table sent since reset. */
	struct vio_user_region regions[VIO_USER_MAX_REGIONS];
	struct vio_user_vq vqs[VIO_USER_MAX_QUEUES];
};

/**
 * Connect to the backend at @p params->path, negotiate the vhost-user
 * protocol and bind @p u's vio_dev to the vhost-user transport.
 *
 * In server mode, creates the socket (a stale socket file nobody listens on
 * is replaced) and waits up to @p params->server_wait_ms for a backend.
 *
 * @return 0; -EINVAL bad parameters; -ENOTSUP IOVA mode is not VA or the
 *         process is not the primary; -ENOENT/-ECONNREFUSED no backend on
 *         the socket (logged with the fix); -EPROTO a malformed reply;
 *         server mode: -EADDRINUSE someone listens on the path already,
 *         -EEXIST the path is not a socket, -ETIMEDOUT no backend came.
 */
int vio_user_dev_init(struct vio_user_dev *u, const struct vio_user_params *params);

/**
 * Close the connection and every fd (server mode: remove the socket file).
 * The device is unusable afterwards.
 */
void vio_user_dev_fini(struct vio_user_dev *u);

/** True while the backend connection is up. */
bool vio_user_connected(struct vio_user_dev *u);

/**
 * Enable the first @p pairs queue pairs (queues 0 .. 2*pairs-1) with the
 * backend and disable the other set-up ones (virtio-net VQ_PAIRS_SET).
 * @return 0 or a negative errno.
 */
int vio_user_set_active_pairs(struct vio_user_dev *u, uint16_t pairs);

/**
 * Queue @p index as set up by the driver (for an emulated queue), or NULL.
 * @p last_avail (optional) receives the emulated queue's next avail slot,
 * reset to 0 at each setup.
 */
const struct vio_queue_cfg *vio_user_queue_cfg(struct vio_user_dev *u, uint16_t index,
					       uint16_t **last_avail);

/**
 * The backend's GET_QUEUE_NUM answer when it negotiated the MQ protocol
 * feature, else 0 (one queue pair, or the device's fixed queues). Its unit
 * is device-specific: virtio-net backends (DPDK, QEMU) count queue pairs.
 */
uint16_t vio_user_backend_queue_num(const struct vio_user_dev *u);

/**
 * True when the device config is the backend's (the CONFIG protocol
 * feature was negotiated and GET_CONFIG answered), false when it is the
 * frontend's params.config.
 */
bool vio_user_config_from_backend(const struct vio_user_dev *u);

/**
 * Compute the memory table of this process's EAL memory (file-backed
 * segments, merged where contiguous in address and file).
 *
 * @return number of regions; -ENOTSUP memory is not file-backed; -E2BIG
 *         more than @p max regions.
 */
int vio_user_memory_regions(struct vio_user_region *regions, unsigned int max);

/* ---- Devargs of vhost-user vdevs (vio_user_devargs.c) ---- */

struct rte_kvargs;

/** server_wait= default (seconds). */
#define VIO_USER_DEFAULT_SERVER_WAIT_S 30
/** server_wait= maximum (seconds). */
#define VIO_USER_MAX_SERVER_WAIT_S 3600

/** The devargs every vhost-user vdev takes. */
struct vio_user_devargs {
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)]; /**< path= (required). */
	uint16_t queues;      /**< queues=; the caller's default when absent. */
	uint16_t queue_size;  /**< queue_size= (power of two 64..32768); default likewise. */
	uint16_t server;      /**< server= 0|1 (default 0): we listen, the backend connects. */
	uint16_t server_wait; /**< server_wait= seconds the probe waits for a backend (30). */
	uint16_t packed;      /**< packed= 0|1 (default 1): use packed rings when offered. */
	uint16_t event_idx;   /**< event_idx= 0|1 (default 1): use EVENT_IDX when offered. */
};

/**
 * Parse vdev @p name's devargs @p args against @p keys (NULL-terminated:
 * "path", "queues", "queue_size", "server", "server_wait", "packed", "event_idx" and the driver's
 * own) and check the
 * common ones; @p a holds the defaults of queues and queue_size on entry.
 * Errors are logged naming the devarg and its range.
 *
 * @param max_queues Largest queues= accepted.
 * @param kvp        Receives the parsed list for the driver's own keys
 *                   (rte_kvargs_free() it); NULL on error.
 * @return 0 or -EINVAL.
 */
int vio_user_devargs_parse(const char *name, const char *args, const char *const *keys,
			   uint16_t max_queues, struct vio_user_devargs *a,
			   struct rte_kvargs **kvp);

#endif /* VIO_USER_H */
