/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feature negotiation and device-config access (vio_dev.h) against the
 * software device, which records every status write and flags any step
 * the driver takes out of order (section 3.1.1).
 */
#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include "swdev.h"
#include "vio_dev.h"

#define ACK VIO_STATUS_ACKNOWLEDGE
#define DRV VIO_STATUS_DRIVER
#define FOK VIO_STATUS_FEATURES_OK
#define DOK VIO_STATUS_DRIVER_OK
#define V1 VIO_BIT(VIO_F_VERSION_1)

#define CFG_LEN 24

struct fixture {
	struct swdev *sw;
	struct vio_dev *dev;
	uint8_t config[CFG_LEN];
	struct log_capture log;
};

static struct fixture *
make(void **state, uint64_t features)
{
	struct fixture *f = *state;
	struct swdev_params p = {
		.name = "swdev-negotiate",
		.features = features,
		.num_queues = 2,
		.config_len = CFG_LEN,
		.config = f->config,
	};

	swdev_destroy(f->sw);
	f->sw = swdev_create(&p);
	assert_non_null(f->sw);
	f->dev = swdev_vdev(f->sw);
	return f;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	unsigned int i;

	assert_non_null(f);
	for (i = 0; i < CFG_LEN; i++)
		f->config[i] = (uint8_t)(0x10 + i);
	*state = f;
	make(state, V1);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	/* Whatever happened, the driver followed the protocol. */
	assert_int_equal(swdev_violations(f->sw), 0);
	swdev_destroy(f->sw);
	free(f);
	return 0;
}

static void
expect_history(const struct swdev *sw, const uint8_t *want, unsigned int n)
{
	uint8_t h[SWDEV_HISTORY_MAX];
	unsigned int got = swdev_status_history(sw, h, RTE_DIM(h)), i;

	if (got != n) {
		for (i = 0; i < got; i++)
			fprintf(stderr, "status write %u: 0x%02x\n", i, h[i]);
	}
	assert_int_equal(got, n);
	assert_memory_equal(h, want, n);
}

static bool
history_has(const struct swdev *sw, uint8_t bits)
{
	uint8_t h[SWDEV_HISTORY_MAX];
	unsigned int n = swdev_status_history(sw, h, RTE_DIM(h)), i;

	for (i = 0; i < n; i++)
		if (h[i] & bits)
			return true;
	return false;
}

static void
test_subset(void **state)
{
	uint64_t offered = V1 | VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) |
			   VIO_BIT(VIO_NET_F_MQ) | VIO_BIT(VIO_F_EVENT_IDX) | VIO_BIT(50);
	uint64_t wanted = VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS) |
			  VIO_BIT(VIO_NET_F_CSUM) | VIO_BIT(VIO_F_RING_PACKED);
	uint64_t expect = V1 | VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_STATUS);
	struct fixture *f = make(state, offered);
	static const uint8_t seq[] = { 0, ACK, ACK | DRV, ACK | DRV | FOK, ACK | DRV | FOK | DOK };

	assert_int_equal(vio_dev_negotiate(f->dev, wanted, VIO_BIT(VIO_NET_F_MAC)), 0);
	assert_int_equal(f->dev->device_features, offered);
	assert_int_equal(f->dev->features, expect);
	assert_int_equal(f->sw->driver_features, expect);
	assert_true(vio_dev_has(f->dev, VIO_NET_F_MAC));
	assert_true(vio_dev_has(f->dev, VIO_F_VERSION_1));
	assert_false(vio_dev_has(f->dev, VIO_NET_F_CSUM));
	assert_false(vio_dev_has(f->dev, VIO_NET_F_MQ));
	assert_false(vio_dev_has(f->dev, VIO_F_EVENT_IDX));
	assert_int_equal(swdev_status(f->sw), ACK | DRV | FOK);
	assert_int_equal(vio_dev_driver_ok(f->dev), 0);
	assert_int_equal(swdev_status(f->sw), ACK | DRV | FOK | DOK);
	expect_history(f->sw, seq, RTE_DIM(seq));
	assert_false(vio_dev_needs_reset(f->dev));
}

