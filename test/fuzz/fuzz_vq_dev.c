/* SPDX-License-Identifier: BSD-3-Clause */
/* The queue-only transport of the virtqueue engine targets (fuzz_vq_dev.h). */
#include <stdio.h>

#include <rte_common.h>

#include "fuzz_common.h"
#include "fuzz_vq_dev.h"
#include "vio_vq.h"

/* What fake_queue_setup hands out for ops->notify, and checks it gets back. */
#define FAKE_NOTIFY_DATA 0x5eed0000u

static struct fake_dev *
fake_of(struct vio_dev *dev)
{
	return container_of(dev, struct fake_dev, vdev);
}

static uint16_t
fake_queue_max_size(struct vio_dev *dev, uint16_t index)
{
	return index == 0 ? fake_of(dev)->max_size : 0;
}

static int
fake_queue_setup(struct vio_dev *dev, uint16_t index, const struct vio_queue_cfg *cfg,
		 struct vio_notify_addr *notify)
{
	struct fake_dev *fd = fake_of(dev);
	/* Sections 2.7 (split: 16, 2, 4) and 2.8.10.1 (packed: 16, 4, 4). */
	uint64_t avail_align = vio_dev_has(dev, VIO_F_RING_PACKED) ? 4 : 2;

	FUZZ_CHECK(index == 0 && cfg->size <= fd->max_size, "setup of queue %u size %u", index,
		   cfg->size);
	FUZZ_CHECK((cfg->desc_iova & 15) == 0 && (cfg->avail_iova & (avail_align - 1)) == 0 &&
			   (cfg->used_iova & 3) == 0,
		   "misaligned ring areas");
	FUZZ_CHECK(notify != NULL, "queue setup without a notify address to fill");
	notify->doorbell = fd->use_doorbell ? (volatile void *)&fd->doorbell : NULL;
	notify->data = FAKE_NOTIFY_DATA | index;
	return 0;
}

static void
fake_queue_release(struct vio_dev *dev, uint16_t index)
{
	RTE_SET_USED(dev);
	RTE_SET_USED(index);
}

static void
fake_notify(struct vio_dev *dev, uint16_t index, uint32_t data)
{
	FUZZ_CHECK(index == 0, "notify of queue %u", index);
	FUZZ_CHECK(data == (FAKE_NOTIFY_DATA | index), "notify data 0x%x, not queue setup's", data);
	fake_of(dev)->notifies++;
}

/* The engines use only these; the rest stay NULL so a new use crashes loudly. */
static const struct vio_transport_ops fake_ops = {
	.queue_max_size = fake_queue_max_size,
	.queue_setup = fake_queue_setup,
	.queue_release = fake_queue_release,
	.notify = fake_notify,
};

void
fake_dev_bind(struct fake_dev *fd, int id_offset, const char *name, uint64_t features,
	      uint16_t max_size, bool use_doorbell)
{
	int rc = vio_dev_bind(&fd->vdev, VIO_TRANSPORT_OTHER + id_offset, &fake_ops);

	FUZZ_CHECK(rc == 0, "vio_dev_bind: %d", rc);
	snprintf(fd->vdev.name, sizeof(fd->vdev.name), "%s", name);
	fd->vdev.features = features;
	fd->max_size = max_size;
	fd->use_doorbell = use_doorbell;
}

void
fuzz_vq_check_state(struct vio_vq *vq, bool broken, uint16_t num_free, uint64_t bad_len)
{
	FUZZ_CHECK(vio_vq_is_broken(vq) == broken, "broken %d, want %d", vio_vq_is_broken(vq),
		   broken);
	FUZZ_CHECK(vio_vq_num_free(vq) == num_free, "num_free %u, want %u", vio_vq_num_free(vq),
		   num_free);
	FUZZ_CHECK(vio_vq_bad_len_count(vq) == bad_len, "bad len count %llu, want %llu",
		   (unsigned long long)vio_vq_bad_len_count(vq), (unsigned long long)bad_len);
}

/* Both engine targets: quiet EAL/lib logs (a lie is logged at every break). */
int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	RTE_SET_USED(argc);
	RTE_SET_USED(argv);
	fuzz_quiet_logs();
	return 0;
}

/* What vio_vq_harvest_by() handed to the callbacks, in call order. */
struct fuzz_vq_by {
	uint32_t (*used_id)(void *model, void *cookie);
	void *model;
	unsigned int next;  /* index the next call must have */
	unsigned int quads; /* four-at-a-time calls */
	void *cookies[FUZZ_VQ_MAX_HARVEST + 1];
	uint32_t lens[FUZZ_VQ_MAX_HARVEST + 1];
};

static void
fuzz_vq_by_one(void *ctx, unsigned int i, void *cookie, uint32_t len)
{
	struct fuzz_vq_by *b = ctx;

	FUZZ_CHECK(i == b->next && i < FUZZ_VQ_MAX_HARVEST, "harvest_by: chain %u, want %u", i,
		   b->next);
	b->cookies[i] = cookie;
	b->lens[i] = len;
	b->next++;
}

static void
fuzz_vq_by_four(void *ctx, unsigned int i, void *const *cookies, const struct vio_used_elem *used)
{
	struct fuzz_vq_by *b = ctx;

	FUZZ_CHECK(i == b->next && i + 4 <= FUZZ_VQ_MAX_HARVEST, "harvest_by: quad at %u, want %u",
		   i, b->next);
	for (unsigned int k = 0; k < 4; k++) {
		uint32_t want = b->used_id(b->model, cookies[k]);

		FUZZ_CHECK(used[k].id == want, "harvest_by: quad element %u has id %u, want %u", k,
			   used[k].id, want);
		b->cookies[i + k] = cookies[k];
		b->lens[i + k] = used[k].len;
	}
	b->next += 4;
	b->quads++;
}

int
fuzz_vq_harvest(struct vio_vq *vq, enum fuzz_vq_harvest_how how, void **cookies, uint32_t *lens,
		uint16_t max, uint32_t (*used_id)(void *model, void *cookie), void *model)
{
	static struct fuzz_vq_by by;
	int rc;

	if (how == FUZZ_VQ_HARVEST_PLAIN)
		return vio_vq_harvest(vq, cookies, lens, max);
	by.used_id = used_id;
	by.model = model;
	by.next = 0;
	by.quads = 0;
	rc = vio_vq_harvest_by(vq, cookies, max, fuzz_vq_by_one,
			       how == FUZZ_VQ_HARVEST_BY4 ? fuzz_vq_by_four : NULL, &by);
	FUZZ_CHECK(by.next == (unsigned int)RTE_MAX(rc, 0),
		   "harvest_by returned %d after %u chains to the callbacks", rc, by.next);
	FUZZ_CHECK(how == FUZZ_VQ_HARVEST_BY4 || by.quads == 0, "four-at-a-time call without fn4");
	for (int i = 0; i < rc; i++) {
		FUZZ_CHECK(by.cookies[i] == cookies[i], "entry %d: callback and cookies disagree",
			   i);
		if (lens != NULL)
			lens[i] = by.lens[i];
	}
	return rc;
}
