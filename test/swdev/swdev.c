/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * swdev: the transport side (struct vio_transport_ops), knobs and
 * observation helpers. The device side (rings) is in swdev_ring.c.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <rte_byteorder.h>
#include <rte_eal.h>
#include <rte_memory.h>

#include "swdev.h"
#include "swdev_internal.h"
#include "swdev_packed.h"

static const char *const violation_names[SWDEV_V_COUNT] = {
	[SWDEV_V_STATUS] = "status",
	[SWDEV_V_FEATURES] = "features",
	[SWDEV_V_CONFIG] = "config",
	[SWDEV_V_QUEUE_SETUP] = "queue-setup",
	[SWDEV_V_AVAIL_IDX] = "avail-idx",
	[SWDEV_V_HEAD] = "head",
	[SWDEV_V_CHAIN] = "chain",
	[SWDEV_V_ORDER] = "order",
	[SWDEV_V_DESC] = "desc",
	[SWDEV_V_NOTIFY] = "notify",
	[SWDEV_V_BLK] = "blk",
};

void
swdev_violation(struct swdev *sw, enum swdev_violation v, const char *fmt, ...)
{
	va_list ap;

	__atomic_fetch_add(&sw->violations[v], 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&sw->violations_total, 1, __ATOMIC_RELAXED);
	va_start(ap, fmt);
	vsnprintf(sw->last_violation, sizeof(sw->last_violation), fmt, ap);
	va_end(ap);
	if (!sw->quiet)
		fprintf(stderr, "swdev %s: driver violation (%s): %s\n", sw->vdev.name,
			violation_names[v], sw->last_violation);
}

bool
swdev_eal_iova_va(void)
{
	/* Before rte_eal_init() the mode reads RTE_IOVA_DC: no EAL, VA only. */
	return rte_eal_iova_mode() != RTE_IOVA_PA;
}

bool
swdev_dma_ok(const struct swdev *sw, uint64_t iova, uint64_t len)
{
	if (iova == 0 || len == 0 || iova + len < iova)
		return false;
	if (!sw->strict_dma)
		return true;
	return rte_mem_virt2memseg((void *)(uintptr_t)iova, NULL) != NULL &&
	       rte_mem_virt2memseg((void *)(uintptr_t)(iova + len - 1), NULL) != NULL;
}

static struct swdev *
to_sw(struct vio_dev *dev)
{
	return swdev_from_vdev(dev);
}

static void
history_add(struct swdev *sw, uint8_t status)
{
	if (sw->history_len < SWDEV_HISTORY_MAX)
		sw->history[sw->history_len++] = status;
}

/* Section 2.4: writing 0 resets the device and every queue. */
static void
device_reset(struct swdev *sw)
{
	uint16_t i;

	pthread_mutex_lock(&sw->lock);
	__atomic_store_n(&sw->status, 0, __ATOMIC_RELEASE);
	sw->driver_features = 0;
	for (i = 0; i < sw->num_queues; i++)
		swdev_queue_clear(sw, i);
	pthread_mutex_unlock(&sw->lock);
}

static int
op_reset(struct vio_dev *dev)
{
	struct swdev *sw = to_sw(dev);

	history_add(sw, 0);
	if (sw->reset_fail) {
		if (sw->reset_fail_skip == 0)
			return -EIO; /* A device that never reads back 0. */
		sw->reset_fail_skip--;
	}
	device_reset(sw);
	return 0;
}

static uint8_t
op_get_status(struct vio_dev *dev)
{
	return __atomic_load_n(&to_sw(dev)->status, __ATOMIC_ACQUIRE);
}

/* Driver sets FEATURES_OK: the device accepts or refuses the feature set. */
static uint8_t
features_ok(struct swdev *sw, uint8_t status)
{
	if (!(status & VIO_STATUS_DRIVER))
		swdev_violation(sw, SWDEV_V_STATUS, "FEATURES_OK before DRIVER (0x%02x)", status);
	if (sw->driver_features & ~sw->device_features) {
		swdev_violation(sw, SWDEV_V_FEATURES,
				"driver features 0x%016llx not offered (0x%016llx)",
				(unsigned long long)sw->driver_features,
				(unsigned long long)sw->device_features);
		return status & ~VIO_STATUS_FEATURES_OK;
	}
	if (!sw->features_ok_accept)
		return status & ~VIO_STATUS_FEATURES_OK;
	return status;
}

