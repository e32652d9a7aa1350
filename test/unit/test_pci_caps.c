/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capability walker (vio_pci_parse_caps, vio_pci_doorbell_offset) on
 * synthetic 256-byte PCI config spaces. Every rejection must come with a
 * log line naming the device, and the walker must never read outside the
 * config space, whatever the device claims.
 */
#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include "vio_pci.h"
#include "vio_spec.h"

#define DEV_NAME "0000:00:0f.0-synthetic"
#define CFG_SIZE 256
#define BAR 4
#define BAR_LEN 0x4000

/* One capability of the synthetic device (pos 0: left out). */
struct capdef {
	uint8_t pos;
	uint8_t id;   /* PCI capability ID (0x09 vendor, 0x11 MSI-X) */
	uint8_t type; /* virtio cfg_type */
	uint8_t cap_len;
	uint8_t bar;
	uint32_t off;
	uint32_t len;
	uint32_t mult; /* notify only */
};

enum {
	C_MSIX,
	C_COMMON,
	C_ISR,
	C_DEVICE,
	C_NOTIFY,
	C_PCICFG,
	C_N
};

struct fixture {
	uint8_t cfg[CFG_SIZE];
	struct capdef caps[C_N];
	uint64_t bar_len[VIO_PCI_NUM_BARS];
	bool cap_list; /* status bit 4 */
	int fail_from; /* reads touching [fail_from, ...) fail; -1: none */
	bool short_reads;
	unsigned int reads;
	unsigned int oob_reads;
	struct log_capture log;
};

static const struct capdef good_caps[C_N] = {
	[C_MSIX] = { 0xa0, 0x11, 0, 12, 0, 0, 0, 0 },
	[C_COMMON] = { 0x40, VIO_PCI_CAP_VNDR, VIO_PCI_CAP_COMMON_CFG, 16, BAR, 0x0000, 0x1000, 0 },
	[C_ISR] = { 0x50, VIO_PCI_CAP_VNDR, VIO_PCI_CAP_ISR_CFG, 16, BAR, 0x1000, 0x1000, 0 },
	[C_DEVICE] = { 0x60, VIO_PCI_CAP_VNDR, VIO_PCI_CAP_DEVICE_CFG, 16, BAR, 0x2000, 0x1000, 0 },
	[C_NOTIFY] = { 0x70, VIO_PCI_CAP_VNDR, VIO_PCI_CAP_NOTIFY_CFG, 20, BAR, 0x3000, 0x1000, 4 },
	[C_PCICFG] = { 0x84, VIO_PCI_CAP_VNDR, VIO_PCI_CAP_PCI_CFG, 20, 0, 0, 0, 0 },
};

static int
cfg_read(void *ctx, void *buf, size_t len, size_t offset)
{
	struct fixture *f = ctx;

	f->reads++;
	if (offset > CFG_SIZE || len > CFG_SIZE - offset) {
		f->oob_reads++;
		return -EIO;
	}
	if (f->fail_from >= 0 && offset + len > (size_t)f->fail_from)
		return -EIO;
	memcpy(buf, &f->cfg[offset], len);
	if (f->short_reads && len > 1)
		return (int)len - 1;
	return (int)len;
}

static void
put32(uint8_t *p, uint32_t v)
{
	memcpy(p, &v, sizeof(v));
}

/* Lay the capabilities out in f->caps order, linked in that order. */
static void
build(struct fixture *f)
{
	uint8_t *link = &f->cfg[0x34];
	unsigned int i;

	memset(f->cfg, 0, sizeof(f->cfg));
	f->cfg[0] = 0xf4; /* vendor 0x1af4 */
	f->cfg[1] = 0x1a;
	f->cfg[2] = 0x41; /* device 0x1041: modern net */
	f->cfg[3] = 0x10;
	if (f->cap_list)
		f->cfg[0x06] = 0x10;
	for (i = 0; i < C_N; i++) {
		const struct capdef *c = &f->caps[i];
		uint8_t *p = &f->cfg[c->pos];

		if (c->pos == 0)
			continue;
		*link = c->pos;
		p[0] = c->id;
		p[1] = 0;
		link = &p[1];
		if (c->id != VIO_PCI_CAP_VNDR)
			continue;
		p[2] = c->cap_len;
		p[3] = c->type;
		p[4] = c->bar;
		put32(&p[8], c->off);
		put32(&p[12], c->len);
		if (c->type == VIO_PCI_CAP_NOTIFY_CFG && c->pos + 20 <= CFG_SIZE)
			put32(&p[16], c->mult);
	}
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->bar_len[BAR] = BAR_LEN;
	f->cap_list = true;
	f->fail_from = -1;
	build(f);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	/* Whatever the device said, nothing outside config space was read. */
	assert_int_equal(f->oob_reads, 0);
	free(f);
	return 0;
}

