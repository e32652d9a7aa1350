/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Virtio PCI capability walk (virtio 1.2 section 4.1.4), independent of
 * DPDK's bus so it can be tested on synthetic config spaces.
 *
 * Everything read from config space comes from the device and is checked
 * before use: list pointers, structure lengths, BAR indexes, offsets,
 * alignment and sizes. A capability the transport cannot use is skipped
 * (section 4.1.4.1: use the first one the driver can support); only a
 * type without any usable capability fails the walk.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "vio_log.h"
#include "vio_pci.h"

#define PCI_CFG_SPACE_SIZE 256
#define PCI_STATUS 0x06
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAPABILITY_LIST 0x34
#define PCI_CAP_FIRST_VALID 0x40 /* caps live after the standard header */

/* What each structure type needs, section 4.1.4. */
struct vio_pci_cap_rule {
	const char *what;
	uint32_t align;
	uint32_t min_len;
};

static const struct vio_pci_cap_rule vio_pci_cap_rules[] = {
	[VIO_PCI_CAP_COMMON_CFG] = { "common config", 4, sizeof(struct vio_pci_common_cfg) },
	[VIO_PCI_CAP_NOTIFY_CFG] = { "notify", 2, sizeof(uint16_t) },
	[VIO_PCI_CAP_ISR_CFG] = { "ISR", 1, sizeof(uint8_t) },
	[VIO_PCI_CAP_DEVICE_CFG] = { "device config", 4, sizeof(uint8_t) },
};

struct vio_pci_walk {
	vio_pci_cfg_read_t read;
	void *ctx;
	const struct vio_pci_bar_info *bars;
	const char *name;
	bool found[RTE_DIM(vio_pci_cap_rules)];
	unsigned int candidates[RTE_DIM(vio_pci_cap_rules)];
	char why[RTE_DIM(vio_pci_cap_rules)][128]; /* last candidate's rejection */
	bool seen[PCI_CFG_SPACE_SIZE / 4];
};

static int
vio_pci_cfg_read(struct vio_pci_walk *w, void *buf, size_t len, size_t offset)
{
	if (w->read(w->ctx, buf, len, offset) != (int)len) {
		VIO_LOG(ERR, "%s: cannot read %zu bytes of PCI config space at 0x%zx", w->name, len,
			offset);
		return -EIO;
	}
	return 0;
}

/*
 * Can the transport use this structure? 0, or 1 with w->why[type] saying
 * why not (section 4.1.4.1: the driver uses the first one it can support).
 */
static int
vio_pci_check_region(struct vio_pci_walk *w, const struct vio_pci_cap *cap)
{
	const struct vio_pci_cap_rule *rule = &vio_pci_cap_rules[cap->cfg_type];
	const struct vio_pci_bar_info *bar = &w->bars[cap->bar];
	uint64_t end = (uint64_t)cap->offset + cap->length;
	char *why = w->why[cap->cfg_type];
	size_t n = sizeof(w->why[0]);

	if (bar->len == 0)
		snprintf(why, n, "BAR %u is absent or not mapped", cap->bar);
	else if (cap->offset % rule->align != 0)
		snprintf(why, n, "offset 0x%" PRIx32 " is not %u-byte aligned", cap->offset,
			 rule->align);
	else if (cap->length < rule->min_len)
		snprintf(why, n, "length %" PRIu32 " is below the %u bytes needed", cap->length,
			 rule->min_len);
	else if (end > bar->len)
		snprintf(why, n,
			 "[0x%" PRIx32 ", +0x%" PRIx32 ") exceeds %s BAR %u (0x%" PRIx64 " bytes)",
			 cap->offset, cap->length, bar->is_io ? "I/O" : "memory", cap->bar,
			 bar->len);
	else
		return 0;
	return 1;
}

