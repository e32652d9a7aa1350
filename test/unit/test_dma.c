/* SPDX-License-Identifier: BSD-3-Clause */
/* DMA regions (vio_dma.h) on an EAL without hugepages (IOVA as VA). */
#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_memzone.h>

#include "vio_dma.h"

static void
count_mz(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned int *)arg)++;
}

static unsigned int
memzone_count(void)
{
	unsigned int n = 0;

	rte_memzone_walk(count_mz, &n);
	return n;
}

/* Bytes allocated from the DPDK heaps (all sockets). */
static size_t
heap_alloc_bytes(void)
{
	struct rte_malloc_socket_stats st;
	size_t total = 0;
	unsigned int s;

	for (s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &st) == 0)
			total += st.heap_allocsz_bytes;
	return total;
}

static bool
all_zero(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

static void
test_alloc_basic(void **state)
{
	unsigned int mz0 = memzone_count();
	struct vio_dma_region *r;
	uint8_t *va;
	size_t len = 10000;

	(void)state;
	r = vio_dma_alloc("basic", len, 0, SOCKET_ID_ANY);
	assert_non_null(r);
	va = vio_dma_va(r);
	assert_non_null(va);
	assert_int_equal(vio_dma_len(r), len);
	assert_int_not_equal(vio_dma_iova(r), RTE_BAD_IOVA);
	/* Default alignment: a cache line, for both addresses. */
	assert_int_equal((uintptr_t)va % RTE_CACHE_LINE_SIZE, 0);
	assert_int_equal(vio_dma_iova(r) % RTE_CACHE_LINE_SIZE, 0);
	/* --no-huge runs IOVA as VA: the model devices rely on it. */
	assert_int_equal(rte_eal_iova_mode(), RTE_IOVA_VA);
	assert_int_equal(vio_dma_iova(r), (uintptr_t)va);
	assert_true(all_zero(va, len));
	assert_true(vio_dma_socket(r) >= 0);
	assert_non_null(vio_dma_name(r));
	assert_non_null(strstr(vio_dma_name(r), "basic"));
	assert_non_null(rte_memzone_lookup(vio_dma_name(r)));
	assert_int_equal(memzone_count(), mz0 + 1);
	/* The whole region is writable. */
	memset(va, 0xab, len);
	vio_dma_free(r);
	assert_int_equal(memzone_count(), mz0);
	vio_dma_free(NULL);
}

static void
test_offsets(void **state)
{
	struct vio_dma_region *r = vio_dma_alloc("offs", 4096, 4096, SOCKET_ID_ANY);
	uint8_t *va;
	uint64_t iova;
	size_t len;

	(void)state;
	assert_non_null(r);
	va = vio_dma_va(r);
	iova = vio_dma_iova(r);
	len = vio_dma_len(r);
	assert_ptr_equal(vio_dma_va_at(r, 0), va);
	assert_ptr_equal(vio_dma_va_at(r, 1), va + 1);
	assert_ptr_equal(vio_dma_va_at(r, len - 1), va + len - 1);
	assert_int_equal(vio_dma_iova_at(r, 0), iova);
	assert_int_equal(vio_dma_iova_at(r, 100), iova + 100);
	assert_int_equal(vio_dma_iova_at(r, len - 1), iova + len - 1);
	/* One past the end and beyond: out of range. */
	assert_null(vio_dma_va_at(r, len));
	assert_null(vio_dma_va_at(r, len + 1));
	assert_null(vio_dma_va_at(r, SIZE_MAX));
	assert_int_equal(vio_dma_iova_at(r, len), RTE_BAD_IOVA);
	assert_int_equal(vio_dma_iova_at(r, SIZE_MAX), RTE_BAD_IOVA);
	vio_dma_free(r);
}

static void
test_alignment(void **state)
{
	static const size_t aligns[] = { 1, 2, 8, 64, 128, 4096, 65536, 1 << 20 };
	struct vio_dma_region *r;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(aligns); i++) {
		r = vio_dma_alloc("align", 100, aligns[i], SOCKET_ID_ANY);
		assert_non_null(r);
		assert_int_equal((uintptr_t)vio_dma_va(r) % aligns[i], 0);
		assert_int_equal(vio_dma_iova(r) % aligns[i], 0);
		vio_dma_free(r);
	}
}

