/* SPDX-License-Identifier: BSD-3-Clause */
/* swdev internals: the packed-ring device side (swdev_packed.c). */
#ifndef SWDEV_PACKED_H
#define SWDEV_PACKED_H

#include <stdint.h>

#include "swdev.h"

/** Map a packed queue's three areas and reset its wrap counters (lock held). */
int swdev_packed_setup(struct swdev *sw, uint16_t index, const struct vio_queue_cfg *cfg);
/** Write the device event suppression structure from no_notify / EVENT_IDX. */
void swdev_packed_set_device_event(struct swdev *sw, struct swdev_queue *q);
/** A notification covers every descriptor available now. */
void swdev_packed_note_notified(struct swdev *sw, struct swdev_queue *q);
/** Chains available (and visible) to the device. */
uint16_t swdev_packed_avail_pending(struct swdev *sw, struct swdev_queue *q);
/** swdev_pop() for a packed queue. */
int swdev_packed_pop(struct swdev *sw, uint16_t qidx, struct swdev_chain *c);
/** Give a popped chain back (handler deferred it). */
void swdev_packed_unpop(struct swdev_queue *q, const struct swdev_chain *c);
/** swdev_push_batch() for a packed queue: one used descriptor for @p n chains. */
void swdev_packed_push_batch(struct swdev *sw, uint16_t qidx, const uint16_t *ids, uint16_t n,
			     uint32_t last_len);
/** swdev_push() for a packed queue: the used descriptor is visible at once. */
void swdev_packed_push(struct swdev *sw, uint16_t qidx, uint16_t id, uint32_t len);

#endif /* SWDEV_PACKED_H */