/* High feature word (bits 32..63) travels as well as the low one. */
static void
test_high_bits(void **state)
{
	uint64_t offered = V1 | VIO_BIT(VIO_NET_F_SPEED_DUPLEX) | VIO_BIT(VIO_NET_F_RSS) |
			   VIO_BIT(VIO_F_IN_ORDER) | VIO_BIT(0);
	struct fixture *f = make(state, offered);

	assert_int_equal(vio_dev_negotiate(f->dev, ~(uint64_t)0, 0), 0);
	assert_int_equal(f->dev->features, offered);
	assert_int_equal(f->sw->driver_features, offered);
}

static void
test_required_missing(void **state)
{
	struct fixture *f = make(state, V1 | VIO_BIT(VIO_NET_F_MAC));
	uint64_t want = VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_NET_F_CTRL_VQ);

	log_capture_start(&f->log);
	assert_int_equal(vio_dev_negotiate(f->dev, want, VIO_BIT(VIO_NET_F_CTRL_VQ)), -ENOTSUP);
	assert_non_null(strstr(log_capture_text(&f->log), "swdev-negotiate"));
	log_capture_stop(&f->log);
	assert_true(swdev_status(f->sw) & VIO_STATUS_FAILED);
	/* The driver gave up before accepting anything. */
	assert_false(history_has(f->sw, FOK));
	assert_int_equal(f->dev->features, 0);
}

static void
test_version_1_missing(void **state)
{
	struct fixture *f = make(state, VIO_BIT(VIO_NET_F_MAC) | VIO_BIT(VIO_F_ACCESS_PLATFORM));

	log_capture_start(&f->log);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_NET_F_MAC), 0), -ENOTSUP);
	assert_non_null(strstr(log_capture_text(&f->log), "swdev-negotiate"));
	log_capture_stop(&f->log);
	assert_true(swdev_status(f->sw) & VIO_STATUS_FAILED);
	assert_false(history_has(f->sw, FOK));
	/* Even when the driver does not list it, VERSION_1 is mandatory. */
	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), -ENOTSUP);
}

static void
test_features_ok_refused(void **state)
{
	struct fixture *f = make(state, V1 | VIO_BIT(VIO_NET_F_MAC));

	f->sw->features_ok_accept = false;
	log_capture_start(&f->log);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_NET_F_MAC), 0), -ENOTSUP);
	assert_non_null(strstr(log_capture_text(&f->log), "swdev-negotiate"));
	log_capture_stop(&f->log);
	assert_true(swdev_status(f->sw) & VIO_STATUS_FAILED);
	assert_false(swdev_status(f->sw) & FOK);
	assert_false(swdev_status(f->sw) & DOK);
	assert_int_equal(f->dev->features, 0);
	/* A later attempt starts from reset and succeeds once accepted. */
	f->sw->features_ok_accept = true;
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_NET_F_MAC), 0), 0);
	assert_int_equal(swdev_status(f->sw), ACK | DRV | FOK);
}

static void
test_access_platform(void **state)
{
	struct fixture *f = make(state, V1 | VIO_BIT(VIO_F_ACCESS_PLATFORM));

	/* Accepted whenever offered, even if the driver did not ask. */
	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), 0);
	assert_true(vio_dev_has(f->dev, VIO_F_ACCESS_PLATFORM));
	/* Never set when not offered. */
	f = make(state, V1);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_ACCESS_PLATFORM), 0), 0);
	assert_false(vio_dev_has(f->dev, VIO_F_ACCESS_PLATFORM));
	assert_int_equal(f->sw->driver_features, V1);
}

/* Section 6.1: ORDER_PLATFORM is accepted whenever offered, like ACCESS_PLATFORM. */
static void
test_order_platform(void **state)
{
	struct fixture *f = make(state, V1 | VIO_BIT(VIO_F_ORDER_PLATFORM));

	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), 0);
	assert_true(vio_dev_has(f->dev, VIO_F_ORDER_PLATFORM));
	assert_int_equal(f->sw->driver_features, V1 | VIO_BIT(VIO_F_ORDER_PLATFORM));
	f = make(state, V1);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_ORDER_PLATFORM), 0), 0);
	assert_false(vio_dev_has(f->dev, VIO_F_ORDER_PLATFORM));
	assert_int_equal(f->sw->driver_features, V1);
}