/* Parse; on success check every region lies inside its BAR. */
static int
parse(struct fixture *f, struct vio_pci_caps *caps)
{
	const struct vio_pci_region *r[4];
	unsigned int i;
	int rc;

	log_capture_start(&f->log);
	rc = vio_pci_parse_caps(cfg_read, f, f->bar_len, DEV_NAME, caps);
	if (rc != 0)
		/* Each rejection is explained, naming the device. */
		assert_non_null(strstr(log_capture_text(&f->log), DEV_NAME));
	log_capture_stop(&f->log);
	if (rc == 0) {
		r[0] = &caps->common;
		r[1] = &caps->notify;
		r[2] = &caps->isr;
		r[3] = &caps->device;
		for (i = 0; i < 4; i++) {
			assert_true(r[i]->bar < VIO_PCI_NUM_BARS);
			assert_true((uint64_t)r[i]->offset + r[i]->length <= f->bar_len[r[i]->bar]);
		}
	}
	return rc;
}

/* Rebuild after editing f->caps and expect @p rc. */
static void
expect(struct fixture *f, int rc)
{
	struct vio_pci_caps caps;

	build(f);
	assert_int_equal(parse(f, &caps), rc);
}

static void
test_good(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;

	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.common.bar, BAR);
	assert_int_equal(caps.common.offset, 0);
	assert_int_equal(caps.common.length, 0x1000);
	assert_int_equal(caps.isr.offset, 0x1000);
	assert_int_equal(caps.device.offset, 0x2000);
	assert_int_equal(caps.notify.offset, 0x3000);
	assert_int_equal(caps.notify.length, 0x1000);
	assert_int_equal(caps.notify_off_multiplier, 4);
	/* The pointer's two reserved low bits are ignored. */
	f->cfg[0x34] |= 3;
	assert_int_equal(parse(f, &caps), 0);
}

/* The minimum sizes and exactly-fitting regions are accepted. */
static void
test_good_edges(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;

	f->caps[C_COMMON].len = sizeof(struct vio_pci_common_cfg);
	f->caps[C_ISR].off = 0x1001; /* ISR needs no alignment */
	f->caps[C_ISR].len = 1;
	f->caps[C_NOTIFY].len = 2;
	f->caps[C_NOTIFY].mult = 0; /* all queues share one doorbell */
	f->caps[C_DEVICE].off = BAR_LEN - 0x100;
	f->caps[C_DEVICE].len = 0x100;
	build(f);
	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.notify_off_multiplier, 0);
	assert_int_equal(caps.common.length, 56);
	assert_int_equal(caps.device.offset + caps.device.length, BAR_LEN);
	/* Capabilities in different BARs. */
	f->bar_len[0] = 0x100;
	f->caps[C_ISR].bar = 0;
	f->caps[C_ISR].off = 0;
	f->caps[C_ISR].len = 0x100;
	build(f);
	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.isr.bar, 0);
}

/* Section 4.1.4: the first capability of a type is the one used. */
static void
test_duplicate_uses_first(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;
	uint8_t *p = &f->cfg[0xc0];

	/* Append a second common cap pointing somewhere else. */
	f->cfg[f->caps[C_PCICFG].pos + 1] = 0xc0;
	p[0] = VIO_PCI_CAP_VNDR;
	p[2] = 16;
	p[3] = VIO_PCI_CAP_COMMON_CFG;
	p[4] = BAR;
	put32(&p[8], 0x2000);
	put32(&p[12], 0x100);
	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.common.offset, 0);
	assert_int_equal(caps.common.length, 0x1000);
}

static void
test_missing_common_is_legacy(void **state)
{
	struct fixture *f = *state;

	f->caps[C_COMMON].pos = 0;
	expect(f, -ENODEV);
}

static void
test_missing_notify(void **state)
{
	struct fixture *f = *state;

	f->caps[C_NOTIFY].pos = 0;
	expect(f, -EINVAL);
}

static void
test_missing_isr(void **state)
{
	struct fixture *f = *state;

	f->caps[C_ISR].pos = 0;
	expect(f, -EINVAL);
}