static void
op_set_status(struct vio_dev *dev, uint8_t status)
{
	struct swdev *sw = to_sw(dev);
	uint8_t old = __atomic_load_n(&sw->status, __ATOMIC_ACQUIRE);
	uint8_t added = status & ~old;

	history_add(sw, status);
	if (status == 0) {
		device_reset(sw);
		return;
	}
	if ((old & ~VIO_STATUS_DEVICE_NEEDS_RESET) & ~status)
		swdev_violation(sw, SWDEV_V_STATUS, "status bits cleared: 0x%02x -> 0x%02x", old,
				status);
	if (added & VIO_STATUS_DEVICE_NEEDS_RESET)
		swdev_violation(sw, SWDEV_V_STATUS, "driver set DEVICE_NEEDS_RESET");
	if ((added & VIO_STATUS_DRIVER) && !(status & VIO_STATUS_ACKNOWLEDGE))
		swdev_violation(sw, SWDEV_V_STATUS, "DRIVER without ACKNOWLEDGE");
	if (added & VIO_STATUS_FEATURES_OK)
		status = features_ok(sw, status);
	if ((added & VIO_STATUS_DRIVER_OK) && !(old & VIO_STATUS_FEATURES_OK))
		swdev_violation(sw, SWDEV_V_STATUS, "DRIVER_OK without FEATURES_OK (0x%02x)", old);
	/* Release: queue setup done before DRIVER_OK is seen by the device thread. */
	__atomic_store_n(&sw->status, status, __ATOMIC_RELEASE);
}

static uint64_t
op_get_features(struct vio_dev *dev)
{
	return to_sw(dev)->device_features;
}

static void
op_set_features(struct vio_dev *dev, uint64_t features)
{
	struct swdev *sw = to_sw(dev);
	uint8_t st = swdev_status(sw);

	if (!(st & VIO_STATUS_DRIVER) || (st & VIO_STATUS_FEATURES_OK))
		swdev_violation(sw, SWDEV_V_FEATURES, "features written in status 0x%02x", st);
	sw->driver_features = features;
}

static uint8_t
op_config_generation(struct vio_dev *dev)
{
	struct swdev *sw = to_sw(dev);

	sw->generation_reads++;
	return __atomic_load_n(&sw->generation, __ATOMIC_ACQUIRE);
}

static bool
config_in_range(struct swdev *sw, size_t off, size_t len, const char *what)
{
	if (off > sw->config_len || len > sw->config_len - off) {
		swdev_violation(sw, SWDEV_V_CONFIG, "%s [%zu, +%zu) beyond config (%zu bytes)",
				what, off, len, sw->config_len);
		return false;
	}
	return true;
}

/* Remember one config access for swdev_config_log(). */
static void
config_log(struct swdev *sw, size_t off, unsigned int width, bool write)
{
	struct swdev_cfg_access *a;
	/*
	 * Claim a slot atomically: a driver may read config from two threads
	 * (net_vireo's link watch runs on the EAL interrupt thread).
	 */
	unsigned int slot = __atomic_fetch_add(&sw->cfg_log_len, 1, __ATOMIC_RELAXED);

	if (slot >= SWDEV_CFG_LOG_MAX) {
		__atomic_store_n(&sw->cfg_log_len, SWDEV_CFG_LOG_MAX, __ATOMIC_RELAXED);
		return;
	}
	a = &sw->cfg_log[slot];
	a->offset = (uint16_t)off;
	a->width = (uint8_t)width;
	a->write = write;
}

/*
 * Section 4.1.3.1: one access of 1, 2 or 4 bytes, aligned to its width.
 * Accesses outside the config area or of another shape are violations.
 */
static bool
config_access_ok(struct swdev *sw, size_t off, unsigned int width, const char *what)
{
	if (width != 1 && width != 2 && width != 4) {
		swdev_violation(sw, SWDEV_V_CONFIG, "%s of width %u at %zu", what, width, off);
		return false;
	}
	if (off % width != 0) {
		swdev_violation(sw, SWDEV_V_CONFIG, "%s of width %u at unaligned %zu", what, width,
				off);
		return false;
	}
	return config_in_range(sw, off, width, what);
}

static uint32_t
op_read_config(struct vio_dev *dev, size_t off, unsigned int width)
{
	struct swdev *sw = to_sw(dev);
	uint32_t v = 0;

	__atomic_fetch_add(&sw->config_reads, 1, __ATOMIC_RELAXED);
	config_log(sw, off, width, false);
	if (!config_access_ok(sw, off, width, "config read"))
		return 0xeeeeeeee;
	/* The config area is little-endian, as on every virtio 1.x transport. */
	memcpy(&v, &sw->config[off], width);
	v = rte_le_to_cpu_32(v);
	if (sw->config_flaps == 0)
		return v;
	/*
	 * The device changes its config while the driver reads: the value
	 * returned is torn, and the generation moves on.
	 */
	v ^= 0xa5a5a5a5u >> (32 - 8 * width);
	__atomic_fetch_add(&sw->generation, 1, __ATOMIC_RELEASE);
	if (sw->config_flaps > 0)
		sw->config_flaps--;
	return v;
}