/* vio_dev.refused (devarg packed=0): never accepted, whatever the driver wants. */
static void
test_refused_feature(void **state)
{
	struct fixture *f = make(state, V1 | VIO_BIT(VIO_F_RING_PACKED));

	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_RING_PACKED), 0), 0);
	assert_true(vio_dev_has(f->dev, VIO_F_RING_PACKED));
	f = make(state, V1 | VIO_BIT(VIO_F_RING_PACKED));
	f->dev->refused = VIO_BIT(VIO_F_RING_PACKED);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_RING_PACKED), 0), 0);
	assert_false(vio_dev_has(f->dev, VIO_F_RING_PACKED));
	assert_int_equal(f->sw->driver_features, V1);
	/* Packed rings keep IN_ORDER (the packed engine has an in-order mode). */
	f = make(state, V1 | VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_F_IN_ORDER));
	assert_int_equal(
		vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_F_IN_ORDER), 0),
		0);
	assert_int_equal(f->sw->driver_features,
			 V1 | VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_F_IN_ORDER));
	f = make(state, V1 | VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_F_IN_ORDER));
	f->dev->refused = VIO_BIT(VIO_F_RING_PACKED);
	assert_int_equal(
		vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_F_IN_ORDER), 0),
		0);
	assert_int_equal(f->sw->driver_features, V1 | VIO_BIT(VIO_F_IN_ORDER));
}

/* The 0|1 devargs (packed=) in a kvargs string with other drivers' keys. */
static void
test_devarg_flag(void **state)
{
	RTE_SET_USED(state);
	assert_int_equal(vio_devarg_flag(NULL, "packed", 1), 1);
	assert_int_equal(vio_devarg_flag("", "packed", 0), 0);
	assert_int_equal(vio_devarg_flag("vireo=1", "packed", 1), 1);
	assert_int_equal(vio_devarg_flag("vireo=1,packed=0", "packed", 1), 0);
	assert_int_equal(vio_devarg_flag("packed=1,speed=10000", "packed", 0), 1);
	assert_int_equal(vio_devarg_flag("packed=2", "packed", 1), -EINVAL);
	assert_int_equal(vio_devarg_flag("packed=yes", "packed", 1), -EINVAL);
}

/* The ring devargs (packed=, event_idx=) as features to refuse, and their effect. */
static void
test_devargs_ring_refused(void **state)
{
	struct fixture *f;
	uint64_t refused = 1;

	assert_int_equal(vio_devargs_ring_refused(NULL, &refused), 0);
	assert_int_equal(refused, 0);
	assert_int_equal(vio_devargs_ring_refused("vireo=1,packed=0", &refused), 0);
	assert_int_equal(refused, VIO_BIT(VIO_F_RING_PACKED));
	assert_int_equal(vio_devargs_ring_refused("event_idx=0", &refused), 0);
	assert_int_equal(refused, VIO_BIT(VIO_F_EVENT_IDX));
	assert_int_equal(vio_devargs_ring_refused("packed=0,event_idx=0", &refused), 0);
	assert_int_equal(refused, VIO_BIT(VIO_F_RING_PACKED) | VIO_BIT(VIO_F_EVENT_IDX));
	assert_int_equal(vio_devargs_ring_refused("packed=1,event_idx=1", &refused), 0);
	assert_int_equal(refused, 0);
	assert_int_equal(vio_devargs_ring_refused("event_idx=2", &refused), -EINVAL);
	assert_int_equal(refused, 0);
	assert_int_equal(vio_ring_refused(1, 0), VIO_BIT(VIO_F_EVENT_IDX));
	/* event_idx=0 on a device offering it: not negotiated. */
	f = make(state, V1 | VIO_BIT(VIO_F_EVENT_IDX));
	f->dev->refused = vio_ring_refused(1, 0);
	assert_int_equal(vio_dev_negotiate(f->dev, VIO_BIT(VIO_F_EVENT_IDX), 0), 0);
	assert_false(vio_dev_has(f->dev, VIO_F_EVENT_IDX));
	assert_int_equal(f->sw->driver_features, V1);
}

static void
test_reset_fails(void **state)
{
	struct fixture *f = *state;

	f->sw->reset_fail = true;
	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), -EIO);
	assert_int_equal(vio_dev_reset(f->dev), -EIO);
	f->sw->reset_fail = false;
	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), 0);
}

