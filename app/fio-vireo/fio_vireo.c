/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fio_vireo.so: a fio external ioengine over lib/vblk and blk_vireo, for
 * stock fio 3.33 (`ioengine=external:/path/fio_vireo.so`, `thread=1`).
 *
 * - EAL is initialised once per fio process, by the first job that needs it
 *   (fio's main thread for the file sizes, or a job thread): a mutex and a
 *   flag; the engine is linked -z nodelete so the flag survives fio's
 *   dlclose() of one job's engine handle.
 * - A job names its device with `pci=` (its vblk name; EAL then probes only
 *   that function), with `vhost_user=SOCKET` (a blk_vireo_user vdev on that
 *   vhost-user-blk backend, created once per socket: on the EAL command line
 *   for the job that starts EAL, hot-plugged for later ones) or with its
 *   file name (':' may be written '.').
 * - Each job thread owns one queue of the device (claimed in init); the
 *   device is configured with all the queues it offers, each as deep as it
 *   allows, and started in the first job's post_init, after fio allocated
 *   that job's buffers (a vhost-user backend maps the memory that exists at
 *   start), and stopped when its last job ends.
 * - queue() only stages a request; commit() hands the staged batch to
 *   vblk_enqueue_burst() (one avail publish, one doorbell); getevents()
 *   polls vblk_dequeue_burst().
 * - fio's I/O buffers come from an IOVA-contiguous memzone (iomem_alloc), so
 *   a request's segment is the buffer itself: no copy, and the IOVA is the
 *   memzone's plus the offset.
 * - An io_u the device cannot take as one request (above size_max, seg_max
 *   x size_max, the transfer or discard limit) goes as several vblk requests
 *   cut by vblk_io_split(); it completes when the last one does.
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* fio's headers: config-host.h first, as fio's own build does. */
#include "config-host.h"
#include "fio.h"
#include "ioengines.h"
#include "optgroup.h"

#include <rte_bus_vdev.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_memzone.h>

#include <vblk.h>

#define FV_NAME "vireo"
#define FV_MAX_EAL_ARGS 64
#define FV_BURST 64
/** Bytes of the EAL argument string kept (the rest is refused). */
#define FV_EAL_ARGS_LEN 1024
/** vhost-user sockets one fio process drives (one vdev each). */
#define FV_MAX_VHOST_USER 8
/** Names of the engine's vdevs: this prefix and a number. */
#define FV_VDEV_PREFIX "blk_vireo_user_fio"

#define FV_ERR(...) log_err("fio_vireo: " __VA_ARGS__)

/** Engine options (fio wants a pointer first: offset 0 means "no option"). */
struct fv_options {
	void *pad;
	char *pci;           /**< PCI address of the device (its vblk name). */
	char *vhost_user;    /**< vhost-user-blk socket: a blk_vireo_user vdev. */
	char *eal_args;      /**< EAL arguments replacing the defaults. */
	unsigned int mem_mb; /**< EAL -m (MiB of hugepage memory); 0: EAL's default. */
};

/** One device as the engine's jobs share it. */
struct fv_dev {
	uint16_t id;
	bool configured; /**< Configured and started (some job uses it). */
	uint16_t users;
	uint16_t nb_queues;
	uint16_t queue_depth;
	uint64_t queue_busy; /**< Bit per queue held by a job. */
};

/** Where an io_u stands: it may travel as several vblk requests (vblk_io_split()). */
struct fv_iou {
	uint16_t pending; /**< Its requests not yet completed. */
	int err;          /**< The first error among them (positive errno), or 0. */
};

/** One job thread's state (td->io_ops_data). */
struct fv_thread {
	struct fv_dev *dev;
	uint16_t qid;
	bool has_queue;
	uint32_t block_size;
	uint8_t block_shift; /**< log2(block_size): no division per I/O. */
	uint64_t capacity;
	bool flush_ok;   /**< The device does FLUSH. */
	bool discard_ok; /**< The device does DISCARD. */
	unsigned int depth;
	struct vblk_dev_info info;
	/*
	 * An io_u the device cannot take as one request (a buffer above
	 * max_segment_size, more than max_transfer_blocks, a trim above
	 * max_discard_blocks) goes as several: room for max_reqs requests and
	 * max_segs segments per io_u.
	 */
	uint16_t max_reqs;
	uint32_t max_segs;
	struct vblk_req *reqs;    /**< max_reqs per io_u (by io_u->index). */
	struct vblk_seg *segs;    /**< max_segs per io_u. */
	struct fv_iou *iou;       /**< One per io_u. */
	struct vblk_req **staged; /**< depth x max_reqs. */
	unsigned int nb_staged;
	unsigned int in_flight; /**< Submitted to the queue, not yet dequeued. */
	struct io_u **events;
	struct vblk_req *done[FV_BURST]; /**< Completions not yet handed to fio. */
	uint16_t nb_done, done_pos;
	const struct rte_memzone *mz; /**< fio's I/O buffers. */
};

