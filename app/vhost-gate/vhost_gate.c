/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * vireo_vhost_gate.so: LD_PRELOAD'ed into the arena's backend (dpdk-testpmd
 * with a net_vhost port) for `devtools/vireo arena ipp --side backend`.
 *
 * It interposes rte_vhost_dequeue_burst() and rte_vhost_enqueue_burst()
 * (net_vhost's calls into DPDK's vhost library) and
 *
 *  - lets a call through only when the ring holds at least as many whole
 *    chains as the call asks for (the guest's tx ring for a dequeue, its rx
 *    ring's posted buffers for an enqueue). A backend under callgrind is
 *    some 50 times slower than the frontend, so the frontend keeps its
 *    rings full and nearly every call is a full burst; but whenever the
 *    frontend is descheduled the backend would poll an empty ring, and an
 *    empty packed dequeue costs some 2100 instructions (it allocates and
 *    frees a whole burst of mbufs), in numbers that depend on the load of
 *    the machine. Polls that would find less than a burst are answered 0
 *    here without entering the library (counted as skipped), so what
 *    callgrind collects is the library's cost for full bursts: the steady
 *    state of a backend-bound run, deterministic;
 *  - makes each call that goes through from one out-of-line trampoline per
 *    direction, vireo_vhost_dequeue() and vireo_vhost_enqueue(), the
 *    arena's --toggle-collect functions (the library function itself
 *    cannot be one: this file defines a function of the same name);
 *  - counts calls, skipped polls, calls that moved fewer packets than
 *    asked (partial; 0 when every chain was a packet the library took) and
 *    packets, and writes them as JSON at exit to $VIREO_VHOST_GATE_OUT.
 *
 * Only public vhost API is used to look at the rings (vring addresses,
 * the library's last_avail_idx); the peek only reads guest memory the
 * library reads itself, between net_vhost's allow_queuing checks.
 * A development tool, not part of any driver.
 */
#include <dlfcn.h>
#include <inttypes.h>
#include <link.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_vhost.h>

#define GATE_DESC_F_NEXT 1u
#define GATE_PACKED_F_AVAIL (1u << 7)
#define GATE_PACKED_F_USED (1u << 15)
#define GATE_RING_PACKED_BIT 34

/* Out of line and not cloned, so that callgrind sees the trampolines by name. */
#if defined(__clang__)
#define GATE_OUT_OF_LINE __attribute__((noinline))
#else
#define GATE_OUT_OF_LINE __attribute__((noinline, noclone))
#endif

typedef uint16_t (*gate_dequeue_fn)(int, uint16_t, struct rte_mempool *, struct rte_mbuf **,
				    uint16_t);
typedef uint16_t (*gate_enqueue_fn)(int, uint16_t, struct rte_mbuf **, uint16_t);

enum gate_dir {
	GATE_DEQUEUE,
	GATE_ENQUEUE,
	GATE_NDIR
};

struct gate_count {
	uint64_t calls, skipped, empty, partial, packets;
};

/* The library's functions, looked up at the first call (see gate_lookup()). */
struct gate_api {
	gate_dequeue_fn dequeue;
	gate_enqueue_fn enqueue;
	int (*get_vring)(int, uint16_t, struct rte_vhost_vring *);
	int (*get_vring_base)(int, uint16_t, uint16_t *, uint16_t *);
	int (*get_features)(int, uint64_t *);
};

static struct gate_count gate_counts[GATE_NDIR];
static struct gate_api gate_api;

uint16_t vireo_vhost_dequeue(int vid, uint16_t queue_id, struct rte_mempool *mbuf_pool,
			     struct rte_mbuf **pkts, uint16_t count);
uint16_t vireo_vhost_enqueue(int vid, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t count);

/* dl_iterate_phdr callback: the path of the loaded librte_vhost. */
static int
gate_find_vhost(struct dl_phdr_info *info, size_t size, void *data)
{
	const char *base = strrchr(info->dlpi_name, '/');

	(void)size;
	base = base != NULL ? base + 1 : info->dlpi_name;
	if (strncmp(base, "librte_vhost.so", strlen("librte_vhost.so")) != 0)
		return 0;
	*(const char **)data = info->dlpi_name;
	return 1;
}

/* One of the library's functions (abort when missing: the figures would be wrong). */
static void *
gate_sym(void *handle, const char *path, const char *name)
{
	void *fn = handle != NULL ? dlsym(handle, name) : NULL;

	if (fn == NULL) {
		fprintf(stderr, "vireo_vhost_gate: %s not found (%s)\n", name,
			path != NULL ? path : "librte_vhost not loaded");
		abort();
	}
	return fn;
}

/*
 * The library's own functions, by handle. Neither RTLD_NEXT nor plain
 * symbol binding reaches them: net_vhost is a dlopen'ed plugin and
 * librte_vhost came in as its dependency, outside the global scope this
 * preloaded object searches (which is also why the interposition works).
 */
static void
gate_lookup(void)
{
	const char *path = NULL;
	void *handle;

	if (gate_api.dequeue != NULL)
		return;
	dl_iterate_phdr(gate_find_vhost, &path);
	handle = path != NULL ? dlopen(path, RTLD_NOW | RTLD_NOLOAD) : NULL;
	gate_api.enqueue = (gate_enqueue_fn)gate_sym(handle, path, "rte_vhost_enqueue_burst");
	gate_api.get_vring = gate_sym(handle, path, "rte_vhost_get_vhost_vring");
	gate_api.get_vring_base = gate_sym(handle, path, "rte_vhost_get_vring_base");
	gate_api.get_features = gate_sym(handle, path, "rte_vhost_get_negotiated_features");
	gate_api.dequeue = (gate_dequeue_fn)gate_sym(handle, path, "rte_vhost_dequeue_burst");
}

/* Whole chains the driver has made available from the device's position on, up to @p want. */
static unsigned int
gate_chains(int vid, uint16_t queue_id, unsigned int want)
{
	struct rte_vhost_vring vr;
	uint16_t last_avail, last_used;
	uint64_t features;

	if (gate_api.get_vring(vid, queue_id, &vr) != 0 || vr.desc == NULL || vr.size == 0 ||
	    gate_api.get_vring_base(vid, queue_id, &last_avail, &last_used) != 0 ||
	    gate_api.get_features(vid, &features) != 0)
		return want; /* let the library answer */
	if (features & (1ULL << GATE_RING_PACKED_BIT)) {
		/* Packed: walk from last_avail while descriptors read available
		 * in the device's lap; a chain ends at a descriptor without NEXT. */
		unsigned int pos = last_avail & 0x7fffu, chains = 0, seen;
		bool wrap = (last_avail >> 15) != 0;

		for (seen = 0; chains < want && seen < vr.size; seen++) {
			uint16_t flags = __atomic_load_n(&vr.desc_packed[pos].flags,
							 __ATOMIC_ACQUIRE);

			if (((flags & GATE_PACKED_F_AVAIL) != 0) != wrap ||
			    ((flags & GATE_PACKED_F_USED) != 0) == wrap)
				break;
			if (!(flags & GATE_DESC_F_NEXT))
				chains++;
			if (++pos == vr.size) {
				pos = 0;
				wrap = !wrap;
			}
		}
		return chains;
	}
	/* Split: each avail ring entry is one chain. */
	return (uint16_t)(__atomic_load_n(&vr.avail->idx, __ATOMIC_ACQUIRE) - last_avail);
}

static void
gate_count(enum gate_dir dir, uint16_t got, uint16_t asked)
{
	struct gate_count *c = &gate_counts[dir];

	c->calls++;
	c->packets += got;
	if (got == 0)
		c->empty++;
	else if (got < asked)
		c->partial++;
}

GATE_OUT_OF_LINE uint16_t
vireo_vhost_dequeue(int vid, uint16_t queue_id, struct rte_mempool *mbuf_pool,
		    struct rte_mbuf **pkts, uint16_t count)
{
	return gate_api.dequeue(vid, queue_id, mbuf_pool, pkts, count);
}

GATE_OUT_OF_LINE uint16_t
vireo_vhost_enqueue(int vid, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t count)
{
	return gate_api.enqueue(vid, queue_id, pkts, count);
}

uint16_t
rte_vhost_dequeue_burst(int vid, uint16_t queue_id, struct rte_mempool *mbuf_pool,
			struct rte_mbuf **pkts, uint16_t count)
{
	uint16_t got;

	gate_lookup();
	if (gate_chains(vid, queue_id, count) < count) {
		gate_counts[GATE_DEQUEUE].skipped++;
		return 0;
	}
	got = vireo_vhost_dequeue(vid, queue_id, mbuf_pool, pkts, count);
	gate_count(GATE_DEQUEUE, got, count);
	return got;
}

uint16_t
rte_vhost_enqueue_burst(int vid, uint16_t queue_id, struct rte_mbuf **pkts, uint16_t count)
{
	uint16_t got;

	gate_lookup();
	if (gate_chains(vid, queue_id, count) < count) {
		gate_counts[GATE_ENQUEUE].skipped++;
		return 0;
	}
	got = vireo_vhost_enqueue(vid, queue_id, pkts, count);
	gate_count(GATE_ENQUEUE, got, count);
	return got;
}

static void
gate_write(FILE *f, const char *name, const struct gate_count *c, const char *sep)
{
	fprintf(f,
		"  \"%s\": {\"calls\": %" PRIu64 ", \"skipped\": %" PRIu64 ", \"empty\": %" PRIu64
		", \"partial\": %" PRIu64 ", \"packets\": %" PRIu64 "}%s\n",
		name, c->calls, c->skipped, c->empty, c->partial, c->packets, sep);
}

__attribute__((destructor)) static void
gate_fini(void)
{
	const char *path = getenv("VIREO_VHOST_GATE_OUT");
	FILE *f;

	if (path == NULL)
		return;
	f = fopen(path, "w");
	if (f == NULL) {
		perror(path);
		return;
	}
	fprintf(f, "{\n");
	gate_write(f, "dequeue", &gate_counts[GATE_DEQUEUE], ",");
	gate_write(f, "enqueue", &gate_counts[GATE_ENQUEUE], "");
	fprintf(f, "}\n");
	fclose(f);
}
