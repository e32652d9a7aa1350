/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pci_caps: the virtio PCI capability walk (vio_pci_parse_caps) over
 * an arbitrary 256-byte config space and arbitrary BAR sizes.
 *
 * Input: 6 BAR bytes, 1 read-fault byte, then config space (zero-padded
 * to 256 bytes). A BAR byte b gives a BAR of 0 bytes (b == 0, absent) or
 * 1 << (b & 63) bytes, clamped to 2^63; bit 6 of the fault byte makes every
 * read at or past offset 4 * (fault & 63) fail, bit 7 makes reads short.
 *
 * Invariants: the walker never reads outside config space; it returns 0
 * or one of its documented errors; on success every region lies inside a
 * present BAR, is aligned and long enough for its type, the multiplier is
 * even, and vio_pci_doorbell_offset() gives an in-region 2-byte doorbell
 * for every queue_notify_off it accepts and refuses exactly the others.
 */
#include <errno.h>
#include <string.h>

#include "fuzz_common.h"
#include "vio_pci.h"
#include "vio_spec.h"

#define CFG_SIZE 256

struct cfg_space {
	uint8_t bytes[CFG_SIZE];
	int fail_from; /* reads touching [fail_from, 256) fail; -1: none */
	bool short_reads;
};

static int
cfg_read(void *ctx, void *buf, size_t len, size_t offset)
{
	const struct cfg_space *cs = ctx;

	FUZZ_CHECK(offset <= CFG_SIZE && len <= CFG_SIZE - offset,
		   "read of %zu bytes at 0x%zx is outside config space", len, offset);
	if (cs->fail_from >= 0 && offset + len > (size_t)cs->fail_from)
		return -EIO;
	memcpy(buf, &cs->bytes[offset], len);
	if (cs->short_reads && len > 1)
		return (int)len - 1;
	return (int)len;
}

/*
 * The walker's view of the BARs. Kept here alone so that a change of its
 * input (e.g. per-BAR length and I/O flag) is a local edit.
 */
struct bars {
	uint64_t len[VIO_PCI_NUM_BARS];
};

static void
bars_from_input(struct fuzz_in *in, struct bars *b)
{
	for (unsigned int i = 0; i < VIO_PCI_NUM_BARS; i++) {
		uint8_t v = fuzz_u8(in);

		b->len[i] = v == 0 ? 0 : UINT64_C(1) << RTE_MIN(v & 63u, 63u);
	}
}

static int
parse(struct cfg_space *cs, const struct bars *b, struct vio_pci_caps *caps)
{
	return vio_pci_parse_caps(cfg_read, cs, b->len, "fuzz-pci", caps);
}

static void
check_region(const struct bars *b, const struct vio_pci_region *r, uint32_t align, uint32_t min_len,
	     const char *what)
{
	FUZZ_CHECK(r->bar < VIO_PCI_NUM_BARS, "%s in BAR %u", what, r->bar);
	FUZZ_CHECK(b->len[r->bar] != 0, "%s in absent BAR %u", what, r->bar);
	FUZZ_CHECK(r->offset % align == 0, "%s offset 0x%x not %u-aligned", what, r->offset, align);
	FUZZ_CHECK(r->length >= min_len, "%s length %u below %u", what, r->length, min_len);
	FUZZ_CHECK((uint64_t)r->offset + r->length <= b->len[r->bar],
		   "%s [0x%x, +0x%x) past BAR %u of 0x%llx bytes", what, r->offset, r->length,
		   r->bar, (unsigned long long)b->len[r->bar]);
}

static void
check_doorbell(const struct vio_pci_caps *caps, uint16_t qno)
{
	uint64_t want = (uint64_t)qno * caps->notify_off_multiplier;
	uint32_t off = 0xdeadbeef;
	int rc = vio_pci_doorbell_offset(caps, qno, &off);

	if (want + sizeof(uint16_t) <= caps->notify.length) {
		FUZZ_CHECK(rc == 0, "queue_notify_off %u refused (mult %u, notify len %u)", qno,
			   caps->notify_off_multiplier, caps->notify.length);
		FUZZ_CHECK(off == want, "doorbell offset %u, want %llu", off,
			   (unsigned long long)want);
		FUZZ_CHECK(off % 2 == 0, "doorbell offset %u is odd", off);
	} else {
		FUZZ_CHECK(rc == -ERANGE, "queue_notify_off %u: rc %d, want -ERANGE", qno, rc);
	}
}

static void
check_caps(const struct bars *b, const struct vio_pci_caps *caps, struct fuzz_in *in)
{
	static const uint16_t fixed_qno[] = { 0, 1, 2, 255, 256, 0x7fff, 0xfffe, 0xffff };

	check_region(b, &caps->common, 4, sizeof(struct vio_pci_common_cfg), "common");
	check_region(b, &caps->notify, 2, sizeof(uint16_t), "notify");
	check_region(b, &caps->isr, 1, 1, "isr");
	check_region(b, &caps->device, 4, 1, "device");
	FUZZ_CHECK(caps->notify_off_multiplier % 2 == 0, "odd multiplier %u",
		   caps->notify_off_multiplier);
	for (unsigned int i = 0; i < RTE_DIM(fixed_qno); i++)
		check_doorbell(caps, fixed_qno[i]);
	/* And the queue_notify_off values a device could pick (the trailing bytes). */
	while (fuzz_more(in))
		check_doorbell(caps, fuzz_u16(in));
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fuzz_quiet_logs(); /* rte_log works without EAL; nothing else here needs it */
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = fuzz_in_make(data, size);
	struct vio_pci_caps caps;
	struct cfg_space cs;
	struct bars b;
	uint8_t fault;
	int rc;

	bars_from_input(&in, &b);
	fault = fuzz_u8(&in);
	cs.fail_from = (fault & 0x40) ? 4 * (fault & 63) : -1;
	cs.short_reads = (fault & 0x80) != 0;
	fuzz_bytes(&in, cs.bytes, sizeof(cs.bytes));

	memset(&caps, 0xa5, sizeof(caps));
	rc = parse(&cs, &b, &caps);
	FUZZ_CHECK(rc == 0 || rc == -ENODEV || rc == -EINVAL || rc == -ELOOP || rc == -EIO,
		   "undocumented rc %d", rc);
	if (rc == 0)
		check_caps(&b, &caps, &in);
	return 0;
}
