/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fuzz_pci_caps: the virtio PCI capability walk (vio_pci_parse_caps) over
 * an arbitrary 256-byte config space and arbitrary BARs.
 *
 * Input: 6 BAR bytes, 1 read-fault byte, then config space (zero-padded
 * to 256 bytes), then queue_notify_off values (u16 each). A BAR byte b:
 * bit 7 makes it an I/O BAR (is_io); bit 6 makes its length unknown (0, as
 * for an I/O BAR whose size sysfs does not give); else e = b & 63 gives a
 * BAR of 0 bytes (e == 0, absent) or 2^e bytes. Bit 6 of the fault byte
 * makes every read at or past offset 4 * (fault & 63) fail, bit 7 makes
 * reads short.
 *
 * A model of the selection rules (section 4.1.4.1: capabilities of a
 * reserved type or naming a reserved BAR are ignored; the first usable
 * capability of each type is chosen) predicts the result without faults:
 * the rc, and on success every chosen region and the multiplier. With
 * faults the walker either fails with -EIO after a failed read or, when no
 * read failed, behaves exactly as without.
 *
 * Invariants on top: the walker never reads outside config space; on
 * success every region lies inside a present BAR of known length, has that
 * BAR's kind (is_io), is aligned and long enough for its type, the
 * multiplier is even, and vio_pci_doorbell_offset() gives an in-region
 * 2-byte doorbell for every queue_notify_off it accepts and refuses exactly
 * the others; -ENODEV only when no common-config capability names a
 * non-reserved BAR.
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
	unsigned int failed_reads;
};

static int
cfg_read(void *ctx, void *buf, size_t len, size_t offset)
{
	struct cfg_space *cs = ctx;

	FUZZ_CHECK(offset <= CFG_SIZE && len <= CFG_SIZE - offset,
		   "read of %zu bytes at 0x%zx is outside config space", len, offset);
	if (cs->fail_from >= 0 && offset + len > (size_t)cs->fail_from) {
		cs->failed_reads++;
		return -EIO;
	}
	memcpy(buf, &cs->bytes[offset], len);
	if (cs->short_reads && len > 1) {
		cs->failed_reads++;
		return (int)len - 1;
	}
	return (int)len;
}

/*
 * The walker's view of the BARs. Kept here alone so that a change of its
 * input is a local edit.
 */
struct bars {
	struct vio_pci_bar_info info[VIO_PCI_NUM_BARS];
};

static void
bars_from_input(struct fuzz_in *in, struct bars *b)
{
	for (unsigned int i = 0; i < VIO_PCI_NUM_BARS; i++) {
		uint8_t v = fuzz_u8(in), e = v & 63;

		b->info[i].is_io = (v & 0x80) != 0;
		b->info[i].len = (v & 0x40) || e == 0 ? 0 : UINT64_C(1) << e;
	}
}

static int
parse(struct cfg_space *cs, const struct bars *b, struct vio_pci_caps *caps)
{
	return vio_pci_parse_caps(cfg_read, cs, b->info, "fuzz-pci", caps);
}

/* ---- Model of the walk and the selection rules (section 4.1.4) ---- */