static pthread_mutex_t fv_lock = PTHREAD_MUTEX_INITIALIZER;
static bool fv_eal_done;
static int fv_eal_err; /**< Sticky: EAL cannot be initialised twice. */
static struct fv_dev fv_devs[VBLK_MAX_DEVS];
static unsigned int fv_mz_seq;
/** The vdev made for each vhost_user= socket. */
static struct {
	char path[108];
	char name[32];
} fv_vu[FV_MAX_VHOST_USER];
static unsigned int fv_nb_vu;

static bool
fv_has(const char *opt)
{
	return opt != NULL && opt[0] != '\0';
}

/* The vdev for @p path: known, or a new name (not created yet) when @p add. */
static const char *
fv_vu_name(const char *path, bool add)
{
	for (unsigned int i = 0; i < fv_nb_vu; i++)
		if (strcmp(fv_vu[i].path, path) == 0)
			return fv_vu[i].name;
	if (!add || fv_nb_vu == FV_MAX_VHOST_USER || strlen(path) >= sizeof(fv_vu[0].path))
		return NULL;
	snprintf(fv_vu[fv_nb_vu].path, sizeof(fv_vu[0].path), "%s", path);
	snprintf(fv_vu[fv_nb_vu].name, sizeof(fv_vu[0].name), FV_VDEV_PREFIX "%u", fv_nb_vu);
	return fv_vu[fv_nb_vu++].name;
}

/* --------------------------------------------------------------- EAL */

static int
fv_split_args(char *s, char **argv, int max)
{
	int argc = 0;
	char *save = NULL;

	for (char *tok = strtok_r(s, " \t", &save); tok != NULL;
	     tok = strtok_r(NULL, " \t", &save)) {
		if (argc == max)
			return -E2BIG;
		argv[argc++] = tok;
	}
	return argc;
}

/*
 * rte_eal_init() pins the calling thread to the main lcore's CPU, and fio
 * creates its job threads from the thread that first gets here: they would
 * all inherit that one CPU. Put the caller's affinity back afterwards.
 */
static int
fv_eal_init_locked(const struct fv_options *o)
{
	static char buf[FV_EAL_ARGS_LEN];
	static char pci_buf[64];
	static char vdev_buf[160];
	/* name, eal_args, -m N, -a ADDR, --vdev ..., NULL */
	char *argv[1 + FV_MAX_EAL_ARGS + 2 + 2 + 2 + 1];
	int argc = 0, n;
	cpu_set_t saved;
	bool have_saved;

	if (fv_eal_done)
		return 0;
	if (fv_eal_err != 0)
		return fv_eal_err;

	argv[argc++] = (char *)"fio_vireo";
	if (o->eal_args != NULL && o->eal_args[0] != '\0') {
		if (strlen(o->eal_args) >= sizeof(buf)) {
			FV_ERR("eal_args longer than %zu bytes\n", sizeof(buf) - 1);
			return -E2BIG;
		}
		snprintf(buf, sizeof(buf), "%s", o->eal_args);
	} else if (fv_has(o->vhost_user)) {
		/*
		 * The backend maps our memory: one file per memseg list (at most
		 * 8 regions); no PCI device of the host is touched.
		 */
		snprintf(buf, sizeof(buf),
			 "-l 0 --in-memory --single-file-segments --no-pci --no-telemetry "
			 "--log-level=*:warning");
	} else {
		/* One lcore, no files in /var/run, warnings only. */
		snprintf(buf, sizeof(buf), "-l 0 --in-memory --no-telemetry --log-level=*:warning");
	}
	n = fv_split_args(buf, argv + argc, FV_MAX_EAL_ARGS);
	if (n < 0) {
		FV_ERR("more than %d EAL arguments\n", FV_MAX_EAL_ARGS);
		return n;
	}
	argc += n;
	if (o->mem_mb != 0) {
		static char mem_buf[16];

		snprintf(mem_buf, sizeof(mem_buf), "%u", o->mem_mb);
		argv[argc++] = (char *)"-m";
		argv[argc++] = mem_buf;
	}
	if (o->pci != NULL && o->pci[0] != '\0') {
		snprintf(pci_buf, sizeof(pci_buf), "%s", o->pci);
		argv[argc++] = (char *)"-a";
		argv[argc++] = pci_buf;
	}
	if (fv_has(o->vhost_user)) {
		/* On the command line: EAL then picks IOVA as VA, which the vdev needs. */
		const char *name = fv_vu_name(o->vhost_user, true);

		if (name == NULL) {
			FV_ERR("vhost_user=%s: path too long\n", o->vhost_user);
			return -ENAMETOOLONG;
		}
		snprintf(vdev_buf, sizeof(vdev_buf), "%s,path=%s", name, o->vhost_user);
		argv[argc++] = (char *)"--vdev";
		argv[argc++] = vdev_buf;
	}
	argv[argc] = NULL;

	have_saved = pthread_getaffinity_np(pthread_self(), sizeof(saved), &saved) == 0;
	if (rte_eal_init(argc, argv) < 0) {
		char line[FV_EAL_ARGS_LEN + 128] = "";

		fv_eal_err = rte_errno != 0 ? -rte_errno : -EINVAL;
		for (int i = 1; i < argc; i++) {
			strncat(line, " ", sizeof(line) - strlen(line) - 1);
			strncat(line, argv[i], sizeof(line) - strlen(line) - 1);
		}
		FV_ERR("EAL initialisation failed: %s; EAL arguments:%s (from eal_args=, mem_mb=, "
		       "pci=, vhost_user=)\n",
		       rte_strerror(rte_errno), line);
		return fv_eal_err;
	}
	if (have_saved)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	fv_eal_done = true;
	return 0;
}

