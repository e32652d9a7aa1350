/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fixture shared by the virtqueue engine tests (test_vq.c, test_vq_lies.c):
 * a software device with NQ queues, a DMA region of buffer slots and
 * cookie accounting that proves every cookie comes back exactly once.
 */
#ifndef VQ_FIXTURE_H
#define VQ_FIXTURE_H

#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include <rte_memory.h>

#include "swdev.h"
#include "vio_dev.h"
#include "vio_dma.h"
#include "vio_vq.h"

#define NQ 4
#define DEV_NAME "swdev-vq"
#define BUF_LEN (2u << 20)
#define SLOT_LEN 1024u
#define NSLOTS (BUF_LEN / SLOT_LEN)
#define MAX_IDS (1u << 20)

struct fixture {
	struct swdev *sw;
	struct vio_dev *dev;
	struct vio_vq *vq[NQ];
	struct vio_dma_region *bufs;
	uint8_t *bva;
	uint64_t biova;
	unsigned int mz0;
	bool violations_expected;
	bool packed; /* Packed engine: the device offers RING_PACKED and we take it. */
	/* Cookie accounting: 1 = outstanding. */
	uint8_t *out;
	uint32_t *want_len;
	struct log_capture log;
};

/* Memzones in use (rings and regions are memzones). */
unsigned int mz_count(void);

/* Cookies are id + 1 as a pointer. */
void *cookie(uint32_t id);
uint32_t cookie_id(void *c);
/* Mark @p id outstanding; its completion must report @p want_len. */
void track_add(struct fixture *f, uint32_t id, uint32_t want_len);
/* A harvested or detached cookie must be outstanding; returns its id. */
uint32_t track_done(struct fixture *f, void *c);

/* Buffer slot of an id (SLOT_LEN bytes in the DMA region). */
uint8_t *slot_va(struct fixture *f, uint32_t id);
uint64_t slot_iova(struct fixture *f, uint32_t id);

/* cmocka setup/teardown: device negotiated, no queue yet / all checks. */
int vq_setup(void **state);
/* The same with VIRTIO_F_RING_PACKED offered and negotiated (packed engine). */
int vq_setup_packed(void **state);
/* Renegotiate @p wanted (plus RING_PACKED for a packed fixture); device offers them. */
void fx_negotiate(struct fixture *f, uint64_t wanted);
/* What vio_vq_used_pending() says with @p n completions waiting. */
uint16_t fx_pending(const struct fixture *f, uint16_t n);
int vq_teardown(void **state);

/* Create queue @p q (size 0: device maximum); set DRIVER_OK. */
struct vio_vq *open_q(struct fixture *f, uint16_t q, uint16_t size);
void go(struct fixture *f);

/* Echo chain (1 readable + 1 writable of @p len) carrying @p id. */
int add_echo(struct fixture *f, struct vio_vq *vq, uint32_t id, uint32_t len);
/* Check an echo completion: len and the bytes the device wrote. */
void check_echo(struct fixture *f, void *c, uint32_t len);
/* Harvest and check everything pending; returns the count. */
unsigned int drain(struct fixture *f, struct vio_vq *vq);

/* Lying-device tests (test_vq_lies.c). */
void test_bogus_id_out_of_range(void **state);
void test_bogus_id_huge(void **state);
void test_bogus_id_not_in_flight(void **state);
void test_bogus_id_chain_member(void **state);
void test_oversized_len(void **state);
void test_len_on_readonly_chain(void **state);
void test_len_over_by_one_on_writable_chain(void **state);
void test_idx_jump(void **state);
void test_idx_jump_harvest_by_none(void **state);
void test_idx_small_jump(void **state);
void test_idx_backwards(void **state);
void test_double_completion(void **state);
void test_completion_of_unpublished_chain(void **state);
void test_used_stale_wrap(void **state);

/* Interrupt-mode tests (test_vq_intr.c). */
void test_intr_flags(void **state);
void test_intr_race_recheck(void **state);
void test_intr_event_idx(void **state);
void test_intr_fd(void **state);

#endif /* VQ_FIXTURE_H */