static void
test_missing_device(void **state)
{
	struct fixture *f = *state;

	f->caps[C_DEVICE].pos = 0;
	expect(f, -EINVAL);
}

static void
test_legacy_only(void **state)
{
	struct fixture *f = *state;
	unsigned int i;

	/* Capability list, but no vendor capability at all. */
	for (i = C_COMMON; i < C_N; i++)
		f->caps[i].pos = 0;
	expect(f, -ENODEV);
	/* No capability list at all (status bit clear): the caps are ignored. */
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->cap_list = false;
	expect(f, -ENODEV);
	/* Status says list, pointer is 0. */
	f->cap_list = true;
	build(f);
	f->cfg[0x34] = 0;
	{
		struct vio_pci_caps caps;

		assert_int_equal(parse(f, &caps), -ENODEV);
	}
}

static void
test_bad_bar_index(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bars[] = { 6, 7, 0xff };
	unsigned int i;

	for (i = 0; i < RTE_DIM(bars); i++) {
		memcpy(f->caps, good_caps, sizeof(good_caps));
		f->caps[C_COMMON].bar = bars[i];
		expect(f, -EINVAL);
		memcpy(f->caps, good_caps, sizeof(good_caps));
		f->caps[C_NOTIFY].bar = bars[i];
		expect(f, -EINVAL);
	}
}

static void
test_bar_absent(void **state)
{
	struct fixture *f = *state;

	f->caps[C_DEVICE].bar = 2; /* bar_len[2] == 0 */
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->bar_len[BAR] = 0;
	expect(f, -EINVAL);
}

static void
test_overflow(void **state)
{
	struct fixture *f = *state;

	f->caps[C_DEVICE].off = 0x1000;
	f->caps[C_DEVICE].len = 0xffffffff;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_COMMON].off = 0xfffffff0;
	f->caps[C_COMMON].len = 0x38;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_ISR].off = 0xffffffff;
	f->caps[C_ISR].len = 1;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_NOTIFY].off = 0xfffffffe;
	f->caps[C_NOTIFY].len = 0xffffffff;
	expect(f, -EINVAL);
}

static void
test_misaligned(void **state)
{
	struct fixture *f = *state;

	f->caps[C_COMMON].off = 2;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_NOTIFY].off = 0x3001;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_DEVICE].off = 0x2002;
	expect(f, -EINVAL);
}

static void
test_too_short(void **state)
{
	struct fixture *f = *state;

	f->caps[C_COMMON].len = 32;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_COMMON].len = sizeof(struct vio_pci_common_cfg) - 1;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_NOTIFY].len = 1;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_ISR].len = 0;
	expect(f, -EINVAL);
	/* A notify capability without room for notify_off_multiplier. */
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_NOTIFY].cap_len = 16;
	expect(f, -EINVAL);
	/* A vendor capability shorter than struct virtio_pci_cap. */
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_COMMON].cap_len = 8;
	expect(f, -EINVAL);
}

static void
test_beyond_bar(void **state)
{
	struct fixture *f = *state;

	f->caps[C_COMMON].off = BAR_LEN - 0x30;
	f->caps[C_COMMON].len = 0x38;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_ISR].off = BAR_LEN;
	f->caps[C_ISR].len = 1;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_NOTIFY].off = BAR_LEN - 0x100;
	f->caps[C_NOTIFY].len = 0x101;
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_DEVICE].len = BAR_LEN;
	expect(f, -EINVAL);
}

static void
test_loop(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;

	/* Last capability points back to the first vendor cap. */
	f->cfg[f->caps[C_PCICFG].pos + 1] = f->caps[C_COMMON].pos;
	assert_int_equal(parse(f, &caps), -ELOOP);
	/* A capability pointing to itself, before any virtio cap. */
	build(f);
	f->cfg[f->caps[C_MSIX].pos + 1] = f->caps[C_MSIX].pos;
	assert_int_equal(parse(f, &caps), -ELOOP);
	/* A loop through the same position with the reserved bits set. */
	build(f);
	f->cfg[f->caps[C_MSIX].pos + 1] = f->caps[C_MSIX].pos | 2;
	assert_int_equal(parse(f, &caps), -ELOOP);
}