static void
op_write_config(struct vio_dev *dev, size_t off, uint32_t val, unsigned int width)
{
	struct swdev *sw = to_sw(dev);
	uint32_t le = rte_cpu_to_le_32(val);

	config_log(sw, off, width, true);
	if (config_access_ok(sw, off, width, "config write"))
		memcpy(&sw->config[off], &le, width);
}

static size_t
op_config_len(struct vio_dev *dev)
{
	return to_sw(dev)->config_len;
}

static uint16_t
op_num_queues(struct vio_dev *dev)
{
	return to_sw(dev)->num_queues;
}

static uint16_t
op_queue_max_size(struct vio_dev *dev, uint16_t index)
{
	struct swdev *sw = to_sw(dev);

	return index < sw->num_queues ? sw->q[index].max_size : 0;
}

static int
op_queue_setup(struct vio_dev *dev, uint16_t index, const struct vio_queue_cfg *cfg,
	       struct vio_notify_addr *notify)
{
	struct swdev *sw = to_sw(dev);
	int rc;

	pthread_mutex_lock(&sw->lock);
	rc = swdev_queue_setup(sw, index, cfg);
	pthread_mutex_unlock(&sw->lock);
	if (rc == 0 && notify != NULL) {
		notify->doorbell = sw->q[index].use_doorbell ?
					   (volatile void *)&sw->q[index].doorbell :
					   NULL;
		/* Handed back by the driver on every notify: checked there. */
		notify->data = SWDEV_NOTIFY_DATA(index);
	}
	return rc;
}

static void
op_queue_release(struct vio_dev *dev, uint16_t index)
{
	struct swdev *sw = to_sw(dev);

	if (index >= sw->num_queues) {
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "release of queue %u (of %u)", index,
				sw->num_queues);
		return;
	}
	if (swdev_status(sw) & VIO_STATUS_DRIVER_OK)
		swdev_violation(sw, SWDEV_V_QUEUE_SETUP, "queue %u released while DRIVER_OK",
				index);
	pthread_mutex_lock(&sw->lock);
	swdev_queue_clear(sw, index);
	pthread_mutex_unlock(&sw->lock);
}

static void
op_notify(struct vio_dev *dev, uint16_t index, uint32_t data)
{
	struct swdev *sw = to_sw(dev);
	struct swdev_queue *q;

	if (index >= sw->num_queues || !__atomic_load_n(&sw->q[index].enabled, __ATOMIC_ACQUIRE)) {
		swdev_violation(sw, SWDEV_V_NOTIFY, "notify of queue %u, not enabled", index);
		return;
	}
	if (data != SWDEV_NOTIFY_DATA(index)) {
		swdev_violation(sw, SWDEV_V_NOTIFY, "notify of queue %u with data 0x%x, not 0x%x",
				index, data, SWDEV_NOTIFY_DATA(index));
		return;
	}
	q = &sw->q[index];
	/* What the notification covers: the driver published before notifying. */
	swdev_note_notified(sw, q);
	__atomic_fetch_add(&q->notifies, 1, __ATOMIC_RELAXED);
}

static int
op_queue_intr_fd(struct vio_dev *dev, uint16_t index)
{
	struct swdev *sw = to_sw(dev);

	if (index >= sw->num_queues || !sw->q[index].intr_requested || sw->q[index].intr_fd < 0)
		return -ENOTSUP;
	return sw->q[index].intr_fd;
}

uint64_t
swdev_interrupt_count(const struct swdev *sw, uint16_t qidx)
{
	if (qidx >= sw->num_queues)
		return 0;
	return __atomic_load_n(&sw->q[qidx].interrupts, __ATOMIC_RELAXED);
}

static uint8_t
op_isr_read(struct vio_dev *dev)
{
	RTE_SET_USED(dev);
	return 0;
}

const struct vio_transport_ops swdev_transport_ops = {
	.reset = op_reset,
	.get_status = op_get_status,
	.set_status = op_set_status,
	.get_features = op_get_features,
	.set_features = op_set_features,
	.config_generation = op_config_generation,
	.read_config = op_read_config,
	.write_config = op_write_config,
	.config_len = op_config_len,
	.num_queues = op_num_queues,
	.queue_max_size = op_queue_max_size,
	.queue_setup = op_queue_setup,
	.queue_release = op_queue_release,
	.notify = op_notify,
	.isr_read = op_isr_read,
	.queue_intr_fd = op_queue_intr_fd,
};

