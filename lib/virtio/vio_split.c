/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>

#include <rte_common.h>

#include "vio_spec.h"
#include "vio_split.h"

int
vio_split_layout_calc(uint32_t size, struct vio_split_layout *layout)
{
	if (size == 0 || size > VIO_SPLIT_MAX_SIZE || !rte_is_power_of_2(size))
		return -EINVAL;

	layout->size = size;
	layout->desc_off = 0;
	layout->desc_len = sizeof(struct vio_desc) * size;
	/* Section 2.7: descriptor table 16-aligned, avail ring 2-aligned. */
	layout->avail_off = layout->desc_off + layout->desc_len;
	/* flags + idx + ring[size] + used_event */
	layout->avail_len = sizeof(struct vio_avail) + sizeof(uint16_t) * size + sizeof(uint16_t);
	/* The used ring is 4-aligned by the spec; we keep it on its own page. */
	layout->used_off = RTE_ALIGN_CEIL(layout->avail_off + layout->avail_len,
					  (size_t)VIO_SPLIT_USED_ALIGN);
	/* flags + idx + ring[size] + avail_event */
	layout->used_len = sizeof(struct vio_used) + sizeof(struct vio_used_elem) * size +
			   sizeof(uint16_t);
	layout->total_len = RTE_ALIGN_CEIL(layout->used_off + layout->used_len,
					   (size_t)VIO_SPLIT_USED_ALIGN);
	return 0;
}
