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

#include <bus_pci_driver.h>
#include <rte_interrupts.h>

#include "vio_dev.h"
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
	struct vio_pci_bar_info bars[VIO_PCI_NUM_BARS];
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
	f->bars[BAR].len = BAR_LEN;
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
	rc = vio_pci_parse_caps(cfg_read, f, f->bars, DEV_NAME, caps);
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
			assert_true((uint64_t)r[i]->offset + r[i]->length <=
				    f->bars[r[i]->bar].len);
			assert_int_equal(r[i]->is_io, f->bars[r[i]->bar].is_io);
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
	f->bars[0].len = 0x100;
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

/* Section 4.1.4.1: a capability naming a reserved BAR is ignored. */
static void
test_bad_bar_index(void **state)
{
	struct fixture *f = *state;
	static const uint8_t bars[] = { 6, 7, 0xff };
	unsigned int i;

	for (i = 0; i < RTE_DIM(bars); i++) {
		/* The only common config ignored: as if there were none. */
		memcpy(f->caps, good_caps, sizeof(good_caps));
		f->caps[C_COMMON].bar = bars[i];
		expect(f, -ENODEV);
		memcpy(f->caps, good_caps, sizeof(good_caps));
		f->caps[C_NOTIFY].bar = bars[i];
		expect(f, -EINVAL);
	}
}

/* Append a vendor capability at @p pos after the last one of the list. */
static void
append_cap(struct fixture *f, uint8_t pos, uint8_t type, uint8_t cap_len, uint8_t bar, uint32_t off,
	   uint32_t len, uint32_t mult)
{
	uint8_t *p = &f->cfg[pos];
	uint8_t last = f->caps[C_PCICFG].pos;

	while (f->cfg[last + 1] != 0)
		last = f->cfg[last + 1];
	f->cfg[last + 1] = pos;
	memset(p, 0, cap_len);
	p[0] = VIO_PCI_CAP_VNDR;
	p[2] = cap_len;
	p[3] = type;
	p[4] = bar;
	put32(&p[8], off);
	put32(&p[12], len);
	if (type == VIO_PCI_CAP_NOTIFY_CFG && cap_len >= 20)
		put32(&p[16], mult);
}

/*
 * A first capability the driver cannot use, then a usable one of the same
 * type: the usable one is taken (section 4.1.4.1), and the skip is logged
 * with the reason.
 */
static void
expect_second(struct fixture *f, unsigned int which, const char *reason)
{
	static const uint8_t types[C_N] = {
		[C_COMMON] = VIO_PCI_CAP_COMMON_CFG,
		[C_ISR] = VIO_PCI_CAP_ISR_CFG,
		[C_DEVICE] = VIO_PCI_CAP_DEVICE_CFG,
		[C_NOTIFY] = VIO_PCI_CAP_NOTIFY_CFG,
	};
	const struct vio_pci_region *got;
	struct vio_pci_caps caps;
	int rc;

	build(f);
	append_cap(f, 0xc0, types[which], 20, 0, 0x40, 0x80, 2);
	f->bars[0].len = 0x100;
	log_capture_start(&f->log);
	rc = vio_pci_parse_caps(cfg_read, f, f->bars, DEV_NAME, &caps);
	if (strstr(log_capture_text(&f->log), reason) == NULL)
		fail_msg("no log line with \"%s\"", reason);
	log_capture_stop(&f->log);
	assert_int_equal(rc, 0);
	got = which == C_COMMON ? &caps.common :
	      which == C_ISR    ? &caps.isr :
	      which == C_DEVICE ? &caps.device :
				  &caps.notify;
	assert_int_equal(got->bar, 0);
	assert_int_equal(got->offset, 0x40);
	assert_int_equal(got->length, 0x80);
	if (which == C_NOTIFY)
		assert_int_equal(caps.notify_off_multiplier, 2);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->bars[0].len = 0;
}

