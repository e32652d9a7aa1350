/* SPDX-License-Identifier: BSD-3-Clause */
/* swdev internals shared by its .c files. */
#ifndef SWDEV_INTERNAL_H
#define SWDEV_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

#include "swdev.h"

/** owner[] value of a descriptor in no in-flight chain. */
#define SWDEV_FREE 0xffff

/** Record a driver violation (counter, message, stderr unless quiet). */
void swdev_violation(struct swdev *sw, enum swdev_violation v, const char *fmt, ...)
	__rte_format_printf(3, 4);

/** False when EAL runs IOVA-as-PA: the model cannot translate then. */
bool swdev_eal_iova_va(void);

/** True when [iova, iova+len) is a plausible buffer (EAL memory if strict). */
bool swdev_dma_ok(const struct swdev *sw, uint64_t iova, uint64_t len);

/** Program a queue (lock held). @return 0, -ENOENT, -EINVAL, -ENOTSUP, -ENOMEM. */
int swdev_queue_setup(struct swdev *sw, uint16_t index, const struct vio_queue_cfg *cfg);

/** Forget a queue's rings and device-side state (lock held). */
void swdev_queue_clear(struct swdev *sw, uint16_t index);
/** VIRTIO_F_EVENT_IDX was negotiated. */
bool swdev_event_idx(const struct swdev *sw);
/** EVENT_IDX: ask for a notification when the driver publishes avail index @p at. */
void swdev_set_avail_event(struct swdev_queue *q, uint16_t at);
/** Send a used-buffer notification (interrupt): count it, signal the queue's eventfd. */
void swdev_interrupt(struct swdev_queue *q);
/** A notification covers every entry published so far (and, EVENT_IDX, asks for the next). */
void swdev_note_notified(struct swdev *sw, struct swdev_queue *q);
/** Doorbell mode: a doorbell written since the last look counts as a notification. */
void swdev_take_doorbell(struct swdev *sw, struct swdev_queue *q);

#endif /* SWDEV_INTERNAL_H */