static void
test_reset_and_fail(void **state)
{
	struct fixture *f = *state;
	uint8_t h[SWDEV_HISTORY_MAX];
	unsigned int n;

	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), 0);
	assert_int_equal(vio_dev_driver_ok(f->dev), 0);
	assert_int_equal(vio_dev_reset(f->dev), 0);
	assert_int_equal(swdev_status(f->sw), 0);
	n = swdev_status_history(f->sw, h, RTE_DIM(h));
	assert_int_equal(h[n - 1], 0);
	/* Renegotiation after a reset. */
	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), 0);
	vio_dev_fail(f->dev);
	assert_int_equal(swdev_status(f->sw), ACK | DRV | FOK | VIO_STATUS_FAILED);
}

static void
test_driver_ok_device_failed(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(vio_dev_negotiate(f->dev, 0, 0), 0);
	/* The device hit an error it cannot recover from. */
	__atomic_fetch_or(&f->sw->status, VIO_STATUS_DEVICE_NEEDS_RESET, __ATOMIC_RELEASE);
	assert_true(vio_dev_needs_reset(f->dev));
	log_capture_start(&f->log);
	assert_int_equal(vio_dev_driver_ok(f->dev), -EIO);
	assert_non_null(strstr(log_capture_text(&f->log), "swdev-negotiate"));
	log_capture_stop(&f->log);
}

/* Little-endian value of config bytes [off, off + n) of the fixture. */
static uint64_t
le_at(const struct fixture *f, size_t off, unsigned int n)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		v |= (uint64_t)f->config[off + i] << (8 * i);
	return v;
}

static void
test_read_config(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[CFG_LEN + 8], u8 = 0;
	uint16_t u16 = 0;
	uint32_t u32 = 0;
	uint64_t u64 = 0;

	memset(buf, 0, sizeof(buf));
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 0, buf, CFG_LEN), 0);
	assert_memory_equal(buf, f->config, CFG_LEN);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 5, buf, 3), 0);
	assert_memory_equal(buf, &f->config[5], 3);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, CFG_LEN, buf, 0), 0);
	/* Fields come back in CPU order from the little-endian layout. */
	assert_int_equal(vio_dev_read_config_u8(f->dev, CFG_LEN - 1, &u8), 0);
	assert_int_equal(u8, f->config[CFG_LEN - 1]);
	assert_int_equal(vio_dev_read_config_u16(f->dev, 6, &u16), 0);
	assert_int_equal(u16, le_at(f, 6, 2));
	assert_int_equal(vio_dev_read_config_u32(f->dev, 12, &u32), 0);
	assert_int_equal(u32, le_at(f, 12, 4));
	assert_int_equal(vio_dev_read_config_u64(f->dev, 16, &u64), 0);
	assert_int_equal(u64, le_at(f, 16, 8));
}

static void
test_read_config_range(void **state)
{
	struct fixture *f = *state;
	unsigned int reads0 = f->sw->config_reads;
	uint8_t buf[64], u8;
	uint16_t u16;
	uint32_t u32;
	uint64_t u64;

	log_capture_start(&f->log);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, CFG_LEN - 2, buf, 4), -ERANGE);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, CFG_LEN, buf, 1), -ERANGE);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 0, buf, CFG_LEN + 1), -ERANGE);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 1000, buf, 1), -ERANGE);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, SIZE_MAX, buf, 2), -ERANGE);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 2, buf, SIZE_MAX), -ERANGE);
	assert_int_equal(vio_dev_read_config_u8(f->dev, CFG_LEN, &u8), -ERANGE);
	assert_int_equal(vio_dev_read_config_u16(f->dev, CFG_LEN - 1, &u16), -ERANGE);
	assert_int_equal(vio_dev_read_config_u32(f->dev, CFG_LEN - 2, &u32), -ERANGE);
	assert_int_equal(vio_dev_read_config_u64(f->dev, CFG_LEN - 4, &u64), -ERANGE);
	assert_int_equal(vio_dev_read_config_u64(f->dev, SIZE_MAX - 3, &u64), -ERANGE);
	assert_int_equal(vio_dev_write_config_bytes(f->dev, CFG_LEN - 1, buf, 2), -ERANGE);
	assert_int_equal(vio_dev_write_config_bytes(f->dev, SIZE_MAX, buf, 2), -ERANGE);
	assert_int_equal(vio_dev_write_config_u32(f->dev, CFG_LEN, 0), -ERANGE);
	/* Section 4.1.3.1: multi-byte fields are aligned. */
	assert_int_equal(vio_dev_read_config_u16(f->dev, 7, &u16), -EINVAL);
	assert_int_equal(vio_dev_read_config_u32(f->dev, 6, &u32), -EINVAL);
	assert_int_equal(vio_dev_read_config_u64(f->dev, 2, &u64), -EINVAL);
	assert_int_equal(vio_dev_write_config_u16(f->dev, 1, 0), -EINVAL);
	assert_int_equal(vio_dev_write_config_u32(f->dev, 2, 0), -EINVAL);
	assert_non_null(strstr(log_capture_text(&f->log), "swdev-negotiate"));
	log_capture_stop(&f->log);
	/* Rejected before reaching the device. */
	assert_int_equal(f->sw->config_reads, reads0);
	assert_int_equal(f->sw->cfg_log_len, 0);
}