static uint32_t
le32_at(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

struct model {
	int rc;
	struct vio_pci_caps caps;
	bool found[5];
	bool common_named; /* a common-config capability with a non-reserved BAR */
};

/* Alignment and minimum length of each structure type (1..4). */
static const uint32_t type_align[5] = { 0, 4, 2, 1, 4 };
static const uint32_t type_min_len[5] = { 0, sizeof(struct vio_pci_common_cfg), 2, 1, 1 };

static struct vio_pci_region *
model_region(struct vio_pci_caps *caps, uint8_t type)
{
	return type == VIO_PCI_CAP_COMMON_CFG ? &caps->common :
	       type == VIO_PCI_CAP_NOTIFY_CFG ? &caps->notify :
	       type == VIO_PCI_CAP_ISR_CFG    ? &caps->isr :
						&caps->device;
}

/* Offer one well-formed vendor capability to the selection. */
static void
model_offer(struct model *m, const struct bars *b, const uint8_t *cap)
{
	uint8_t cap_len = cap[2], type = cap[3], bar = cap[4];
	uint32_t off = le32_at(cap + 8), len = le32_at(cap + 12), mult = 0;
	const struct vio_pci_bar_info *bi;

	if (type < VIO_PCI_CAP_COMMON_CFG || type > VIO_PCI_CAP_DEVICE_CFG ||
	    bar >= VIO_PCI_NUM_BARS)
		return; /* ignored: reserved or unused type, reserved BAR */
	m->common_named |= type == VIO_PCI_CAP_COMMON_CFG;
	if (m->found[type])
		return; /* the first usable one counts */
	bi = &b->info[bar];
	if (bi->len == 0 || off % type_align[type] != 0 || len < type_min_len[type] ||
	    (uint64_t)off + len > bi->len)
		return;
	if (type == VIO_PCI_CAP_NOTIFY_CFG) {
		if (cap_len < sizeof(struct vio_pci_notify_cap))
			return;
		mult = le32_at(cap + 16);
		if (mult & 1)
			return;
		m->caps.notify_off_multiplier = mult;
	}
	*model_region(&m->caps, type) = (struct vio_pci_region){ bar, bi->is_io, off, len };
	m->found[type] = true;
}

/* The walk without read faults: list errors first, then missing types. */
static void
model_walk(struct model *m, const uint8_t *cfg, const struct bars *b)
{
	bool seen[CFG_SIZE / 4] = { false };
	unsigned int pos;

	memset(m, 0, sizeof(*m));
	if (cfg[0x06] & 0x10) {
		for (pos = cfg[0x34] & 0xfc; pos != 0; pos = cfg[pos + 1] & 0xfc) {
			if (pos < 0x40 || pos > CFG_SIZE - 2) {
				m->rc = -EINVAL;
				return;
			}
			if (seen[pos / 4]) {
				m->rc = -ELOOP;
				return;
			}
			seen[pos / 4] = true;
			if (cfg[pos] != VIO_PCI_CAP_VNDR)
				continue;
			if (pos + sizeof(struct vio_pci_cap) > CFG_SIZE || cfg[pos + 2] < 16 ||
			    pos + cfg[pos + 2] > CFG_SIZE) {
				m->rc = -EINVAL;
				return;
			}
			model_offer(m, b, &cfg[pos]);
		}
	}
	if (!m->common_named)
		m->rc = -ENODEV;
	else if (!m->found[1] || !m->found[2] || !m->found[3] || !m->found[4])
		m->rc = -EINVAL;
}

/* ---- Invariants ---- */

static void
check_region(const struct bars *b, const struct vio_pci_region *r, uint32_t align, uint32_t min_len,
	     const char *what)
{
	const struct vio_pci_bar_info *bi;

	FUZZ_CHECK(r->bar < VIO_PCI_NUM_BARS, "%s in BAR %u", what, r->bar);
	bi = &b->info[r->bar];
	FUZZ_CHECK(bi->len != 0, "%s in absent BAR %u (or one of unknown length)", what, r->bar);
	FUZZ_CHECK(r->is_io == bi->is_io, "%s: is_io %d, BAR %u is_io %d", what, r->is_io, r->bar,
		   bi->is_io);
	FUZZ_CHECK(r->offset % align == 0, "%s offset 0x%x not %u-aligned", what, r->offset, align);
	FUZZ_CHECK(r->length >= min_len, "%s length %u below %u", what, r->length, min_len);
	FUZZ_CHECK((uint64_t)r->offset + r->length <= bi->len,
		   "%s [0x%x, +0x%x) past BAR %u of 0x%llx bytes", what, r->offset, r->length,
		   r->bar, (unsigned long long)bi->len);
}

static void
check_same_region(const struct vio_pci_region *got, const struct vio_pci_region *want,
		  const char *what)
{
	FUZZ_CHECK(got->bar == want->bar && got->is_io == want->is_io &&
			   got->offset == want->offset && got->length == want->length,
		   "%s: chose BAR %u%s [0x%x, +0x%x), first usable is BAR %u%s [0x%x, +0x%x)", what,
		   got->bar, got->is_io ? " (I/O)" : "", got->offset, got->length, want->bar,
		   want->is_io ? " (I/O)" : "", want->offset, want->length);
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
	struct cfg_space cs = { .failed_reads = 0 };
	struct model m;
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
	/* -EIO exactly when a read failed; otherwise the faults went unseen. */
	FUZZ_CHECK((rc == -EIO) == (cs.failed_reads > 0), "rc %d after %u failed reads", rc,
		   cs.failed_reads);
	model_walk(&m, cs.bytes, &b);
	if (rc != -EIO)
		FUZZ_CHECK(rc == m.rc, "rc %d, the selection rules say %d", rc, m.rc);
	if (rc == -ENODEV)
		FUZZ_CHECK(!m.common_named, "-ENODEV with a common-config capability");
	if (rc == 0) {
		check_same_region(&caps.common, &m.caps.common, "common");
		check_same_region(&caps.notify, &m.caps.notify, "notify");
		check_same_region(&caps.isr, &m.caps.isr, "isr");
		check_same_region(&caps.device, &m.caps.device, "device");
		FUZZ_CHECK(caps.notify_off_multiplier == m.caps.notify_off_multiplier,
			   "multiplier %u, want %u", caps.notify_off_multiplier,
			   m.caps.notify_off_multiplier);
		check_caps(&b, &caps, &in);
	}
	return 0;
}
