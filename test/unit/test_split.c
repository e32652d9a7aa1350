/* SPDX-License-Identifier: BSD-3-Clause */
/* Split virtqueue layout (vio_split.h): invariants for every legal size. */
#include <stdbool.h>
#include <stdint.h>

#include "unit_common.h"

#include "vio_spec.h"
#include "vio_split.h"

static bool
disjoint(size_t a, size_t alen, size_t b, size_t blen)
{
	return a + alen <= b || b + blen <= a;
}

static void
check_layout(uint32_t size)
{
	struct vio_split_layout l;

	assert_int_equal(vio_split_layout_calc(size, &l), 0);
	assert_int_equal(l.size, size);
	/* Section 2.7: descriptor table 16-aligned, 16 bytes each. */
	assert_int_equal(l.desc_off, 0);
	assert_int_equal(l.desc_off % 16, 0);
	assert_int_equal(l.desc_len, 16 * (size_t)size);
	/* Avail ring directly after the table, 2-aligned: flags, idx, ring, used_event. */
	assert_int_equal(l.avail_off, l.desc_off + l.desc_len);
	assert_int_equal(l.avail_off % 2, 0);
	assert_int_equal(l.avail_len, 6 + 2 * (size_t)size);
	/* Used ring on its own 4 KiB boundary: flags, idx, ring, avail_event. */
	assert_int_equal(l.used_off % VIO_SPLIT_USED_ALIGN, 0);
	assert_int_equal(l.used_off % 4, 0);
	assert_true(l.used_off >= l.avail_off + l.avail_len);
	/* ... and no further than needed. */
	assert_true(l.used_off - (l.avail_off + l.avail_len) < VIO_SPLIT_USED_ALIGN);
	assert_int_equal(l.used_len, 6 + 8 * (size_t)size);
	/* No overlap between the three parts. */
	assert_true(disjoint(l.desc_off, l.desc_len, l.avail_off, l.avail_len));
	assert_true(disjoint(l.desc_off, l.desc_len, l.used_off, l.used_len));
	assert_true(disjoint(l.avail_off, l.avail_len, l.used_off, l.used_len));
	/* The block covers the used ring including avail_event, in whole pages. */
	assert_true(l.total_len >= l.used_off + l.used_len);
	assert_int_equal(l.total_len % VIO_SPLIT_USED_ALIGN, 0);
	assert_true(l.total_len - (l.used_off + l.used_len) < VIO_SPLIT_USED_ALIGN);
	/* used_event and avail_event are inside their parts. */
	assert_true(l.avail_off + 4 + 2 * (size_t)size + 2 <= l.used_off);
	assert_true(l.used_off + 4 + 8 * (size_t)size + 2 <= l.total_len);
}

static void
test_every_power_of_two(void **state)
{
	uint32_t size;

	(void)state;
	for (size = 1; size <= VIO_SPLIT_MAX_SIZE; size <<= 1)
		check_layout(size);
}

static void
test_known_values(void **state)
{
	struct vio_split_layout l;

	(void)state;
	/* 256 entries: 4096 + 518 -> used at 8192, 2054 bytes -> 12288 total. */
	assert_int_equal(vio_split_layout_calc(256, &l), 0);
	assert_int_equal(l.avail_off, 4096);
	assert_int_equal(l.used_off, 8192);
	assert_int_equal(l.total_len, 12288);
	/* 32768 entries: 512 KiB table, avail 65542 bytes, used 262150 bytes. */
	assert_int_equal(vio_split_layout_calc(32768, &l), 0);
	assert_int_equal(l.avail_off, 524288);
	assert_int_equal(l.used_off, 524288 + 69632);
	assert_int_equal(l.total_len, 524288 + 69632 + 266240);
}

static void
test_bad_sizes(void **state)
{
	static const uint32_t bad[] = {
		0,     3,     5,     6,     7,     12,     48,          100,         1000,
		32767, 32769, 49152, 65535, 65536, 131072, 0x80000000u, 0xffffffffu,
	};
	struct vio_split_layout l;
	unsigned int i;

	(void)state;
	for (i = 0; i < RTE_DIM(bad); i++) {
		memset(&l, 0x5a, sizeof(l));
		assert_int_equal(vio_split_layout_calc(bad[i], &l), -EINVAL);
	}
}

/* Every size in 1..65536 is accepted iff it is a power of two <= 32768. */
static void
test_exhaustive(void **state)
{
	struct vio_split_layout l;
	uint32_t size;
	bool ok;

	(void)state;
	for (size = 0; size <= 65536; size++) {
		ok = size != 0 && (size & (size - 1)) == 0 && size <= VIO_SPLIT_MAX_SIZE;
		assert_int_equal(vio_split_layout_calc(size, &l), ok ? 0 : -EINVAL);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_power_of_two),
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_bad_sizes),
		cmocka_unit_test(test_exhaustive),
	};

	return cmocka_run_group_tests_name("vio_split", tests, NULL, NULL);
}