static void
vio_pci_store_region(struct vio_pci_walk *w, struct vio_pci_caps *caps,
		     const struct vio_pci_cap *cap)
{
	struct vio_pci_region r = { cap->bar, w->bars[cap->bar].is_io, cap->offset, cap->length };

	switch (cap->cfg_type) {
	case VIO_PCI_CAP_COMMON_CFG:
		caps->common = r;
		break;
	case VIO_PCI_CAP_NOTIFY_CFG:
		caps->notify = r;
		break;
	case VIO_PCI_CAP_ISR_CFG:
		caps->isr = r;
		break;
	default:
		caps->device = r;
		break;
	}
}

/* Read notify_off_multiplier: 0, 1 (unusable, w->why set) or -EIO. */
static int
vio_pci_read_notify_multiplier(struct vio_pci_walk *w, uint8_t pos, uint8_t cap_len, uint32_t *mult)
{
	char *why = w->why[VIO_PCI_CAP_NOTIFY_CFG];
	int rc;

	if (cap_len < sizeof(struct vio_pci_notify_cap)) {
		snprintf(why, sizeof(w->why[0]), "capability is %u bytes, %zu needed", cap_len,
			 sizeof(struct vio_pci_notify_cap));
		return 1;
	}
	rc = vio_pci_cfg_read(w, mult, sizeof(*mult),
			      pos + offsetof(struct vio_pci_notify_cap, notify_off_multiplier));
	if (rc < 0)
		return rc;
	/* Section 4.1.4.4: 0 or even, so every doorbell is 2-byte aligned. */
	if (*mult & 1) {
		snprintf(why, sizeof(w->why[0]), "notify_off_multiplier %" PRIu32 " is odd", *mult);
		return 1;
	}
	return 0;
}

/* Handle one vendor-specific capability at @p pos. */
static int
vio_pci_visit_vendor_cap(struct vio_pci_walk *w, uint8_t pos, struct vio_pci_caps *caps)
{
	struct vio_pci_cap cap;
	uint32_t mult = 0;
	int rc;

	if (pos + sizeof(cap) > PCI_CFG_SPACE_SIZE) {
		VIO_LOG(ERR, "%s: vendor capability at 0x%02x runs past config space", w->name,
			pos);
		return -EINVAL;
	}
	rc = vio_pci_cfg_read(w, &cap, sizeof(cap), pos);
	if (rc < 0)
		return rc;
	if (cap.cap_len < sizeof(cap) || pos + cap.cap_len > PCI_CFG_SPACE_SIZE) {
		VIO_LOG(ERR, "%s: vendor capability at 0x%02x has bad length %u", w->name, pos,
			cap.cap_len);
		return -EINVAL;
	}
	/* Unknown types (PCI cfg access, shared memory, ...) are not used. */
	if (cap.cfg_type == 0 || cap.cfg_type >= RTE_DIM(vio_pci_cap_rules))
		return 0;
	/* Section 4.1.4.1: a capability naming a reserved BAR is ignored. */
	if (cap.bar >= VIO_PCI_NUM_BARS) {
		VIO_LOG(DEBUG, "%s: ignoring %s capability at 0x%02x: reserved BAR %u", w->name,
			vio_pci_cap_rules[cap.cfg_type].what, pos, cap.bar);
		return 0;
	}
	/* Section 4.1.4.1: use the first capability of each type we can use. */
	if (w->found[cap.cfg_type])
		return 0;
	w->candidates[cap.cfg_type]++;
	rc = vio_pci_check_region(w, &cap);
	if (rc == 0 && cap.cfg_type == VIO_PCI_CAP_NOTIFY_CFG)
		rc = vio_pci_read_notify_multiplier(w, pos, cap.cap_len, &mult);
	if (rc < 0)
		return rc;
	if (rc > 0) {
		VIO_LOG(INFO, "%s: skipping %s capability at 0x%02x: %s", w->name,
			vio_pci_cap_rules[cap.cfg_type].what, pos, w->why[cap.cfg_type]);
		return 0;
	}
	if (cap.cfg_type == VIO_PCI_CAP_NOTIFY_CFG)
		caps->notify_off_multiplier = mult;
	vio_pci_store_region(w, caps, &cap);
	w->found[cap.cfg_type] = true;
	return 0;
}

