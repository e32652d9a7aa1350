/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_memzone.h>

#include "vio_dma.h"
#include "vio_log.h"

struct vio_dma_region {
	const struct rte_memzone *mz;
	size_t len;
};

/* Memzone names must be unique process-wide; a counter makes them so. */
static uint32_t vio_dma_seq;

struct vio_dma_region *
vio_dma_alloc(const char *tag, size_t len, size_t align, int socket)
{
	char name[RTE_MEMZONE_NAMESIZE];
	struct vio_dma_region *r;
	uint32_t seq;

	if (tag == NULL || len == 0 || (align != 0 && !rte_is_power_of_2(align))) {
		VIO_LOG(ERR, "dma: bad arguments (tag %s, len %zu, align %zu)",
			tag ? tag : "(null)", len, align);
		rte_errno = EINVAL;
		return NULL;
	}
	if (align == 0)
		align = RTE_CACHE_LINE_SIZE;

	r = rte_zmalloc_socket("vio_dma", sizeof(*r), 0, socket);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	seq = __atomic_fetch_add(&vio_dma_seq, 1, __ATOMIC_RELAXED);
	snprintf(name, sizeof(name), "vio_%.14s_%u", tag, seq);
	r->mz = rte_memzone_reserve_aligned(name, len, socket, RTE_MEMZONE_IOVA_CONTIG, align);
	if (r->mz == NULL) {
		VIO_LOG(ERR, "dma: cannot reserve %zu bytes for %s on socket %d: %s", len, name,
			socket, rte_strerror(rte_errno));
		rte_free(r);
		return NULL;
	}
	r->len = len;
	memset(r->mz->addr, 0, len);
	return r;
}

void
vio_dma_free(struct vio_dma_region *region)
{
	if (region == NULL)
		return;
	rte_memzone_free(region->mz);
	rte_free(region);
}

void *
vio_dma_va(const struct vio_dma_region *region)
{
	return region->mz->addr;
}

uint64_t
vio_dma_iova(const struct vio_dma_region *region)
{
	return region->mz->iova;
}

size_t
vio_dma_len(const struct vio_dma_region *region)
{
	return region->len;
}

int
vio_dma_socket(const struct vio_dma_region *region)
{
	return region->mz->socket_id;
}

const char *
vio_dma_name(const struct vio_dma_region *region)
{
	return region->mz->name;
}

void *
vio_dma_va_at(const struct vio_dma_region *region, size_t offset)
{
	if (offset >= region->len)
		return NULL;
	return RTE_PTR_ADD(region->mz->addr, offset);
}

uint64_t
vio_dma_iova_at(const struct vio_dma_region *region, size_t offset)
{
	if (offset >= region->len)
		return RTE_BAD_IOVA;
	return region->mz->iova + offset;
}