static void
test_write_config(void **state)
{
	struct fixture *f = *state;
	uint8_t v[3] = { 0xaa, 0xbb, 0xcc }, buf[3];
	static const uint8_t le[8] = { 0x34, 0x12, 0, 0, 0xd4, 0xc3, 0xb2, 0xa1 };
	struct swdev_cfg_access log[16];
	uint32_t u32 = 0;

	assert_int_equal(vio_dev_write_config_bytes(f->dev, 1, v, sizeof(v)), 0);
	assert_memory_equal(&f->sw->config[1], v, sizeof(v));
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 1, buf, sizeof(buf)), 0);
	assert_memory_equal(buf, v, sizeof(v));
	assert_int_equal(vio_dev_write_config_u16(f->dev, 8, 0x1234), 0);
	assert_int_equal(vio_dev_write_config_u16(f->dev, 10, 0), 0);
	assert_int_equal(vio_dev_write_config_u32(f->dev, 12, 0xa1b2c3d4), 0);
	assert_memory_equal(&f->sw->config[8], le, sizeof(le));
	assert_int_equal(vio_dev_write_config_u8(f->dev, 0, 0x5a), 0);
	assert_int_equal(f->sw->config[0], 0x5a);
	assert_int_equal(vio_dev_read_config_u32(f->dev, 12, &u32), 0);
	assert_int_equal(u32, 0xa1b2c3d4);
	/* Each write took one access of the field's width. */
	swdev_clear_history(f->sw);
	swdev_config_log_clear(f->sw);
	assert_int_equal(vio_dev_write_config_bytes(f->dev, 4, v, 2), 0);
	assert_int_equal(vio_dev_write_config_u16(f->dev, 6, 1), 0);
	assert_int_equal(vio_dev_write_config_u32(f->dev, 20, 1), 0);
	assert_int_equal(swdev_config_log(f->sw, log, RTE_DIM(log)), 4);
	assert_true(log[0].write && log[0].offset == 4 && log[0].width == 1);
	assert_true(log[1].write && log[1].offset == 5 && log[1].width == 1);
	assert_true(log[2].write && log[2].offset == 6 && log[2].width == 2);
	assert_true(log[3].write && log[3].offset == 20 && log[3].width == 4);
}

/* Compare the logged accesses with the expected (offset, width) reads. */
static void
expect_reads(const struct fixture *f, const struct swdev_cfg_access *want, unsigned int n)
{
	struct swdev_cfg_access log[SWDEV_CFG_LOG_MAX];
	unsigned int got = swdev_config_log(f->sw, log, RTE_DIM(log)), i;

	for (i = 0; i < got; i++)
		fprintf(stderr, "config %s at %u, width %u\n", log[i].write ? "write" : "read",
			log[i].offset, log[i].width);
	assert_int_equal(got, n);
	for (i = 0; i < n; i++) {
		assert_false(log[i].write);
		assert_int_equal(log[i].offset, want[i].offset);
		assert_int_equal(log[i].width, want[i].width);
	}
}