static void
test_bad_pointer(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;

	/* Into the standard header. */
	f->cfg[0x34] = 0x10;
	assert_int_equal(parse(f, &caps), -EINVAL);
	build(f);
	f->cfg[f->caps[C_ISR].pos + 1] = 0x3c;
	assert_int_equal(parse(f, &caps), -EINVAL);
	/* At the very end: a vendor capability there cannot fit. */
	build(f);
	f->cfg[f->caps[C_PCICFG].pos + 1] = 0xfe;
	f->cfg[0xfc] = VIO_PCI_CAP_VNDR;
	f->cfg[0xfd] = 0;
	assert_int_equal(parse(f, &caps), -EINVAL);
	/* A vendor capability whose cap_len runs past the config space. */
	f->caps[C_NOTIFY].pos = 0xf0; /* 20 bytes from 0xf0: 4 past the end */
	build(f);
	assert_int_equal(parse(f, &caps), -EINVAL);
}

static void
test_read_fails(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;
	static const int from[] = { 0, 0x06, 0x34, 0x40, 0x48, 0x70, 0x80 };
	unsigned int i;

	for (i = 0; i < RTE_DIM(from); i++) {
		f->fail_from = from[i];
		assert_int_equal(parse(f, &caps), -EIO);
	}
	f->fail_from = -1;
	f->short_reads = true;
	assert_int_equal(parse(f, &caps), -EIO);
	/* Reads of the tail of config space only: the walk never gets there. */
	f->short_reads = false;
	f->fail_from = 0xc0;
	assert_int_equal(parse(f, &caps), 0);
}

static void
test_notify_multiplier(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;

	f->caps[C_NOTIFY].mult = 0;
	build(f);
	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.notify_off_multiplier, 0);
	/* Section 4.1.4.4: 0 or an even power of 2. */
	f->caps[C_NOTIFY].mult = 3;
	expect(f, -EINVAL);
	f->caps[C_NOTIFY].mult = 0x1000;
	build(f);
	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.notify_off_multiplier, 0x1000);
}

static void
test_doorbell_offset(void **state)
{
	struct vio_pci_caps caps;
	uint32_t off;

	(void)state;
	memset(&caps, 0, sizeof(caps));
	caps.notify.bar = BAR;
	caps.notify.offset = 0x3000;
	caps.notify.length = 402;
	caps.notify_off_multiplier = 4;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0, &off), 0);
	assert_int_equal(off, 0);
	assert_int_equal(vio_pci_doorbell_offset(&caps, 7, &off), 0);
	assert_int_equal(off, 28);
	/* 100 * 4 + 2 == 402: fits exactly. */
	assert_int_equal(vio_pci_doorbell_offset(&caps, 100, &off), 0);
	assert_int_equal(off, 400);
	off = 0x5a5a;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 101, &off), -ERANGE);
	assert_int_equal(off, 0x5a5a);
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0xffff, &off), -ERANGE);
	/* No 32-bit wrap-around of queue_notify_off * multiplier. */
	caps.notify.length = 0xffffffff;
	caps.notify_off_multiplier = 0x10000;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0xffff, &off), 0);
	assert_int_equal(off, 0xffff0000u);
	caps.notify_off_multiplier = 0x20000;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0x8000, &off), -ERANGE);
	caps.notify_off_multiplier = 0xfffffffe;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0xffff, &off), -ERANGE);
	/* Multiplier 0: every queue on offset 0, if 2 bytes fit. */
	caps.notify_off_multiplier = 0;
	caps.notify.length = 2;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0xffff, &off), 0);
	assert_int_equal(off, 0);
	caps.notify.length = 1;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0, &off), -ERANGE);
	caps.notify.length = 0;
	assert_int_equal(vio_pci_doorbell_offset(&caps, 0, &off), -ERANGE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_good),
		T(test_good_edges),
		T(test_duplicate_uses_first),
		T(test_missing_common_is_legacy),
		T(test_missing_notify),
		T(test_missing_isr),
		T(test_missing_device),
		T(test_legacy_only),
		T(test_bad_bar_index),
		T(test_bar_absent),
		T(test_overflow),
		T(test_misaligned),
		T(test_too_short),
		T(test_beyond_bar),
		T(test_loop),
		T(test_bad_pointer),
		T(test_read_fails),
		T(test_notify_multiplier),
		T(test_doorbell_offset),
	};

	/* No EAL: the walker is pure; rte_log works before rte_eal_init(). */
	rte_log_set_level_pattern("lib.vireo.*", RTE_LOG_DEBUG);
	return cmocka_run_group_tests_name("vio_pci_caps", tests, NULL, NULL);
}