/* ------------------------------------------------------------ devices */

/*
 * The device on vhost-user socket @p path: the vdev EAL probed at start, or
 * one hot-plugged now (EAL runs with IOVA as VA when the first job named a
 * socket; otherwise give eal_args=... --iova-mode=va).
 */
static int
fv_find_vhost_user(const char *path, uint16_t *id)
{
	const char *name = fv_vu_name(path, false);
	char args[160];
	int ret;

	if (name != NULL && vblk_dev_get_by_name(name, id) == 0)
		return 0;
	if (name == NULL) {
		name = fv_vu_name(path, true);
		if (name == NULL) {
			FV_ERR("vhost_user=%s: more than %d sockets, or path too long\n", path,
			       FV_MAX_VHOST_USER);
			return -E2BIG;
		}
		snprintf(args, sizeof(args), "path=%s", path);
		ret = rte_vdev_init(name, args);
		if (ret == 0 && vblk_dev_get_by_name(name, id) == 0)
			return 0;
	}
	FV_ERR("no blk_vireo_user device on vhost-user socket %s (see the blk_vireo / vio "
	       "messages above: is the backend running, e.g. qemu-storage-daemon --export "
	       "type=vhost-user-blk,addr.type=unix,addr.path=%s,...?)\n",
	       path, path);
	return -ENODEV;
}

/** The vblk name a job means: pci= if given, else the file name with '.' for ':'. */
static int
fv_find_dev(const struct fv_options *o, const struct fio_file *f, uint16_t *id)
{
	char name[VBLK_NAME_LEN];

	if (fv_has(o->vhost_user))
		return fv_find_vhost_user(o->vhost_user, id);
	if (o->pci != NULL && o->pci[0] != '\0')
		snprintf(name, sizeof(name), "%s", o->pci);
	else if (f != NULL && f->file_name != NULL)
		snprintf(name, sizeof(name), "%s", f->file_name);
	else
		name[0] = '\0';
	if (vblk_dev_get_by_name(name, id) == 0)
		return 0;
	/* fio splits file names at ':', so 0000.00.05.0 stands for 0000:00:05.0. */
	for (char *p = name; *p != '\0'; p++)
		if (*p == '.' && strchr(p + 1, '.') != NULL)
			*p = ':';
	if (vblk_dev_get_by_name(name, id) == 0)
		return 0;
	FV_ERR("no vblk device '%s' (%u device%s probed; is the function bound to uio_pci_generic "
	       "or vfio-pci, and given with pci=?)\n",
	       name, vblk_dev_count(), vblk_dev_count() == 1 ? "" : "s");
	return -ENODEV;
}