/* Check a list pointer and remember it; returns 1 at the end of the list. */
static int
vio_pci_follow(struct vio_pci_walk *w, uint8_t pos)
{
	if (pos == 0)
		return 1;
	if (pos < PCI_CAP_FIRST_VALID || pos > PCI_CFG_SPACE_SIZE - 2) {
		VIO_LOG(ERR, "%s: capability pointer 0x%02x is outside the capability area",
			w->name, pos);
		return -EINVAL;
	}
	if (w->seen[pos / 4]) {
		VIO_LOG(ERR, "%s: capability list loops back to 0x%02x", w->name, pos);
		return -ELOOP;
	}
	w->seen[pos / 4] = true;
	return 0;
}

static int
vio_pci_walk_list(struct vio_pci_walk *w, struct vio_pci_caps *caps)
{
	uint16_t status;
	uint8_t hdr[2], pos;
	int rc;

	rc = vio_pci_cfg_read(w, &status, sizeof(status), PCI_STATUS);
	if (rc < 0)
		return rc;
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	rc = vio_pci_cfg_read(w, &pos, sizeof(pos), PCI_CAPABILITY_LIST);
	if (rc < 0)
		return rc;
	/* The two low bits of every capability pointer are reserved. */
	pos &= 0xfc;
	while ((rc = vio_pci_follow(w, pos)) == 0) {
		rc = vio_pci_cfg_read(w, hdr, sizeof(hdr), pos);
		if (rc < 0)
			return rc;
		if (hdr[0] == VIO_PCI_CAP_VNDR) {
			rc = vio_pci_visit_vendor_cap(w, pos, caps);
			if (rc < 0)
				return rc;
		}
		pos = hdr[1] & 0xfc;
	}
	return rc < 0 ? rc : 0;
}

/* A needed type without a usable capability: say what was wrong. */
static int
vio_pci_report_missing(const struct vio_pci_walk *w, uint8_t type)
{
	const char *what = vio_pci_cap_rules[type].what;

	if (w->candidates[type] == 0)
		VIO_LOG(ERR, "%s: modern virtio device lacks the %s capability", w->name, what);
	else
		VIO_LOG(ERR, "%s: none of the %u %s capabilities is usable (last one: %s)", w->name,
			w->candidates[type], what, w->why[type]);
	return -EINVAL;
}

int
vio_pci_parse_caps(vio_pci_cfg_read_t read, void *ctx, const struct vio_pci_bar_info *bars,
		   const char *name, struct vio_pci_caps *caps)
{
	static const uint8_t needed[] = { VIO_PCI_CAP_COMMON_CFG, VIO_PCI_CAP_NOTIFY_CFG,
					  VIO_PCI_CAP_ISR_CFG, VIO_PCI_CAP_DEVICE_CFG };
	struct vio_pci_walk w = { .read = read, .ctx = ctx, .bars = bars, .name = name };
	unsigned int i;
	int rc;

	memset(caps, 0, sizeof(*caps));
	rc = vio_pci_walk_list(&w, caps);
	if (rc < 0)
		return rc;
	if (w.candidates[VIO_PCI_CAP_COMMON_CFG] == 0) {
		VIO_LOG(NOTICE,
			"%s: no virtio common-config capability: legacy-only device, "
			"not supported (modern virtio 1.x required)",
			name);
		return -ENODEV;
	}
	for (i = 0; i < RTE_DIM(needed); i++)
		if (!w.found[needed[i]])
			return vio_pci_report_missing(&w, needed[i]);
	return 0;
}

int
vio_pci_doorbell_offset(const struct vio_pci_caps *caps, uint16_t queue_notify_off,
			uint32_t *offset)
{
	uint64_t off = (uint64_t)queue_notify_off * caps->notify_off_multiplier;

	if (off + sizeof(uint16_t) > caps->notify.length)
		return -ERANGE;
	*offset = (uint32_t)off;
	return 0;
}
