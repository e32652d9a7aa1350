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

/* Chains one vio_vq_harvest_by() operation asks for at most. */
#define FUZZ_VQ_MAX_HARVEST 255

/* How a harvest operation takes chains. */
enum fuzz_vq_harvest_how {
	FUZZ_VQ_HARVEST_PLAIN, /* vio_vq_harvest() */
	FUZZ_VQ_HARVEST_BY,    /* vio_vq_harvest_by(), per-chain callback only */
	FUZZ_VQ_HARVEST_BY4,   /* vio_vq_harvest_by() with the four-at-a-time one too */
};

/*
 * Harvest up to @p max chains from @p vq into @p cookies (and @p lens, which
 * may be NULL for a plain harvest) the way @p how says. For harvest_by, the
 * callbacks must be called once per chain, in order, agreeing with the
 * cookies returned; @p used_id(model, cookie) is the id a used element of
 * that cookie's chain must carry (checked in four-at-a-time calls); their
 * lens are copied to @p lens. Fails the target otherwise.
 * @return the harvest's return value.
 */
int fuzz_vq_harvest(struct vio_vq *vq, enum fuzz_vq_harvest_how how, void **cookies, uint32_t *lens,
		    uint16_t max, uint32_t (*used_id)(void *model, void *cookie), void *model);

#endif /* FUZZ_VQ_DEV_H */