static int
fv_env_get(struct thread_data *td, const struct fio_file *f, uint16_t *id)
{
	const struct fv_options *o = td->eo;
	int ret;

	if (!td->o.use_thread) {
		FV_ERR("the vireo engine needs thread=1 (EAL lives in one process)\n");
		return -EINVAL;
	}
	pthread_mutex_lock(&fv_lock);
	ret = fv_eal_init_locked(o);
	if (ret == 0)
		ret = fv_find_dev(o, f, id);
	pthread_mutex_unlock(&fv_lock);
	return ret;
}

/** Claims a queue of the device for the job (the first claim takes its limits). */
static int
fv_dev_attach(struct fv_thread *t, uint16_t id, unsigned int depth)
{
	struct fv_dev *d = &fv_devs[id];
	struct vblk_dev_info info;
	int ret;

	pthread_mutex_lock(&fv_lock);
	ret = vblk_dev_info_get(id, &info);
	if (ret < 0) {
		FV_ERR("%s: info: %s\n", vblk_dev_name(id), strerror(-ret));
		goto out;
	}
	if (d->users == 0) {
		d->id = id;
		d->nb_queues = RTE_MIN(info.max_queues, (uint16_t)64);
		d->queue_depth = info.max_queue_depth;
		d->queue_busy = 0;
	}
	if (depth > d->queue_depth) {
		FV_ERR("%s: iodepth=%u but the device's queues hold %u requests\n",
		       vblk_dev_name(id), depth, d->queue_depth);
		ret = -EINVAL;
		goto out;
	}
	for (uint16_t q = 0; q < d->nb_queues; q++) {
		if ((d->queue_busy & (UINT64_C(1) << q)) == 0) {
			d->queue_busy |= UINT64_C(1) << q;
			t->qid = q;
			t->has_queue = true;
			break;
		}
	}
	if (!t->has_queue) {
		FV_ERR("%s: all %u queues are in use: run fewer jobs on this device (one queue per "
		       "job thread), or give it more queues (QEMU: num-queues=; "
		       "qemu-storage-daemon: num-queues= of the export)\n",
		       vblk_dev_name(id), d->nb_queues);
		ret = -EBUSY;
		goto out;
	}
	d->users++;
	t->dev = d;
	t->info = info;
	t->block_size = info.block_size;
	t->block_shift = (uint8_t)__builtin_ctz(info.block_size);
	t->capacity = info.capacity;
	t->flush_ok = (info.ops & VBLK_OP_BIT(VBLK_OP_FLUSH)) != 0;
	t->discard_ok = (info.ops & VBLK_OP_BIT(VBLK_OP_DISCARD)) != 0;
	ret = 0;
out:
	pthread_mutex_unlock(&fv_lock);
	return ret;
}

/** Configures and starts the device for the first job that gets here. */
static int
fv_dev_start(struct fv_thread *t)
{
	struct fv_dev *d = t->dev;
	struct vblk_dev_conf conf = {
		.nb_queues = d->nb_queues,
		.queue_depth = d->queue_depth,
		.socket_id = SOCKET_ID_ANY,
	};
	int ret = 0;

	pthread_mutex_lock(&fv_lock);
	if (!d->configured) {
		ret = vblk_dev_configure(d->id, &conf);
		if (ret == 0)
			ret = vblk_dev_start(d->id);
		if (ret < 0)
			FV_ERR("%s: configure/start (%u queues of %u): %s\n", vblk_dev_name(d->id),
			       conf.nb_queues, conf.queue_depth, strerror(-ret));
		else
			d->configured = true;
	}
	pthread_mutex_unlock(&fv_lock);
	return ret;
}

static void
fv_dev_detach(struct fv_thread *t)
{
	struct fv_dev *d = t->dev;

	if (d == NULL)
		return;
	pthread_mutex_lock(&fv_lock);
	if (t->has_queue)
		d->queue_busy &= ~(UINT64_C(1) << t->qid);
	if (--d->users == 0 && d->configured) {
		/* Nothing of ours is in flight: every job reaped its I/O. */
		vblk_dev_stop(d->id);
		d->configured = false;
	}
	pthread_mutex_unlock(&fv_lock);
	t->dev = NULL;
}

/* ---------------------------------------------------------- the hooks */

/* fio's main thread (create_serialize, the default) asks for file sizes. */
static int
fv_setup(struct thread_data *td)
{
	struct fio_file *f;
	unsigned int i;

	for_each_file(td, f, i)
	{
		uint16_t id;
		struct vblk_dev_info info;
		int ret = fv_env_get(td, f, &id);

		if (ret == 0)
			ret = vblk_dev_info_get(id, &info);
		if (ret < 0) {
			td_verror(td, -ret, "fio_vireo setup");
			return 1;
		}
		f->real_file_size = info.capacity * info.block_size;
		fio_file_set_size_known(f);
	}
	return 0;
}