struct swdev *
swdev_create(const struct swdev_params *p)
{
	struct swdev *sw;
	uint16_t i;

	if (p == NULL || p->config_len > SWDEV_CONFIG_MAX || p->num_queues == 0)
		return NULL;
	sw = calloc(1, sizeof(*sw));
	if (sw == NULL)
		return NULL;
	sw->q = calloc(p->num_queues, sizeof(*sw->q));
	if (sw->q == NULL) {
		free(sw);
		return NULL;
	}
	if (vio_dev_bind(&sw->vdev, SWDEV_TRANSPORT_ID, &swdev_transport_ops) < 0) {
		free(sw->q);
		free(sw);
		return NULL;
	}
	snprintf(sw->vdev.name, sizeof(sw->vdev.name), "%s", p->name != NULL ? p->name : "swdev");
	sw->device_features = p->features;
	/*
	 * VIREO_SWDEV_PACKED=1 (the "-packed" twins of the driver tests): a
	 * virtio 1.x device also offers packed rings, so the drivers run on
	 * the packed engine unchanged.
	 */
	if (getenv("VIREO_SWDEV_PACKED") != NULL &&
	    strcmp(getenv("VIREO_SWDEV_PACKED"), "1") == 0 &&
	    (p->features & VIO_BIT(VIO_F_VERSION_1)))
		sw->device_features |= VIO_BIT(VIO_F_RING_PACKED);
	sw->features_ok_accept = true;
	/* With EAL up, every ring and buffer must be EAL memory. */
	sw->strict_dma = rte_eal_iova_mode() != RTE_IOVA_DC;
	sw->config_len = p->config_len;
	if (p->config != NULL)
		memcpy(sw->config, p->config, p->config_len);
	sw->num_queues = p->num_queues;
	for (i = 0; i < p->num_queues; i++) {
		sw->q[i].max_size = p->queue_max_size != 0 ? p->queue_max_size : 256;
		sw->q[i].handler = swdev_handler_echo;
		sw->q[i].intr_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	}
	sw->rng = 0x9e3779b97f4a7c15ULL;
	pthread_mutex_init(&sw->lock, NULL);
	return sw;
}

void
swdev_destroy(struct swdev *sw)
{
	uint16_t i;

	if (sw == NULL)
		return;
	swdev_thread_stop(sw);
	for (i = 0; i < sw->num_queues; i++) {
		swdev_queue_clear(sw, i);
		if (sw->q[i].intr_fd >= 0)
			close(sw->q[i].intr_fd);
	}
	pthread_mutex_destroy(&sw->lock);
	free(sw->q);
	free(sw);
}

void
swdev_set_queue_max(struct swdev *sw, uint16_t qidx, uint16_t max)
{
	if (qidx < sw->num_queues)
		sw->q[qidx].max_size = max;
}

void
swdev_set_handler(struct swdev *sw, uint16_t qidx, swdev_handler_t h, void *arg)
{
	if (qidx >= sw->num_queues)
		return;
	pthread_mutex_lock(&sw->lock);
	sw->q[qidx].handler = h != NULL ? h : swdev_handler_echo;
	sw->q[qidx].handler_arg = arg;
	pthread_mutex_unlock(&sw->lock);
}

void
swdev_set_order(struct swdev *sw, uint16_t qidx, enum swdev_order order, uint64_t seed)
{
	if (qidx >= sw->num_queues)
		return;
	pthread_mutex_lock(&sw->lock);
	sw->q[qidx].order = order;
	if (seed != 0)
		sw->rng = seed;
	pthread_mutex_unlock(&sw->lock);
}

void
swdev_set_no_notify(struct swdev *sw, uint16_t qidx, bool on)
{
	struct swdev_queue *q;

	if (qidx >= sw->num_queues)
		return;
	q = &sw->q[qidx];
	pthread_mutex_lock(&sw->lock);
	q->no_notify = on;
	if (q->packed) {
		/* Section 2.8.10: re-enabling also covers what the driver published. */
		if (!on)
			swdev_note_notified(sw, q);
		swdev_packed_set_device_event(sw, q);
	} else if (q->used != NULL) {
		__atomic_store_n(&q->used->flags, on ? VIO_USED_F_NO_NOTIFY : 0, __ATOMIC_RELEASE);
		/*
		 * Section 2.7.10: a device that re-enables notifications checks
		 * the avail ring again (the driver may have skipped a kick), and
		 * with EVENT_IDX asks for the next entry. One that polls parks
		 * avail_event where the driver gets only 64K entries later.
		 */
		if (!on)
			swdev_note_notified(sw, q);
		else if (swdev_event_idx(sw))
			swdev_set_avail_event(
				q,
				(uint16_t)(__atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE) - 1));
	}
	pthread_mutex_unlock(&sw->lock);
}