static void
test_skips_unusable_first(void **state)
{
	struct fixture *f = *state;
	static const unsigned int types[] = { C_COMMON, C_ISR, C_DEVICE, C_NOTIFY };
	unsigned int i;

	for (i = 0; i < RTE_DIM(types); i++) {
		f->caps[types[i]].bar = 2; /* absent */
		expect_second(f, types[i], "BAR 2 is absent");
		f->caps[types[i]].off = BAR_LEN; /* past the BAR */
		f->caps[types[i]].len = 0x1000;
		expect_second(f, types[i], "exceeds memory BAR 4");
		f->caps[types[i]].len = 0; /* too small */
		expect_second(f, types[i], "below the");
	}
	f->caps[C_COMMON].off = 2;
	expect_second(f, C_COMMON, "not 4-byte aligned");
	f->caps[C_DEVICE].off = 0x2001;
	expect_second(f, C_DEVICE, "not 4-byte aligned");
	f->caps[C_NOTIFY].off = 0x3001;
	expect_second(f, C_NOTIFY, "not 2-byte aligned");
	f->caps[C_NOTIFY].mult = 5;
	expect_second(f, C_NOTIFY, "is odd");
	f->caps[C_NOTIFY].cap_len = 16;
	expect_second(f, C_NOTIFY, "16 bytes, 20 needed");
	/* A capability naming a reserved BAR is passed over the same way. */
	f->caps[C_COMMON].bar = 6;
	build(f);
	append_cap(f, 0xc0, VIO_PCI_CAP_COMMON_CFG, 16, BAR, 0x800, 0x38, 0);
	{
		struct vio_pci_caps caps;

		assert_int_equal(parse(f, &caps), 0);
		assert_int_equal(caps.common.offset, 0x800);
	}
}

/* None usable: -EINVAL (not -ENODEV), and the message says why. */
static void
test_none_usable(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;
	const char *log;

	f->caps[C_COMMON].bar = 2;
	build(f);
	append_cap(f, 0xc0, VIO_PCI_CAP_COMMON_CFG, 16, BAR, 0x802, 0x38, 0);
	log_capture_start(&f->log);
	assert_int_equal(vio_pci_parse_caps(cfg_read, f, f->bars, DEV_NAME, &caps), -EINVAL);
	log = log_capture_text(&f->log);
	assert_non_null(strstr(log, DEV_NAME ": none of the 2 common config capabilities"));
	assert_non_null(strstr(log, "offset 0x802 is not 4-byte aligned"));
	log_capture_stop(&f->log);
}

/* Section 4.1.4: structures may live in I/O-space BARs. */
static void
test_io_bar(void **state)
{
	struct fixture *f = *state;
	struct vio_pci_caps caps;

	f->bars[2].len = 0x40;
	f->bars[2].is_io = true;
	f->caps[C_NOTIFY].bar = 2;
	f->caps[C_NOTIFY].off = 0;
	f->caps[C_NOTIFY].len = 0x40;
	f->caps[C_ISR].bar = 2;
	f->caps[C_ISR].off = 0x3f;
	f->caps[C_ISR].len = 1;
	build(f);
	assert_int_equal(parse(f, &caps), 0);
	assert_true(caps.notify.is_io);
	assert_int_equal(caps.notify.bar, 2);
	assert_true(caps.isr.is_io);
	assert_false(caps.common.is_io);
	/* An I/O region is bounded by its BAR like a memory one... */
	f->caps[C_NOTIFY].len = 0x41;
	expect(f, -EINVAL);
	/* ... and an I/O BAR of unknown size is not used (a later MMIO one is). */
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->caps[C_NOTIFY].bar = 2;
	f->bars[2].len = 0;
	build(f);
	append_cap(f, 0xc0, VIO_PCI_CAP_NOTIFY_CFG, 20, BAR, 0x3000, 0x100, 4);
	assert_int_equal(parse(f, &caps), 0);
	assert_int_equal(caps.notify.bar, BAR);
	assert_false(caps.notify.is_io);
}