static void fv_cleanup(struct thread_data *td);

/* Requests and segments one io_u may need, for the job's largest block size. */
static int
fv_size_split(struct fv_thread *t, const struct thread_data *td)
{
	unsigned long long bs = 0;
	uint64_t nblocks;
	uint32_t segs = 1, tsegs;
	int n, reqs = 1;

	for (int d = 0; d < DDIR_RWDIR_CNT; d++)
		bs = RTE_MAX(bs, td->o.max_bs[d]);
	nblocks = RTE_MAX((bs + t->block_size - 1) / t->block_size, 1ull);
	n = vblk_io_split_count(&t->info, VBLK_OP_READ, nblocks, &segs);
	if (n > 0 && t->discard_ok) {
		int nt = vblk_io_split_count(&t->info, VBLK_OP_DISCARD, nblocks, &tsegs);

		n = nt > 0 ? RTE_MAX(n, nt) : nt;
	}
	if (n < 0) {
		FV_ERR("%s: bs=%llu cannot be cut into requests the device takes: %s\n",
		       vblk_dev_name(t->dev->id), bs, strerror(-n));
		return n;
	}
	reqs = RTE_MAX(n, reqs);
	t->max_reqs = (uint16_t)reqs;
	t->max_segs = RTE_MAX(segs, 1u);
	if (reqs > 1)
		log_info("fio_vireo: %s: bs=%llu may go as up to %d requests (the device takes %u "
			 "segments of at most %u bytes, %u blocks per read or write, %u per "
			 "discard)\n",
			 vblk_dev_name(t->dev->id), bs, reqs, t->info.max_segments,
			 t->info.max_segment_size, t->info.max_transfer_blocks,
			 t->info.max_discard_blocks);
	return 0;
}