static void
test_bad_args(void **state)
{
	unsigned int mz0 = memzone_count();
	size_t heap0 = heap_alloc_bytes();

	(void)state;
	rte_errno = 0;
	assert_null(vio_dma_alloc("bad", 0, 0, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(vio_dma_alloc("bad", 64, 3, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(vio_dma_alloc("bad", 64, 48, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	/* More than the 128 MiB EAL has. */
	rte_errno = 0;
	assert_null(vio_dma_alloc("huge", (size_t)1 << 40, 0, SOCKET_ID_ANY));
	assert_int_not_equal(rte_errno, 0);
	rte_errno = 0;
	assert_null(vio_dma_alloc("huge", SIZE_MAX, 0, SOCKET_ID_ANY));
	assert_int_not_equal(rte_errno, 0);
	/*
	 * A socket id that cannot exist. (Without hugepages DPDK serves any
	 * valid socket id from socket 0, so only out-of-range ids fail.)
	 */
	rte_errno = 0;
	assert_null(vio_dma_alloc("sock", 64, 0, RTE_MAX_NUMA_NODES));
	assert_int_not_equal(rte_errno, 0);
	rte_errno = 0;
	assert_null(vio_dma_alloc("sock", 64, 0, 1000));
	assert_int_not_equal(rte_errno, 0);
	/* Failures leak nothing. */
	assert_int_equal(memzone_count(), mz0);
	assert_int_equal(heap_alloc_bytes(), heap0);
}

/* A NULL or long tag either works with a unique name or fails cleanly. */
static void
test_tags(void **state)
{
	char tag[200];
	struct vio_dma_region *a, *b;

	(void)state;
	memset(tag, 'x', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	a = vio_dma_alloc(tag, 64, 0, SOCKET_ID_ANY);
	b = vio_dma_alloc(tag, 64, 0, SOCKET_ID_ANY);
	assert_non_null(a);
	assert_non_null(b);
	assert_string_not_equal(vio_dma_name(a), vio_dma_name(b));
	assert_true(strlen(vio_dma_name(a)) < RTE_MEMZONE_NAMESIZE);
	vio_dma_free(a);
	vio_dma_free(b);
	rte_errno = 0;
	a = vio_dma_alloc(NULL, 64, 0, SOCKET_ID_ANY);
	if (a == NULL)
		assert_int_equal(rte_errno, EINVAL);
	vio_dma_free(a);
}

#define MANY 200

static void
test_many_unique(void **state)
{
	unsigned int mz0 = memzone_count();
	struct vio_dma_region *r[MANY];
	unsigned int i, j;

	(void)state;
	for (i = 0; i < MANY; i++) {
		r[i] = vio_dma_alloc("many", 64 + i, 0, SOCKET_ID_ANY);
		assert_non_null(r[i]);
		memset(vio_dma_va(r[i]), (int)i, 64 + i);
	}
	assert_int_equal(memzone_count(), mz0 + MANY);
	for (i = 0; i < MANY; i++) {
		uint8_t *p = vio_dma_va(r[i]);

		/* No region overlaps another: each still holds its own pattern. */
		assert_int_equal(p[0], (uint8_t)i);
		assert_int_equal(p[63 + i], (uint8_t)i);
		for (j = i + 1; j < MANY; j++)
			assert_string_not_equal(vio_dma_name(r[i]), vio_dma_name(r[j]));
	}
	for (i = 0; i < MANY; i++)
		vio_dma_free(r[i]);
	assert_int_equal(memzone_count(), mz0);
}

static void
test_no_leak(void **state)
{
	unsigned int mz0 = memzone_count();
	size_t heap0 = heap_alloc_bytes();
	struct vio_dma_region *r;
	unsigned int i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		r = vio_dma_alloc("leak", 4096 + (i % 7) * 1000, 4096, SOCKET_ID_ANY);
		assert_non_null(r);
		/* Reuse of freed memory must still hand out zeroed memory. */
		assert_true(all_zero(vio_dma_va(r), vio_dma_len(r)));
		memset(vio_dma_va(r), 0xff, vio_dma_len(r));
		vio_dma_free(r);
	}
	assert_int_equal(memzone_count(), mz0);
	assert_int_equal(heap_alloc_bytes(), heap0);
}

static int
group_setup(void **state)
{
	(void)state;
	return unit_eal_init("dma", "0") < 0 ? -1 : 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	rte_eal_cleanup();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_basic), cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_alignment),   cmocka_unit_test(test_bad_args),
		cmocka_unit_test(test_tags),        cmocka_unit_test(test_many_unique),
		cmocka_unit_test(test_no_leak),
	};

	return cmocka_run_group_tests_name("vio_dma", tests, group_setup, group_teardown);
}