/*
 * Section 4.1.3.1: every virtio-net config field read with its natural
 * width: the MAC (a byte array) byte by byte, status, max_virtqueue_pairs
 * and mtu as one 16-bit access, speed as one 32-bit access, duplex as one
 * byte. (The PCI transport used to read the MAC as 4 + 2 bytes.)
 */
static void
test_config_natural_widths_net(void **state)
{
	static const struct swdev_cfg_access want[] = {
		{ 0, 1, false },  { 1, 1, false },  { 2, 1, false },  { 3, 1, false },
		{ 4, 1, false },  { 5, 1, false },  { 6, 2, false },  { 8, 2, false },
		{ 10, 2, false }, { 12, 4, false }, { 16, 1, false },
	};
	struct fixture *f = *state;
	struct vio_net_config c;

	swdev_config_log_clear(f->sw);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, offsetof(struct vio_net_config, mac),
						   c.mac, sizeof(c.mac)),
			 0);
	assert_int_equal(
		vio_dev_read_config_u16(f->dev, offsetof(struct vio_net_config, status), &c.status),
		0);
	assert_int_equal(vio_dev_read_config_u16(
				 f->dev, offsetof(struct vio_net_config, max_virtqueue_pairs),
				 &c.max_virtqueue_pairs),
			 0);
	assert_int_equal(
		vio_dev_read_config_u16(f->dev, offsetof(struct vio_net_config, mtu), &c.mtu), 0);
	assert_int_equal(
		vio_dev_read_config_u32(f->dev, offsetof(struct vio_net_config, speed), &c.speed),
		0);
	assert_int_equal(
		vio_dev_read_config_u8(f->dev, offsetof(struct vio_net_config, duplex), &c.duplex),
		0);
	expect_reads(f, want, RTE_DIM(want));
	assert_memory_equal(c.mac, f->config, 6);
	assert_int_equal(c.status, le_at(f, 6, 2));
	assert_int_equal(c.max_virtqueue_pairs, le_at(f, 8, 2));
	assert_int_equal(c.mtu, le_at(f, 10, 2));
	assert_int_equal(c.speed, le_at(f, 12, 4));
	assert_int_equal(c.duplex, f->config[16]);
}

/* A 64-bit field (blk capacity) is two 32-bit reads, low half first. */
static void
test_config_u64_halves(void **state)
{
	static const struct swdev_cfg_access want[] = { { 16, 4, false }, { 20, 4, false } };
	struct fixture *f = *state;
	uint64_t v = 0;

	swdev_config_log_clear(f->sw);
	assert_int_equal(vio_dev_read_config_u64(f->dev, 16, &v), 0);
	expect_reads(f, want, RTE_DIM(want));
	assert_int_equal(v, le_at(f, 16, 8));
}

/* The generation moves during the first reads: the result is still whole. */
static void
test_generation_retry(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[CFG_LEN];
	unsigned int reads0 = f->sw->config_reads;
	uint64_t u64 = 0;

	swdev_set_config_flaps(f->sw, 3);
	memset(buf, 0, sizeof(buf));
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 0, buf, CFG_LEN), 0);
	assert_memory_equal(buf, f->config, CFG_LEN);
	assert_true(f->sw->config_reads - reads0 >= 4);
	assert_int_equal(f->sw->config_flaps, 0);
	/* The two halves of a 64-bit field are re-read together. */
	swdev_set_config_flaps(f->sw, 1);
	assert_int_equal(vio_dev_read_config_u64(f->dev, 8, &u64), 0);
	assert_int_equal(u64, le_at(f, 8, 8));
	assert_int_equal(f->sw->config_flaps, 0);
	/* A real update between two reads is seen by the second. */
	f->config[0] = 0x99;
	swdev_config_update(f->sw, 0, f->config, 1);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 0, buf, 1), 0);
	assert_int_equal(buf[0], 0x99);
}