static int
fv_init(struct thread_data *td)
{
	struct fv_thread *t;
	uint16_t id;
	int ret;

	if (td->o.nr_files != 1) {
		FV_ERR("one device per job (nr_files=%u): give each device its own job\n",
		       td->o.nr_files);
		td_verror(td, EINVAL, "fio_vireo init");
		return 1;
	}
	ret = fv_env_get(td, td->files[0], &id);
	if (ret < 0) {
		td_verror(td, -ret, "fio_vireo init");
		return 1;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto nomem;
	td->io_ops_data = t;
	t->depth = td->o.iodepth;
	ret = fv_dev_attach(t, id, t->depth);
	if (ret < 0) {
		td_verror(td, -ret, "fio_vireo init");
		fv_cleanup(td);
		td->io_ops_data = NULL;
		return 1;
	}
	ret = fv_size_split(t, td);
	if (ret < 0) {
		td_verror(td, -ret, "fio_vireo init");
		fv_cleanup(td);
		td->io_ops_data = NULL;
		return 1;
	}
	t->reqs = calloc((size_t)t->depth * t->max_reqs, sizeof(*t->reqs));
	t->segs = calloc((size_t)t->depth * t->max_segs, sizeof(*t->segs));
	t->iou = calloc(t->depth, sizeof(*t->iou));
	t->staged = calloc((size_t)t->depth * t->max_reqs, sizeof(*t->staged));
	t->events = calloc(t->depth, sizeof(*t->events));
	if (t->reqs == NULL || t->segs == NULL || t->iou == NULL || t->staged == NULL ||
	    t->events == NULL)
		goto nomem;
	return 0;

nomem:
	td_verror(td, ENOMEM, "fio_vireo init");
	fv_cleanup(td);
	td->io_ops_data = NULL;
	return 1;
}

/* After fio allocated this job's buffers (init_io_u): the device starts now. */
static int
fv_post_init(struct thread_data *td)
{
	int ret = fv_dev_start(td->io_ops_data);

	if (ret < 0) {
		td_verror(td, -ret, "fio_vireo post_init");
		return 1;
	}
	return 0;
}

static void
fv_cleanup(struct thread_data *td)
{
	struct fv_thread *t = td->io_ops_data;

	if (t == NULL)
		return;
	fv_dev_detach(t);
	free(t->reqs);
	free(t->segs);
	free(t->iou);
	free(t->staged);
	free(t->events);
	free(t);
}

static int
fv_open_file(struct thread_data *td, struct fio_file *f)
{
	RTE_SET_USED(td);
	RTE_SET_USED(f);
	return 0;
}

static int
fv_close_file(struct thread_data *td, struct fio_file *f)
{
	RTE_SET_USED(td);
	RTE_SET_USED(f);
	return 0;
}

static int
fv_iomem_alloc(struct thread_data *td, size_t total)
{
	char name[RTE_MEMZONE_NAMESIZE];
	unsigned int seq;

	pthread_mutex_lock(&fv_lock);
	seq = fv_mz_seq++;
	pthread_mutex_unlock(&fv_lock);
	snprintf(name, sizeof(name), "fio_vireo_%u_%u", td->thread_number, seq);
	/*
	 * IOVA-contiguous so that any buffer inside is one segment whatever
	 * the IOVA mode (with IOVA as PA, hugepages are not contiguous).
	 */
	const struct rte_memzone *mz = rte_memzone_reserve_aligned(name, total, SOCKET_ID_ANY,
								   RTE_MEMZONE_IOVA_CONTIG, 4096);
	if (mz == NULL) {
		FV_ERR("cannot reserve %zu bytes of IOVA-contiguous hugepage memory for the I/O "
		       "buffers: %s (more hugepages, mem_mb=, or smaller bs x iodepth)\n",
		       total, rte_strerror(rte_errno));
		return 1;
	}
	struct fv_thread *t = td->io_ops_data;

	t->mz = mz;
	td->orig_buffer = mz->addr;
	return 0;
}

static void
fv_iomem_free(struct thread_data *td)
{
	struct fv_thread *t = td->io_ops_data;

	if (t != NULL && t->mz != NULL) {
		rte_memzone_free(t->mz);
		t->mz = NULL;
	}
	td->orig_buffer = NULL;
}

static enum fio_q_status
fv_complete_now(struct io_u *io_u, int err)
{
	io_u->error = (unsigned int)err;
	if (err != 0)
		io_u->resid = io_u->xfer_buflen;
	return FIO_Q_COMPLETED;
}

/* An offset and length in whole logical blocks (power of two: a mask, no division). */
static inline bool
fv_blocks_ok(const struct fv_thread *t, const struct io_u *io_u)
{
	return ((io_u->offset | io_u->xfer_buflen) & (t->block_size - 1)) == 0 &&
	       io_u->xfer_buflen != 0;
}

/* An io_u the device cannot take as one request: vblk_io_split() cuts it. */
static enum fio_q_status
fv_queue_split(struct fv_thread *t, struct io_u *io_u, uint8_t op)
{
	struct vblk_req *reqs = &t->reqs[(size_t)io_u->index * t->max_reqs];
	struct vblk_io io = {
		.op = op,
		.lba = io_u->offset >> t->block_shift,
		.nblocks = io_u->xfer_buflen >> t->block_shift,
		.ctx = io_u,
	};
	int n;

	if (op == VBLK_OP_READ || op == VBLK_OP_WRITE) {
		/* A trim-only job has no buffers (and no memzone). */
		const uint8_t *buf = io_u->xfer_buf;

		io.addr = io_u->xfer_buf;
		io.iova = t->mz->iova + (uint64_t)(buf - (const uint8_t *)t->mz->addr);
	}
	n = vblk_io_split(&t->info, &io, reqs, t->max_reqs,
			  &t->segs[(size_t)io_u->index * t->max_segs], t->max_segs);
	if (n < 0)
		return fv_complete_now(io_u, -n);
	t->iou[io_u->index] = (struct fv_iou){ .pending = (uint16_t)n };
	for (int i = 0; i < n; i++)
		t->staged[t->nb_staged++] = &reqs[i];
	return FIO_Q_QUEUED;
}

static enum fio_q_status
fv_queue(struct thread_data *td, struct io_u *io_u)
{
	struct fv_thread *t = td->io_ops_data;
	struct vblk_req *r = &t->reqs[(size_t)io_u->index * t->max_reqs];
	uint64_t nblocks;

	fio_ro_check(td, io_u);
	/* Every field set here: no memset of the request per I/O. */
	r->flags = 0;
	r->nseg = 0;
	r->lba = 0;
	r->nblocks = 0;
	r->ctx = io_u;
	switch (io_u->ddir) {
	case DDIR_READ:
	case DDIR_WRITE: {
		struct vblk_seg *s = &t->segs[(size_t)io_u->index * t->max_segs];
		const uint8_t *buf = io_u->xfer_buf;
		uint8_t op = io_u->ddir == DDIR_READ ? VBLK_OP_READ : VBLK_OP_WRITE;

		if (!fv_blocks_ok(t, io_u))
			return fv_complete_now(io_u, EINVAL);
		nblocks = io_u->xfer_buflen >> t->block_shift;
		if (unlikely(io_u->xfer_buflen > t->info.max_segment_size ||
			     nblocks > t->info.max_transfer_blocks))
			return fv_queue_split(t, io_u, op);
		s->addr = io_u->xfer_buf;
		s->iova = t->mz->iova + (uint64_t)(buf - (const uint8_t *)t->mz->addr);
		s->len = (uint32_t)io_u->xfer_buflen;
		r->op = op;
		r->lba = io_u->offset >> t->block_shift;
		r->nblocks = (uint32_t)nblocks;
		r->nseg = 1;
		r->segs = s;
		break;
	}
	case DDIR_TRIM:
		if (!t->discard_ok)
			return fv_complete_now(io_u, EOPNOTSUPP);
		if (!fv_blocks_ok(t, io_u))
			return fv_complete_now(io_u, EINVAL);
		nblocks = io_u->xfer_buflen >> t->block_shift;
		if (nblocks > t->info.max_discard_blocks)
			return fv_queue_split(t, io_u, VBLK_OP_DISCARD);
		r->op = VBLK_OP_DISCARD;
		r->lba = io_u->offset >> t->block_shift;
		r->nblocks = (uint32_t)nblocks;
		r->segs = NULL;
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
	case DDIR_SYNC_FILE_RANGE:
		/* A write-through device (no FLUSH offered) has nothing to commit. */
		if (!t->flush_ok)
			return fv_complete_now(io_u, 0);
		r->op = VBLK_OP_FLUSH;
		r->segs = NULL;
		break;
	default:
		return fv_complete_now(io_u, EINVAL);
	}
	t->iou[io_u->index] = (struct fv_iou){ .pending = 1 };
	/* fio never has more than iodepth io_us out: staged[] (x max_reqs) cannot overflow. */
	t->staged[t->nb_staged++] = r;
	return FIO_Q_QUEUED;
}

/** Hands the staged requests to the queue: one burst, one doorbell. */
static void
fv_submit(struct fv_thread *t)
{
	uint16_t n;

	if (t->nb_staged == 0)
		return;
	n = vblk_enqueue_burst(t->dev->id, t->qid, t->staged, (uint16_t)t->nb_staged);
	/* The queue accepts a prefix; the rest waits for the next commit or poll. */
	if (n < t->nb_staged)
		memmove(t->staged, t->staged + n, (t->nb_staged - n) * sizeof(*t->staged));
	t->nb_staged -= n;
	t->in_flight += n;
}

/*
 * Batching. By default fio commits after every queued io_u
 * (iodepth_batch=1) and reaps one completion per getevents()
 * (iodepth_batch_complete_max = min = 1): submitting at each commit would
 * be a burst of one and a doorbell per request (a syscall and a backend
 * wake-up on vhost-user, a VM exit on PCI), 10x slower than bursts.
 * So: getevents() harvests a whole burst of completions into t->done and
 * hands them out over the next calls; requests fio queues meanwhile stay
 * staged and go to the device as one burst when the harvested ones are all
 * handed out (as vireo-perf refills after each harvest). commit() submits
 * at once only when nothing is in flight (QD1, rate-limited jobs), so the
 * device never idles on fio's schedule.
 */
static int
fv_commit(struct thread_data *td)
{
	struct fv_thread *t = td->io_ops_data;

	if (t->in_flight == 0)
		fv_submit(t);
	return 0;
}

/*
 * The TSC when a getevents() timeout @p tmo runs out, read only once a poll
 * came back empty: fio passes a timeout (usually zero) on about every
 * call, and a clock read per call costs (clock_gettime() is a system call
 * reading the HPET in a TCG guest); a zero timeout needs no clock at all.
 */
static uint64_t
fv_deadline(const struct timespec *tmo)
{
	uint64_t hz = rte_get_tsc_hz();

	return rte_get_tsc_cycles() + (uint64_t)tmo->tv_sec * hz +
	       (uint64_t)tmo->tv_nsec * hz / 1000000000u;
}

/*
 * Harvested completions into fio's events from @p at, at most @p room: an
 * io_u is done when the last of its requests is. @return how many.
 */
static unsigned int
fv_hand_out(struct fv_thread *t, unsigned int at, unsigned int room)
{
	unsigned int n = 0;

	while (n < room && t->done_pos < t->nb_done) {
		const struct vblk_req *r = t->done[t->done_pos++];
		struct io_u *io_u = r->ctx;
		struct fv_iou *st = &t->iou[io_u->index];

		if (r->status < 0 && st->err == 0)
			st->err = -r->status;
		if (--st->pending != 0)
			continue;
		io_u->error = (unsigned int)st->err;
		io_u->resid = st->err != 0 ? io_u->xfer_buflen : 0;
		t->events[at + n++] = io_u;
	}
	return n;
}

static int
fv_getevents(struct thread_data *td, unsigned int min, unsigned int max, const struct timespec *tmo)
{
	struct fv_thread *t = td->io_ops_data;
	unsigned int got = 0;
	uint64_t deadline = 0;
	bool polled = false;
	bool zero_tmo = tmo != NULL && tmo->tv_sec == 0 && tmo->tv_nsec == 0;

	for (;;) {
		got += fv_hand_out(t, got, max - got);
		if (got == max || (got >= min && polled))
			break;
		/* Everything harvested is handed out: submit what fio queued, poll. */
		fv_submit(t);
		t->nb_done = vblk_dequeue_burst(t->dev->id, t->qid, t->done, FV_BURST);
		t->done_pos = 0;
		t->in_flight -= t->nb_done;
		polled = true;
		if (t->nb_done != 0)
			continue;
		if (got >= min || zero_tmo)
			break;
		if (tmo != NULL) {
			if (deadline == 0)
				deadline = fv_deadline(tmo);
			else if (rte_get_tsc_cycles() >= deadline)
				break;
		}
	}
	return (int)got;
}

static struct io_u *
fv_event(struct thread_data *td, int ev)
{
	struct fv_thread *t = td->io_ops_data;

	return t->events[ev];
}

static int
fv_get_file_size(struct thread_data *td, struct fio_file *f)
{
	RTE_SET_USED(td);
	/* Set by setup(), which fio always calls first for this engine. */
	return fio_file_size_known(f) ? 0 : EINVAL;
}

static struct fio_option fv_opts[] = {
	{
		.name = "pci",
		.lname = "vireo PCI device",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct fv_options, pci),
		.help = "PCI address of the virtio-blk function (e.g. 0000:00:05.0); EAL probes only it",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "vhost_user",
		.lname = "vireo vhost-user-blk socket",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct fv_options, vhost_user),
		.help = "unix socket of a vhost-user-blk backend (e.g. qemu-storage-daemon "
			"--export type=vhost-user-blk): drives it through a blk_vireo_user vdev",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "eal_args",
		.lname = "vireo EAL arguments",
		.type = FIO_OPT_STR_STORE,
		.off1 = offsetof(struct fv_options, eal_args),
		.help = "EAL arguments, replacing the defaults '-l 0 --in-memory --no-telemetry "
			"--log-level=*:warning' (with vhost_user=: also --single-file-segments "
			"--no-pci; first job to start EAL wins)",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = "mem_mb",
		.lname = "vireo EAL memory",
		.type = FIO_OPT_INT,
		.off1 = offsetof(struct fv_options, mem_mb),
		.help = "Hugepage memory EAL reserves at start (MiB, EAL -m); 0: EAL's default",
		.def = "0",
		.category = FIO_OPT_C_ENGINE,
		.group = FIO_OPT_G_INVALID,
	},
	{
		.name = NULL,
	},
};

/* The one symbol the engine exports (version.map); fio dlsym()s it. */
__attribute__((visibility("default"))) struct ioengine_ops ioengine = {
	.name = FV_NAME,
	.version = FIO_IOOPS_VERSION,
	.flags = FIO_RAWIO | FIO_NOEXTEND | FIO_NODISKUTIL | FIO_MEMALIGN | FIO_DISKLESSIO,
	.setup = fv_setup,
	.init = fv_init,
	.post_init = fv_post_init,
	.queue = fv_queue,
	.commit = fv_commit,
	.getevents = fv_getevents,
	.event = fv_event,
	.cleanup = fv_cleanup,
	.open_file = fv_open_file,
	.close_file = fv_close_file,
	.get_file_size = fv_get_file_size,
	.iomem_alloc = fv_iomem_alloc,
	.iomem_free = fv_iomem_free,
	.option_struct_size = sizeof(struct fv_options),
	.options = fv_opts,
};