void
swdev_set_notify_only(struct swdev *sw, bool on)
{
	pthread_mutex_lock(&sw->lock);
	sw->notify_only = on;
	pthread_mutex_unlock(&sw->lock);
}

void
swdev_set_reset_fail(struct swdev *sw, bool on, unsigned int after)
{
	sw->reset_fail = on;
	sw->reset_fail_skip = after;
}

void
swdev_set_doorbell(struct swdev *sw, uint16_t qidx, bool on)
{
	if (qidx < sw->num_queues) {
		sw->q[qidx].use_doorbell = on;
		sw->q[qidx].doorbell = 0xffff;
	}
}

void
swdev_inject(struct swdev *sw, uint16_t qidx, enum swdev_fault f, uint32_t value)
{
	if (qidx >= sw->num_queues)
		return;
	pthread_mutex_lock(&sw->lock);
	sw->q[qidx].fault = f;
	sw->q[qidx].fault_value = value;
	pthread_mutex_unlock(&sw->lock);
}

void
swdev_set_config_flaps(struct swdev *sw, int n)
{
	sw->config_flaps = n;
}

void
swdev_config_update(struct swdev *sw, size_t off, const void *buf, size_t len)
{
	if (off > sw->config_len || len > sw->config_len - off)
		return;
	memcpy(&sw->config[off], buf, len);
	__atomic_fetch_add(&sw->generation, 1, __ATOMIC_RELEASE);
}

void
swdev_set_needs_reset(struct swdev *sw)
{
	/*
	 * Section 2.1.2: the device sets DEVICE_NEEDS_RESET and, with
	 * DRIVER_OK set, sends a configuration change notification (the
	 * generation moves). Like QEMU's virtio_error(), it then stops
	 * processing its queues until the driver resets it.
	 */
	pthread_mutex_lock(&sw->lock);
	__atomic_fetch_or(&sw->status, VIO_STATUS_DEVICE_NEEDS_RESET, __ATOMIC_RELEASE);
	__atomic_fetch_add(&sw->generation, 1, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&sw->lock);
}

unsigned int
swdev_config_log(const struct swdev *sw, struct swdev_cfg_access *out, unsigned int max)
{
	unsigned int n = RTE_MIN(__atomic_load_n(&sw->cfg_log_len, __ATOMIC_RELAXED), max);

	n = RTE_MIN(n, (unsigned int)SWDEV_CFG_LOG_MAX);
	memcpy(out, sw->cfg_log, n * sizeof(*out));
	return n;
}

void
swdev_config_log_clear(struct swdev *sw)
{
	sw->cfg_log_len = 0;
}

uint8_t
swdev_status(const struct swdev *sw)
{
	return __atomic_load_n(&sw->status, __ATOMIC_ACQUIRE);
}

unsigned int
swdev_status_history(const struct swdev *sw, uint8_t *out, unsigned int max)
{
	unsigned int n = RTE_MIN(max, sw->history_len);

	memcpy(out, sw->history, n);
	return n;
}

void
swdev_clear_history(struct swdev *sw)
{
	sw->history_len = 0;
}

uint64_t
swdev_notify_count(const struct swdev *sw, uint16_t qidx)
{
	if (qidx >= sw->num_queues)
		return 0;
	return __atomic_load_n(&sw->q[qidx].notifies, __ATOMIC_RELAXED);
}

unsigned int
swdev_violations(const struct swdev *sw)
{
	return __atomic_load_n(&sw->violations_total, __ATOMIC_RELAXED);
}

unsigned int
swdev_violations_of(const struct swdev *sw, enum swdev_violation v)
{
	return v < SWDEV_V_COUNT ? __atomic_load_n(&sw->violations[v], __ATOMIC_RELAXED) : 0;
}

void
swdev_clear_violations(struct swdev *sw)
{
	memset(sw->violations, 0, sizeof(sw->violations));
	sw->violations_total = 0;
	sw->last_violation[0] = '\0';
}

uint32_t
swdev_inflight(struct swdev *sw, uint16_t qidx)
{
	uint32_t n;

	if (qidx >= sw->num_queues)
		return 0;
	pthread_mutex_lock(&sw->lock);
	n = sw->q[qidx].inflight;
	pthread_mutex_unlock(&sw->lock);
	return n;
}
