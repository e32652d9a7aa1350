/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feature negotiation and device-config access, written once above the
 * transport ops (virtio 1.2 sections 2.1, 2.2, 2.5.1 and 3.1.1).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include <rte_kvargs.h>

#include "vio_dev.h"
#include "vio_log.h"

/* A config read racing a device update retries; give up after this many. */
#define VIO_CONFIG_READ_TRIES 64

/*
 * This process's transport tables. Process-local on purpose: a vio_dev in
 * shared memory holds only the id (see vio_dev.h).
 */
const struct vio_transport_ops *vio_transport_table[VIO_TRANSPORT_MAX];

int
vio_transport_register(unsigned int id, const struct vio_transport_ops *ops)
{
	const struct vio_transport_ops *cur;

	if (id == VIO_TRANSPORT_NONE || id >= VIO_TRANSPORT_MAX) {
		VIO_LOG(ERR, "transport id %u out of range", id);
		return -EINVAL;
	}
	if (ops == NULL)
		return 0;
	cur = NULL;
	/* Two threads binding devices of one transport may race here. */
	if (__atomic_compare_exchange_n(&vio_transport_table[id], &cur, ops, false,
					__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ||
	    cur == ops)
		return 0;
	VIO_LOG(ERR, "transport id %u already has another ops table in this process", id);
	return -EEXIST;
}

void
vio_transport_unregister(unsigned int id)
{
	if (id != VIO_TRANSPORT_NONE && id < VIO_TRANSPORT_MAX)
		__atomic_store_n(&vio_transport_table[id], NULL, __ATOMIC_RELEASE);
}

const struct vio_transport_ops *
vio_transport_lookup(unsigned int id)
{
	return id < VIO_TRANSPORT_MAX ?
		       __atomic_load_n(&vio_transport_table[id], __ATOMIC_ACQUIRE) :
		       NULL;
}

int
vio_dev_bind(struct vio_dev *dev, unsigned int id, const struct vio_transport_ops *ops)
{
	int rc = vio_transport_register(id, ops);

	if (rc < 0)
		return rc;
	dev->transport = (uint8_t)id;
	return 0;
}

int
vio_dev_reset(struct vio_dev *dev)
{
	int rc = vio_dev_ops(dev)->reset(dev);

	if (rc < 0)
		VIO_LOG(ERR, "%s: device did not complete reset", dev->name);
	return rc;
}

static void
vio_dev_add_status(struct vio_dev *dev, uint8_t bits)
{
	vio_dev_ops(dev)->set_status(dev, vio_dev_ops(dev)->get_status(dev) | bits);
}

void
vio_dev_fail(struct vio_dev *dev)
{
	vio_dev_add_status(dev, VIO_STATUS_FAILED);
}

bool
vio_dev_needs_reset(struct vio_dev *dev)
{
	return (vio_dev_ops(dev)->get_status(dev) & VIO_STATUS_DEVICE_NEEDS_RESET) != 0;
}

bool
vio_dev_is_gone(struct vio_dev *dev)
{
	return vio_dev_ops(dev)->get_status(dev) == 0xff;
}

/* Features the driver always wants when the device offers them. */
static uint64_t
vio_dev_transport_features(void)
{
	/*
	 * A device behind an IOMMU only works when ACCESS_PLATFORM is
	 * accepted. ORDER_PLATFORM (section 6.1: a driver SHOULD accept it)
	 * only asks for the platform's I/O barriers, which the queues then
	 * use (vio_vq_create).
	 */
	return VIO_BIT(VIO_F_VERSION_1) | VIO_BIT(VIO_F_ACCESS_PLATFORM) |
	       VIO_BIT(VIO_F_ORDER_PLATFORM);
}

static int
vio_dev_check_offer(struct vio_dev *dev, uint64_t required)
{
	uint64_t missing;

	if (!(dev->device_features & VIO_BIT(VIO_F_VERSION_1))) {
		VIO_LOG(ERR, "%s: device does not offer VERSION_1 (legacy-only device)", dev->name);
		return -ENOTSUP;
	}
	missing = required & ~dev->device_features;
	if (missing != 0) {
		VIO_LOG(ERR, "%s: device lacks required features 0x%" PRIx64, dev->name, missing);
		return -ENOTSUP;
	}
	return 0;
}

int
vio_dev_negotiate(struct vio_dev *dev, uint64_t wanted, uint64_t required)
{
	uint64_t driver_features;
	int rc;

	dev->features = 0;
	rc = vio_dev_reset(dev);
	if (rc < 0)
		return rc;
	vio_dev_add_status(dev, VIO_STATUS_ACKNOWLEDGE);
	vio_dev_add_status(dev, VIO_STATUS_DRIVER);

	dev->device_features = vio_dev_ops(dev)->get_features(dev);
	required |= VIO_BIT(VIO_F_VERSION_1);
	rc = vio_dev_check_offer(dev, required);
	if (rc < 0)
		goto failed;

	driver_features = dev->device_features &
			  ((wanted | required | vio_dev_transport_features()) & ~dev->refused);
	/*
	 * IN_ORDER goes with either ring layout: both engines have an in-order
	 * mode (split: section 2.7.9.1; packed: section 2.8.20, where the
	 * device may complete a batch with one used descriptor).
	 */
	vio_dev_ops(dev)->set_features(dev, driver_features);
	vio_dev_add_status(dev, VIO_STATUS_FEATURES_OK);
	/* Section 3.1.1 step 6: the device may refuse the subset we chose. */
	if (!(vio_dev_ops(dev)->get_status(dev) & VIO_STATUS_FEATURES_OK)) {
		VIO_LOG(ERR, "%s: device refused features 0x%" PRIx64 " (FEATURES_OK not set)",
			dev->name, driver_features);
		rc = -ENOTSUP;
		goto failed;
	}
	dev->features = driver_features;
	VIO_LOG(DEBUG, "%s: negotiated features 0x%" PRIx64 " (offered 0x%" PRIx64 ")", dev->name,
		driver_features, dev->device_features);
	return 0;

failed:
	vio_dev_fail(dev);
	return rc;
}

int
vio_dev_driver_ok(struct vio_dev *dev)
{
	uint8_t status;

	vio_dev_add_status(dev, VIO_STATUS_DRIVER_OK);
	status = vio_dev_ops(dev)->get_status(dev);
	if (status & (VIO_STATUS_FAILED | VIO_STATUS_DEVICE_NEEDS_RESET) ||
	    !(status & VIO_STATUS_DRIVER_OK)) {
		VIO_LOG(ERR, "%s: device did not accept DRIVER_OK (status 0x%02x)", dev->name,
			status);
		return -EIO;
	}
	return 0;
}

/* Bounds and alignment of a config access of @p len bytes, @p align aligned. */
static int
vio_dev_check_config(struct vio_dev *dev, size_t offset, size_t len, size_t align)
{
	size_t cfg_len = vio_dev_ops(dev)->config_len(dev);

	if (offset > cfg_len || len > cfg_len - offset) {
		VIO_LOG(ERR, "%s: config access [%zu, +%zu) outside %zu-byte device config",
			dev->name, offset, len, cfg_len);
		return -ERANGE;
	}
	/* Section 4.1.3.1: 16- and 32-bit fields take aligned accesses. */
	if (offset % align != 0) {
		VIO_LOG(ERR, "%s: config field at %zu is not %zu-byte aligned", dev->name, offset,
			align);
		return -EINVAL;
	}
	return 0;
}

/* One access of a field of @p width bytes, without generation retry: a
 * single access of at most 32 bits is atomic (section 2.5.1). */
static int
vio_dev_read_single(struct vio_dev *dev, size_t offset, unsigned int width, uint32_t *val)
{
	int rc = vio_dev_check_config(dev, offset, width, width);

	if (rc < 0)
		return rc;
	*val = vio_dev_ops(dev)->read_config(dev, offset, width);
	return 0;
}

int
vio_dev_read_config_u8(struct vio_dev *dev, size_t offset, uint8_t *val)
{
	uint32_t v;
	int rc = vio_dev_read_single(dev, offset, 1, &v);

	if (rc == 0)
		*val = (uint8_t)v;
	return rc;
}

int
vio_dev_read_config_u16(struct vio_dev *dev, size_t offset, uint16_t *val)
{
	uint32_t v;
	int rc = vio_dev_read_single(dev, offset, 2, &v);

	if (rc == 0)
		*val = (uint16_t)v;
	return rc;
}

int
vio_dev_read_config_u32(struct vio_dev *dev, size_t offset, uint32_t *val)
{
	return vio_dev_read_single(dev, offset, 4, val);
}

/* The accesses of one multi-access read, repeated by the generation loop. */
struct vio_dev_multi_read {
	size_t offset;
	void *buf;
	size_t len;
	bool u64; /* two 32-bit halves; else bytewise */
};

static void
vio_dev_read_accesses(struct vio_dev *dev, const struct vio_dev_multi_read *r)
{
	uint8_t *out = r->buf;
	uint64_t v;
	size_t i;

	if (r->u64) {
		/* Section 4.1.3: low 32 bits, then high 32 bits. */
		v = vio_dev_ops(dev)->read_config(dev, r->offset, 4);
		v |= (uint64_t)vio_dev_ops(dev)->read_config(dev, r->offset + 4, 4) << 32;
		memcpy(r->buf, &v, sizeof(v));
		return;
	}
	for (i = 0; i < r->len; i++)
		out[i] = (uint8_t)vio_dev_ops(dev)->read_config(dev, r->offset + i, 1);
}

static int
vio_dev_read_multi(struct vio_dev *dev, const struct vio_dev_multi_read *r)
{
	uint8_t before, after;
	int tries, rc;

	rc = vio_dev_check_config(dev, r->offset, r->len, r->u64 ? 4 : 1);
	if (rc < 0)
		return rc;
	/* Section 2.5.1: a read of several accesses is consistent only when
	 * the generation is the same before and after it. */
	for (tries = 0; tries < VIO_CONFIG_READ_TRIES; tries++) {
		before = vio_dev_ops(dev)->config_generation(dev);
		vio_dev_read_accesses(dev, r);
		after = vio_dev_ops(dev)->config_generation(dev);
		if (before == after)
			return 0;
	}
	VIO_LOG(ERR, "%s: config generation kept changing during a %zu-byte read", dev->name,
		r->len);
	return -EAGAIN;
}

int
vio_dev_read_config_u64(struct vio_dev *dev, size_t offset, uint64_t *val)
{
	const struct vio_dev_multi_read r = { offset, val, sizeof(*val), true };

	return vio_dev_read_multi(dev, &r);
}

int
vio_dev_read_config_bytes(struct vio_dev *dev, size_t offset, void *buf, size_t len)
{
	const struct vio_dev_multi_read r = { offset, buf, len, false };

	return vio_dev_read_multi(dev, &r);
}

static int
vio_dev_write_single(struct vio_dev *dev, size_t offset, unsigned int width, uint32_t val)
{
	int rc = vio_dev_check_config(dev, offset, width, width);

	if (rc < 0)
		return rc;
	vio_dev_ops(dev)->write_config(dev, offset, val, width);
	return 0;
}

int
vio_dev_write_config_u8(struct vio_dev *dev, size_t offset, uint8_t val)
{
	return vio_dev_write_single(dev, offset, 1, val);
}

int
vio_dev_write_config_u16(struct vio_dev *dev, size_t offset, uint16_t val)
{
	return vio_dev_write_single(dev, offset, 2, val);
}

int
vio_dev_write_config_u32(struct vio_dev *dev, size_t offset, uint32_t val)
{
	return vio_dev_write_single(dev, offset, 4, val);
}

int
vio_dev_write_config_bytes(struct vio_dev *dev, size_t offset, const void *buf, size_t len)
{
	const uint8_t *in = buf;
	size_t i;
	int rc = vio_dev_check_config(dev, offset, len, 1);

	if (rc < 0)
		return rc;
	for (i = 0; i < len; i++)
		vio_dev_ops(dev)->write_config(dev, offset + i, in[i], 1);
	return 0;
}

static int
vio_devarg_bool01(const char *key __rte_unused, const char *value, void *opaque)
{
	int *out = opaque;

	if (strcmp(value, "0") == 0)
		*out = 0;
	else if (strcmp(value, "1") == 0)
		*out = 1;
	else
		return -EINVAL;
	return 0;
}

uint64_t
vio_ring_refused(int packed, int event_idx)
{
	return (packed == 0 ? VIO_BIT(VIO_F_RING_PACKED) : 0) |
	       (event_idx == 0 ? VIO_BIT(VIO_F_EVENT_IDX) : 0);
}

int
vio_devargs_ring_refused(const char *args, uint64_t *refused)
{
	int packed = vio_devarg_flag(args, "packed", 1);
	int event_idx = vio_devarg_flag(args, "event_idx", 1);

	*refused = 0;
	if (packed < 0 || event_idx < 0)
		return -EINVAL;
	*refused = vio_ring_refused(packed, event_idx);
	return 0;
}

int
vio_devarg_flag(const char *args, const char *key, int def)
{
	struct rte_kvargs *kv;
	int val = def;

	if (args == NULL || args[0] == '\0')
		return def;
	/* No key list: the other keys belong to the caller. */
	kv = rte_kvargs_parse(args, NULL);
	if (kv == NULL)
		return def;
	if (rte_kvargs_process(kv, key, vio_devarg_bool01, &val) < 0) {
		VIO_LOG(ERR, "devarg %s= takes 0 or 1", key);
		val = -EINVAL;
	}
	rte_kvargs_free(kv);
	return val;
}
