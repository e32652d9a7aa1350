/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * DMA regions: IOVA-contiguous memory shared with a device.
 *
 * A region is a DPDK memzone reserved with RTE_MEMZONE_IOVA_CONTIG, so one
 * base IOVA plus an offset addresses any byte of it, whatever the IOVA mode
 * (PA with uio_pci_generic, VA with vfio behind an IOMMU, VA with --no-huge
 * in tests). Rings and driver-owned buffers (net headers, blk request
 * headers and status bytes) live in regions; packet data lives in mbufs.
 */
#ifndef VIO_DMA_H
#define VIO_DMA_H

#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

/** A DMA region. Opaque; use the accessors. */
struct vio_dma_region;

/**
 * Reserve a zeroed IOVA-contiguous region.
 *
 * @param tag     Short name for the memzone; a unique suffix is added.
 * @param len     Bytes (> 0).
 * @param align   Power-of-two alignment of both VA and IOVA (0: cache line).
 * @param socket  NUMA socket or SOCKET_ID_ANY.
 * @return the region, or NULL with rte_errno set (EINVAL, ENOMEM, ...).
 */
struct vio_dma_region *vio_dma_alloc(const char *tag, size_t len, size_t align, int socket);

/** Release a region (NULL is a no-op). */
void vio_dma_free(struct vio_dma_region *region);

/** Virtual address of the first byte. */
void *vio_dma_va(const struct vio_dma_region *region);

/** IOVA of the first byte. */
uint64_t vio_dma_iova(const struct vio_dma_region *region);

/** Length in bytes. */
size_t vio_dma_len(const struct vio_dma_region *region);

/** NUMA socket the memory came from. */
int vio_dma_socket(const struct vio_dma_region *region);

/** Memzone name (unique). */
const char *vio_dma_name(const struct vio_dma_region *region);

/** VA at @p offset, or NULL when offset is outside the region. */
void *vio_dma_va_at(const struct vio_dma_region *region, size_t offset);

/** IOVA at @p offset, or RTE_BAD_IOVA when offset is outside the region. */
uint64_t vio_dma_iova_at(const struct vio_dma_region *region, size_t offset);

#endif /* VIO_DMA_H */
