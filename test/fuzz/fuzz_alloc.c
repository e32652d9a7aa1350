/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Heap-backed rte_malloc and memzones for lib/virtio under AddressSanitizer.
 *
 * Debian's DPDK is not built with ASan, so memory from rte_malloc() and
 * memzones is invisible to it: an overrun of a descriptor table or of the
 * queue's private arrays would go unnoticed. A target that links this file
 * with -Wl,--wrap=<symbol> for each function below has every call that
 * lib/virtio makes go to the C heap instead, where ASan sees overruns and
 * use after free, and LeakSanitizer sees leaks. Calls inside DPDK's own
 * shared libraries are not affected.
 *
 * IOVA == VA, as in EAL's --no-huge mode, so no EAL is needed at all.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_memzone.h>

void *__wrap_rte_malloc_socket(const char *type, size_t size, unsigned int align, int socket);
void *__wrap_rte_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket);
void __wrap_rte_free(void *ptr);
const struct rte_memzone *__wrap_rte_memzone_reserve_aligned(const char *name, size_t len,
							     int socket_id, unsigned int flags,
							     unsigned int align);
int __wrap_rte_memzone_free(const struct rte_memzone *mz);

static void *
heap_alloc(size_t size, size_t align)
{
	void *p = NULL;

	if (size == 0)
		return NULL;
	if (align < RTE_CACHE_LINE_SIZE)
		align = RTE_CACHE_LINE_SIZE;
	if (posix_memalign(&p, align, size) != 0) {
		rte_errno = ENOMEM;
		return NULL;
	}
	return p;
}

void *
__wrap_rte_malloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	RTE_SET_USED(type);
	RTE_SET_USED(socket);
	return heap_alloc(size, align);
}

void *
__wrap_rte_zmalloc_socket(const char *type, size_t size, unsigned int align, int socket)
{
	void *p = __wrap_rte_malloc_socket(type, size, align, socket);

	if (p != NULL)
		memset(p, 0, size);
	return p;
}

void
__wrap_rte_free(void *ptr)
{
	free(ptr);
}

/* The memzone descriptor and its memory (exactly len bytes: no slack for overruns). */
struct heap_mz {
	struct rte_memzone mz;
};

const struct rte_memzone *
__wrap_rte_memzone_reserve_aligned(const char *name, size_t len, int socket_id, unsigned int flags,
				   unsigned int align)
{
	struct heap_mz *h = calloc(1, sizeof(*h));
	void *mem = heap_alloc(len, align);

	if (h == NULL || mem == NULL) {
		free(h);
		free(mem);
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(h->mz.name, sizeof(h->mz.name), "%s", name);
	h->mz.addr = mem;
	h->mz.iova = (rte_iova_t)(uintptr_t)mem;
	h->mz.len = len;
	h->mz.hugepage_sz = 4096;
	h->mz.socket_id = socket_id < 0 ? 0 : socket_id;
	h->mz.flags = flags;
	return &h->mz;
}

int
__wrap_rte_memzone_free(const struct rte_memzone *mz)
{
	struct heap_mz *h;

	if (mz == NULL)
		return -EINVAL;
	h = container_of(mz, struct heap_mz, mz);
	free(h->mz.addr);
	free(h);
	return 0;
}
