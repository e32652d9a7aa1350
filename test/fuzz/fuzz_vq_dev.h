/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A transport that only hosts queue 0, for the virtqueue engine targets
 * (fuzz_vq_harvest, fuzz_vq_harvest_packed): queue setup checks the areas'
 * alignment and hands out a doorbell or notify data, which notify checks.
 */
#ifndef FUZZ_VQ_DEV_H
#define FUZZ_VQ_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "vio_dev.h"

struct fake_dev {
	struct vio_dev vdev;
	uint16_t max_size;
	bool use_doorbell;
	volatile uint16_t doorbell; /* written by a doorbell kick */
	uint64_t notifies;          /* ops->notify kicks */
};

/*
 * Bind @p fd (zeroed) as transport VIO_TRANSPORT_OTHER + @p id_offset named
 * @p name with @p features offered, queues up to @p max_size, kicks through
 * a doorbell or the notify op. Fails the target on error.
 */
void fake_dev_bind(struct fake_dev *fd, int id_offset, const char *name, uint64_t features,
		   uint16_t max_size, bool use_doorbell);

struct vio_vq;

/* The queue's broken flag, free count and bad-len count are the model's. */
void fuzz_vq_check_state(struct vio_vq *vq, bool broken, uint16_t num_free, uint64_t bad_len);

#endif /* FUZZ_VQ_DEV_H */
