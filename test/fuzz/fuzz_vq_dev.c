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