static void
test_generation_never_settles(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[CFG_LEN];
	unsigned int reads0 = f->sw->config_reads;
	uint64_t u64;

	swdev_set_config_flaps(f->sw, -1);
	log_capture_start(&f->log);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 0, buf, CFG_LEN), -EAGAIN);
	assert_int_equal(vio_dev_read_config_u64(f->dev, 0, &u64), -EAGAIN);
	assert_non_null(strstr(log_capture_text(&f->log), "swdev-negotiate"));
	log_capture_stop(&f->log);
	/* It gave up after a bounded number of tries. */
	assert_true(f->sw->config_reads - reads0 >= 2);
	assert_true(f->sw->config_reads - reads0 <= 100000);
	swdev_set_config_flaps(f->sw, 0);
	assert_int_equal(vio_dev_read_config_bytes(f->dev, 0, buf, CFG_LEN), 0);
	assert_memory_equal(buf, f->config, CFG_LEN);
}

/* ---- Transport ops looked up per process (vio_dev.h) ---- */

static uint8_t
other_get_status(struct vio_dev *dev)
{
	RTE_SET_USED(dev);
	return 0x42;
}

/* Another process's table for the same transport: same id, other address. */
static const struct vio_transport_ops other_ops = { .get_status = other_get_status };

static void
test_transport_registry(void **state)
{
	struct fixture *f = *state;
	const unsigned int id = VIO_TRANSPORT_OTHER + 5;
	struct vio_dev shared;

	assert_int_equal(f->dev->transport, SWDEV_TRANSPORT_ID);
	assert_ptr_equal(vio_dev_ops(f->dev), &swdev_transport_ops);
	assert_ptr_equal(vio_transport_lookup(SWDEV_TRANSPORT_ID), &swdev_transport_ops);
	/* The same table again is fine; another one for a taken id is not. */
	assert_int_equal(vio_transport_register(SWDEV_TRANSPORT_ID, &swdev_transport_ops), 0);
	log_capture_start(&f->log);
	assert_int_equal(vio_transport_register(SWDEV_TRANSPORT_ID, &other_ops), -EEXIST);
	assert_int_equal(vio_transport_register(VIO_TRANSPORT_NONE, &other_ops), -EINVAL);
	assert_int_equal(vio_transport_register(VIO_TRANSPORT_MAX, &other_ops), -EINVAL);
	assert_non_null(strstr(log_capture_text(&f->log), "already has another ops table"));
	log_capture_stop(&f->log);
	assert_null(vio_transport_lookup(VIO_TRANSPORT_NONE));
	assert_null(vio_transport_lookup(VIO_TRANSPORT_MAX));

	/*
	 * A vio_dev in shared memory, as a second process sees it: the same
	 * bytes resolve through that process's table, wherever it has the
	 * transport's ops. Nothing in the struct points at them.
	 */
	assert_int_equal(vio_dev_bind(f->dev, SWDEV_TRANSPORT_ID, &swdev_transport_ops), 0);
	memcpy(&shared, f->dev, sizeof(shared));
	shared.transport = (uint8_t)id;
	assert_null(vio_dev_ops(&shared)); /* not registered in "this process" yet */
	assert_int_equal(vio_transport_register(id, &other_ops), 0);
	assert_ptr_equal(vio_dev_ops(&shared), &other_ops);
	assert_int_equal(vio_dev_ops(&shared)->get_status(&shared), 0x42);
	vio_transport_unregister(id);
	assert_null(vio_transport_lookup(id));
	/* Binding records the id and registers the table. */
	assert_int_equal(vio_dev_bind(&shared, id, &other_ops), 0);
	assert_int_equal(shared.transport, id);
	assert_ptr_equal(vio_dev_ops(&shared), &other_ops);
	vio_transport_unregister(id);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_subset),
		T(test_high_bits),
		T(test_required_missing),
		T(test_version_1_missing),
		T(test_features_ok_refused),
		T(test_access_platform),
		T(test_order_platform),
		T(test_refused_feature),
		T(test_devarg_flag),
		T(test_devargs_ring_refused),
		T(test_reset_fails),
		T(test_reset_and_fail),
		T(test_driver_ok_device_failed),
		T(test_read_config),
		T(test_read_config_range),
		T(test_write_config),
		T(test_config_natural_widths_net),
		T(test_config_u64_halves),
		T(test_generation_retry),
		T(test_generation_never_settles),
		T(test_transport_registry),
	};

	/* No EAL: negotiation touches only the ops; rte_log works without it. */
	rte_log_set_level_pattern("lib.vireo.*", RTE_LOG_DEBUG);
	return cmocka_run_group_tests_name("vio_negotiate", tests, NULL, NULL);
}