static void
test_bar_absent(void **state)
{
	struct fixture *f = *state;

	f->caps[C_DEVICE].bar = 2; /* bar_len[2] == 0 */
	expect(f, -EINVAL);
	memcpy(f->caps, good_caps, sizeof(good_caps));
	f->bars[BAR].len = 0;
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

/* ---- The transport over synthetic BARs (vio_pci_dev_attach). ---- */

#define IO_BAR 2
#define REGS_LEN 0x100
#define LOG_MAX 256

/* A device whose registers are plain bytes, reached through port I/O. */
struct port_dev {
	uint8_t regs[REGS_LEN];
	struct access {
		uint32_t off;
		uint8_t width;
		bool write;
		uint32_t val;
	} log[LOG_MAX];
	unsigned int n;
	bool bad;        /* access outside the BAR, to another BAR or of a bad width */
	bool no_vectors; /* queue_msix_vector reads back VIRTIO_MSI_NO_VECTOR */
};

static void
port_log(struct port_dev *d, uint8_t bar, uint32_t off, unsigned int width, bool write,
	 uint32_t val)
{
	if (bar != IO_BAR || (width != 1 && width != 2 && width != 4) || off % width != 0 ||
	    off + width > REGS_LEN) {
		d->bad = true;
		return;
	}
	if (d->n < LOG_MAX)
		d->log[d->n++] = (struct access){ off, (uint8_t)width, write, val };
}

static uint32_t
port_read(struct vio_pci_dev *dev, uint8_t bar, uint32_t off, unsigned int width)
{
	struct port_dev *d = dev->port_ctx;
	uint32_t v = 0;

	port_log(d, bar, off, width, false, 0);
	if (!d->bad)
		memcpy(&v, &d->regs[off], width); /* little-endian host */
	/* A device out of vectors (section 4.1.5.1.2.1). */
	if (d->no_vectors && off == offsetof(struct vio_pci_common_cfg, queue_msix_vector))
		v = VIO_MSI_NO_VECTOR;
	return v;
}

static void
port_write(struct vio_pci_dev *dev, uint8_t bar, uint32_t off, uint32_t val, unsigned int width)
{
	struct port_dev *d = dev->port_ctx;

	port_log(d, bar, off, width, true, val);
	if (!d->bad)
		memcpy(&d->regs[off], &val, width);
}

static const struct vio_pci_port_ops port_ops = { port_read, port_write };

/* Layout in the I/O BAR: common 0x00, ISR 0x38, device 0x40, notify 0x80. */
#define P_ISR 0x38
#define P_DEV 0x40
#define P_NOTIFY 0x80

static void
port_caps(struct vio_pci_caps *caps, bool io)
{
	memset(caps, 0, sizeof(*caps));
	caps->common = (struct vio_pci_region){ IO_BAR, io, 0, 0x38 };
	caps->isr = (struct vio_pci_region){ IO_BAR, io, P_ISR, 1 };
	caps->device = (struct vio_pci_region){ IO_BAR, io, P_DEV, 0x20 };
	caps->notify = (struct vio_pci_region){ IO_BAR, io, P_NOTIFY, 0x10 };
	caps->notify_off_multiplier = 2;
}

/* The next logged access is exactly this one. */
static void
expect_access(struct port_dev *d, unsigned int *i, uint32_t off, unsigned int width, bool write)
{
	assert_true(*i < d->n);
	if (d->log[*i].off != off || d->log[*i].width != width || d->log[*i].write != write)
		fail_msg("access %u: %s 0x%x width %u, expected %s 0x%x width %u", *i,
			 d->log[*i].write ? "write" : "read", d->log[*i].off, d->log[*i].width,
			 write ? "write" : "read", off, width);
	(*i)++;
}

/*
 * Device config through the PCI transport: each field with its natural
 * width (section 4.1.3.1), the MAC byte by byte (it used to be 4 + 2).
 */
static void
test_transport_config_widths(void **state)
{
	struct port_dev *d = calloc(1, sizeof(*d));
	volatile uint8_t *const no_va[VIO_PCI_NUM_BARS] = { NULL };
	struct vio_pci_dev dev;
	struct vio_pci_caps caps;
	uint8_t mac[6], duplex;
	uint16_t status, mtu;
	uint32_t speed;
	uint64_t cap64;
	unsigned int i = 0, k;

	(void)state;
	assert_non_null(d);
	for (k = 0; k < 0x20; k++)
		d->regs[P_DEV + k] = (uint8_t)(0x10 + k);
	port_caps(&caps, true);
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(vio_pci_dev_attach(&dev, DEV_NAME, &caps, no_va, &port_ops, d), 0);
	d->n = 0;
	assert_int_equal(vio_dev_read_config_bytes(&dev.vdev, 0, mac, sizeof(mac)), 0);
	assert_int_equal(vio_dev_read_config_u16(&dev.vdev, 6, &status), 0);
	assert_int_equal(vio_dev_read_config_u16(&dev.vdev, 10, &mtu), 0);
	assert_int_equal(vio_dev_read_config_u32(&dev.vdev, 12, &speed), 0);
	assert_int_equal(vio_dev_read_config_u8(&dev.vdev, 16, &duplex), 0);
	assert_int_equal(vio_dev_read_config_u64(&dev.vdev, 24, &cap64), 0);
	assert_int_equal(vio_dev_write_config_u16(&dev.vdev, 2, 0xbeef), 0);
	expect_access(d, &i, 21, 1, false); /* config_generation */
	for (k = 0; k < 6; k++)
		expect_access(d, &i, P_DEV + k, 1, false);
	expect_access(d, &i, 21, 1, false);
	expect_access(d, &i, P_DEV + 6, 2, false);
	expect_access(d, &i, P_DEV + 10, 2, false);
	expect_access(d, &i, P_DEV + 12, 4, false);
	expect_access(d, &i, P_DEV + 16, 1, false);
	expect_access(d, &i, 21, 1, false);
	expect_access(d, &i, P_DEV + 24, 4, false); /* low half first */
	expect_access(d, &i, P_DEV + 28, 4, false);
	expect_access(d, &i, 21, 1, false);
	expect_access(d, &i, P_DEV + 2, 2, true);
	assert_int_equal(i, d->n);
	assert_false(d->bad);
	for (k = 0; k < 6; k++)
		assert_int_equal(mac[k], 0x10 + k);
	assert_int_equal(status, 0x1716);
	assert_int_equal(mtu, 0x1b1a);
	assert_int_equal(speed, 0x1f1e1d1c);
	assert_int_equal(duplex, 0x20);
	assert_int_equal(cap64, 0x2f2e2d2c2b2a2928ull);
	assert_int_equal(d->regs[P_DEV + 2], 0xef);
	assert_int_equal(d->regs[P_DEV + 3], 0xbe);
	free(d);
}

/* Common config, queue setup and the doorbell, all in an I/O BAR. */
static void
test_transport_port_io(void **state)
{
	struct port_dev *d = calloc(1, sizeof(*d));
	volatile uint8_t *const no_va[VIO_PCI_NUM_BARS] = { NULL };
	struct vio_queue_cfg qc = { 64, 0x1122334455667788ull, 0x99aabbccddeeff00ull, 0x1000 };
	struct vio_notify_addr na = { (volatile void *)1, 0 };
	const struct vio_transport_ops *ops;
	struct vio_pci_dev dev;
	struct vio_pci_caps caps;
	unsigned int i = 0;

	(void)state;
	assert_non_null(d);
	d->regs[18] = 2; /* num_queues */
	d->regs[24] = 0; /* queue_size 256 */
	d->regs[25] = 1;
	d->regs[30] = 3; /* queue_notify_off */
	d->regs[P_ISR] = 0x3;
	port_caps(&caps, true);
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(vio_pci_dev_attach(&dev, DEV_NAME, &caps, no_va, &port_ops, d), 0);
	ops = vio_dev_ops(&dev.vdev);
	d->n = 0;
	ops->set_status(&dev.vdev, VIO_STATUS_ACKNOWLEDGE);
	assert_int_equal(ops->get_status(&dev.vdev), VIO_STATUS_ACKNOWLEDGE);
	ops->set_features(&dev.vdev, 0x100000020ull);
	assert_int_equal(ops->queue_setup(&dev.vdev, 1, &qc, &na), 0);
	/* No MMIO doorbell: notify goes through ops->notify with the offset. */
	assert_null(na.doorbell);
	assert_int_equal(na.data, 6);
	ops->notify(&dev.vdev, 1, na.data);
	assert_int_equal(ops->isr_read(&dev.vdev), 0x3);
	expect_access(d, &i, 20, 1, true);
	expect_access(d, &i, 20, 1, false);
	expect_access(d, &i, 8, 4, true);
	expect_access(d, &i, 12, 4, true);
	expect_access(d, &i, 8, 4, true);
	expect_access(d, &i, 12, 4, true);
	expect_access(d, &i, 18, 2, false); /* num_queues */
	expect_access(d, &i, 22, 2, true);  /* queue_select */
	expect_access(d, &i, 24, 2, false); /* queue_size */
	expect_access(d, &i, 30, 2, false); /* queue_notify_off */
	expect_access(d, &i, 24, 2, true);
	expect_access(d, &i, 26, 2, true); /* queue_msix_vector */
	expect_access(d, &i, 32, 4, true); /* queue_desc, low then high */
	expect_access(d, &i, 36, 4, true);
	expect_access(d, &i, 40, 4, true);
	expect_access(d, &i, 44, 4, true);
	expect_access(d, &i, 48, 4, true);
	expect_access(d, &i, 52, 4, true);
	expect_access(d, &i, 28, 2, true); /* queue_enable */
	expect_access(d, &i, P_NOTIFY + 6, 2, true);
	assert_int_equal(d->log[i - 1].val, 1); /* the queue index */
	expect_access(d, &i, P_ISR, 1, false);
	assert_int_equal(i, d->n);
	assert_false(d->bad);
	assert_int_equal(d->regs[32], 0x88);
	assert_int_equal(d->regs[39], 0x11);
	assert_int_equal(d->regs[12], 1); /* high feature word written last */
	/* A doorbell past the notify region is refused at setup. */
	d->regs[30] = 8; /* 8 * 2 + 2 > 0x10 */
	assert_int_equal(ops->queue_setup(&dev.vdev, 1, &qc, &na), -ERANGE);
	free(d);
}

/*
 * Interrupt mode, queue side (the vectors were routed: state as
 * vio_pci_intr_enable() leaves it, which needs VFIO): a queue set up with
 * vdev.queue_intr gets the next vector, read back, and its fd is the
 * handle's eventfd for it; a device that answers VIRTIO_MSI_NO_VECTOR
 * fails the setup with -EIO; a queue without queue_intr gets NO_VECTOR.
 * Without VFIO MSI-X, vio_pci_intr_enable() refuses with -ENOTSUP.
 */
static void
test_transport_msix_vectors(void **state)
{
	struct port_dev *d = calloc(1, sizeof(*d));
	volatile uint8_t *const no_va[VIO_PCI_NUM_BARS] = { NULL };
	struct vio_queue_cfg qc = { 64, 0x1000, 0x2000, 0x3000 };
	const size_t vec_off = offsetof(struct vio_pci_common_cfg, queue_msix_vector);
	uint16_t vectors[4];
	struct rte_intr_handle *h = rte_intr_instance_alloc(RTE_INTR_INSTANCE_F_PRIVATE);
	const struct vio_transport_ops *ops;
	struct vio_pci_dev dev;
	struct vio_pci_caps caps;
	uint16_t got;

	(void)state;
	assert_non_null(d);
	assert_non_null(h);
	d->regs[18] = 2; /* num_queues */
	d->regs[25] = 1; /* queue_size 256 */
	port_caps(&caps, true);
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(vio_pci_dev_attach(&dev, DEV_NAME, &caps, no_va, &port_ops, d), 0);
	ops = vio_dev_ops(&dev.vdev);
	/* No handle, then a uio one: refused, nothing touched. */
	assert_int_equal(vio_pci_intr_enable(&dev, 1), -ENOTSUP);
	assert_int_equal(rte_intr_type_set(h, RTE_INTR_HANDLE_UIO), 0);
	dev.intr = h;
	assert_int_equal(vio_pci_intr_enable(&dev, 1), -ENOTSUP);
	assert_false(dev.intr_on);
	/* Routed: vector 1 is efd 0 (fd 42 here, never used as an fd). */
	assert_int_equal(rte_intr_efds_index_set(h, 0, 42), 0);
	dev.intr_on = true;
	dev.intr_next_vector = 1;
	dev.intr_nb_vectors = 1;
	vectors[0] = vectors[1] = VIO_MSI_NO_VECTOR;
	dev.queue_vector = vectors;
	assert_int_equal(ops->queue_setup(&dev.vdev, 1, &qc, NULL), 0);
	assert_int_equal(vio_dev_queue_intr_fd(&dev.vdev, 1), -ENOTSUP); /* not asked for */
	memcpy(&got, &d->regs[vec_off], 2);
	assert_int_equal(got, VIO_MSI_NO_VECTOR);
	dev.vdev.queue_intr = true;
	d->no_vectors = true;
	assert_int_equal(ops->queue_setup(&dev.vdev, 0, &qc, NULL), -EIO);
	assert_int_equal(vio_dev_queue_intr_fd(&dev.vdev, 0), -ENOTSUP);
	d->no_vectors = false;
	assert_int_equal(ops->queue_setup(&dev.vdev, 0, &qc, NULL), 0);
	memcpy(&got, &d->regs[vec_off], 2);
	assert_int_equal(got, 1);
	assert_int_equal(vio_dev_queue_intr_fd(&dev.vdev, 0), 42);
	/* One vector only: the next queue is refused. */
	assert_int_equal(ops->queue_setup(&dev.vdev, 1, &qc, NULL), -ENOSPC);
	dev.queue_vector = NULL;
	dev.intr_on = false;
	rte_intr_instance_free(h);
	free(d);
}

/* Memory BARs: little-endian registers; the doorbell is an MMIO address. */
static void
test_transport_mmio(void **state)
{
	uint8_t *bar = calloc(1, REGS_LEN);
	volatile uint8_t *va[VIO_PCI_NUM_BARS] = { NULL };
	struct vio_queue_cfg qc = { 64, 0x1000, 0x2000, 0x3000 };
	struct vio_notify_addr na = { NULL, 0 };
	const struct vio_transport_ops *ops;
	struct vio_pci_dev dev;
	struct vio_pci_caps caps;
	uint16_t mtu = 0;

	(void)state;
	assert_non_null(bar);
	va[IO_BAR] = bar;
	bar[4] = 0x01; /* device_feature, low word (select 0 and 1 alike here) */
	bar[7] = 0x80;
	bar[18] = 1;
	bar[25] = 1;
	bar[30] = 2;
	bar[P_DEV + 10] = 0xdc;
	bar[P_DEV + 11] = 0x05;
	port_caps(&caps, false);
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(vio_pci_dev_attach(&dev, DEV_NAME, &caps, va, NULL, NULL), 0);
	ops = vio_dev_ops(&dev.vdev);
	assert_int_equal(ops->get_features(&dev.vdev), 0x8000000180000001ull);
	assert_int_equal(vio_dev_read_config_u16(&dev.vdev, 10, &mtu), 0);
	assert_int_equal(mtu, 1500);
	assert_int_equal(ops->queue_setup(&dev.vdev, 0, &qc, &na), 0);
	assert_ptr_equal(na.doorbell, bar + P_NOTIFY + 4);
	assert_int_equal(bar[28], 1);
	/* A region in an I/O BAR without port access cannot be bound. */
	port_caps(&caps, true);
	log_capture_start(&((struct fixture *)*state)->log);
	assert_int_equal(vio_pci_dev_attach(&dev, DEV_NAME, &caps, va, NULL, NULL), -EINVAL);
	log_capture_stop(&((struct fixture *)*state)->log);
	free(bar);
}

/*
 * A secondary process takes a device the primary bound (vio_pci_dev in
 * shared memory): the PCI transport registers itself in this process, and
 * every structure must be at the address the primary recorded.
 */
static void
test_transport_secondary(void **state)
{
	struct fixture *f = *state;
	uint8_t *bar = calloc(1, REGS_LEN);
	uint8_t *elsewhere = calloc(1, REGS_LEN);
	volatile uint8_t *va[VIO_PCI_NUM_BARS] = { NULL };
	const struct vio_transport_ops *pci_ops;
	struct rte_pci_device pci;
	struct vio_pci_dev dev, io_dev;
	struct vio_pci_caps caps;

	assert_non_null(bar);
	assert_non_null(elsewhere);
	va[IO_BAR] = bar;
	bar[18] = 2; /* num_queues */
	port_caps(&caps, false);
	memset(&dev, 0, sizeof(dev));
	assert_int_equal(vio_pci_dev_attach(&dev, DEV_NAME, &caps, va, NULL, NULL), 0);
	assert_int_equal(dev.vdev.transport, VIO_TRANSPORT_PCI);
	pci_ops = vio_dev_ops(&dev.vdev);
	assert_non_null(pci_ops);

	/* A fresh process has no table until the secondary attach registers it. */
	vio_transport_unregister(VIO_TRANSPORT_PCI);
	assert_null(vio_dev_ops(&dev.vdev));
	memset(&pci, 0, sizeof(pci));
	pci.mem_resource[IO_BAR].addr = bar;
	pci.mem_resource[IO_BAR].len = REGS_LEN;
	assert_int_equal(vio_pci_dev_attach_secondary(&dev, &pci), 0);
	assert_ptr_equal(vio_dev_ops(&dev.vdev), pci_ops);
	assert_int_equal(pci_ops->num_queues(&dev.vdev), 2);

	/* The BAR mapped elsewhere in this process, or not at all. */
	log_capture_start(&f->log);
	pci.mem_resource[IO_BAR].addr = elsewhere;
	assert_int_equal(vio_pci_dev_attach_secondary(&dev, &pci), -EFAULT);
	pci.mem_resource[IO_BAR].addr = NULL;
	assert_int_equal(vio_pci_dev_attach_secondary(&dev, &pci), -EFAULT);
	assert_non_null(strstr(log_capture_text(&f->log), DEV_NAME));
	log_capture_stop(&f->log);

	/* Structures in an I/O BAR: the port handles are the primary's. */
	port_caps(&caps, true);
	memset(&io_dev, 0, sizeof(io_dev));
	assert_int_equal(vio_pci_dev_attach(&io_dev, DEV_NAME, &caps, va, &port_ops,
					    calloc(1, sizeof(struct port_dev))),
			 0);
	free(io_dev.port_ctx);
	log_capture_start(&f->log);
	assert_int_equal(vio_pci_dev_attach_secondary(&io_dev, &pci), -ENOTSUP);
	assert_non_null(strstr(log_capture_text(&f->log), "I/O BAR"));
	log_capture_stop(&f->log);

	/* A device of another transport is refused. */
	io_dev.vdev.transport = VIO_TRANSPORT_OTHER;
	log_capture_start(&f->log);
	assert_int_equal(vio_pci_dev_attach_secondary(&io_dev, &pci), -EINVAL);
	log_capture_stop(&f->log);
	free(bar);
	free(elsewhere);
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
		T(test_skips_unusable_first),
		T(test_none_usable),
		T(test_io_bar),
		T(test_overflow),
		T(test_misaligned),
		T(test_too_short),
		T(test_beyond_bar),
		T(test_loop),
		T(test_bad_pointer),
		T(test_read_fails),
		T(test_notify_multiplier),
		T(test_doorbell_offset),
		T(test_transport_config_widths),
		T(test_transport_port_io),
		T(test_transport_mmio),
		T(test_transport_secondary),
		T(test_transport_msix_vectors),
	};

	/* No EAL: the walker is pure; rte_log works before rte_eal_init(). */
	rte_log_set_level_pattern("lib.vireo.*", RTE_LOG_DEBUG);
	return cmocka_run_group_tests_name("vio_pci_caps", tests, NULL, NULL);
}
