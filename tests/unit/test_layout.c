/* vmm/layout.c: guest RAM placed in an architecture's windows around reserved ranges, and
 * the reserved ranges worked out from the IOAS's allowed ones. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "vmm/layout.h"

static const struct gpa_range one_window = { 0, (1ull << 40) - 1 };

/* No reserved range: one region, as large as asked. */
static void test_nothing_reserved(void **state)
{
	struct mem_region m[4];

	(void)state;
	assert_int_equal(layout_ram(1ull << 30, 2u << 20, &one_window, 1, NULL, 0, m, 4), 1);
	assert_true(m[0].gpa == 0 && m[0].size == 1ull << 30);
}

/* The arm64 lab's SMMU window, 0x8000000-0x80fffff, in the middle of where RAM would go:
 * RAM below it, RAM after it from the next aligned address, the same amount in all, and
 * no byte of it reserved. */
static void test_window_in_the_middle(void **state)
{
	const struct gpa_range smmu = { 0x8000000, 0x80fffff };
	struct mem_region m[4];
	uint64_t total = 0;
	int n;

	(void)state;
	n = layout_ram(512ull << 20, 2u << 20, &one_window, 1, &smmu, 1, m, 4);
	assert_int_equal(n, 2);
	assert_true(m[0].gpa == 0 && m[0].size == 0x8000000);
	assert_true(m[1].gpa == 0x8200000 && m[1].size == (512ull << 20) - 0x8000000);
	for (int i = 0; i < n; i++) {
		total += m[i].size;
		assert_true(m[i].gpa + m[i].size - 1 < smmu.start || m[i].gpa > smmu.last);
		assert_int_equal(m[i].gpa % (2u << 20), 0);
	}
	assert_true(total == 512ull << 20);
	/* 4 KiB alignment: RAM resumes right after the window */
	n = layout_ram(512ull << 20, 4096, &one_window, 1, &smmu, 1, m, 4);
	assert_int_equal(n, 2);
	assert_true(m[1].gpa == 0x8100000);
}

/* Overlapping and unsorted reserved ranges, a gap shorter than the alignment (skipped),
 * ranges that start before a window and end inside it, and one up to 2^64 - 1. */
static void test_awkward_ranges(void **state)
{
	const struct gpa_range win[2] = { { 0x100000, 0x3fffffff }, { 0x100000000ull, 0x1ffffffffull } };
	const struct gpa_range res[4] = {
		{ 0x20000000, 0x200fffff },
		{ 0x0, 0x1fffff },           /* before and into the first window */
		{ 0x20080000, 0x202fffff },  /* overlaps the first */
		{ 0x180000000ull, UINT64_MAX },
	};
	struct mem_region m[8];
	int n;

	(void)state;
	n = layout_ram(2ull << 30, 2u << 20, win, 2, res, 4, m, 8);
	assert_int_equal(n, 3);
	assert_true(m[0].gpa == 0x200000 && m[0].size == 0x20000000 - 0x200000);
	assert_true(m[1].gpa == 0x20400000 && m[1].gpa + m[1].size == 0x40000000);
	assert_true(m[2].gpa == 0x100000000ull);
	assert_true(m[0].size + m[1].size + m[2].size == 2ull << 30);
	assert_true(m[2].gpa + m[2].size <= 0x180000000ull);
	/* a gap of 1 MiB between two ranges, with 2 MiB alignment: not used */
	{
		const struct gpa_range gap[2] = { { 0x1000000, 0x10fffff }, { 0x1200000, 0x12fffff } };

		n = layout_ram(64ull << 20, 2u << 20, &one_window, 1, gap, 2, m, 8);
		assert_int_equal(n, 2);
		assert_true(m[0].gpa == 0 && m[0].size == 0x1000000);
		assert_true(m[1].gpa == 0x1400000);
	}
	/* a range that starts 1 MiB after a 2 MiB boundary: the 1 MiB before it is not used */
	{
		const struct gpa_range odd = { 0xf00000, 0xffffff };

		n = layout_ram(64ull << 20, 2u << 20, &one_window, 1, &odd, 1, m, 8);
		assert_int_equal(n, 2);
		assert_true(m[0].gpa == 0 && m[0].size == 0xe00000);
		assert_true(m[1].gpa == 0x1000000 && m[1].size == (64ull << 20) - 0xe00000);
	}
}

/* What does not fit is said: too little room, too many pieces, a bad alignment. */
static void test_refusals(void **state)
{
	const struct gpa_range small = { 0, (64ull << 20) - 1 }, res = { 0x2000000, 0x20fffff };
	struct mem_region m[1];

	(void)state;
	assert_int_equal(layout_ram(64ull << 20, 2u << 20, &small, 1, &res, 1, m, 1), -ENOSPC);
	{
		struct mem_region m2[4];

		assert_int_equal(layout_ram(64ull << 20, 2u << 20, &small, 1, &res, 1, m2, 4), -ERANGE);
		assert_int_equal(layout_ram(62ull << 20, 2u << 20, &small, 1, &res, 1, m2, 4), 2);
	}
	assert_int_equal(layout_ram(1u << 20, 3u << 20, &small, 1, NULL, 0, m, 1), -EINVAL);
	assert_int_equal(layout_ram(1u << 20, 0, &small, 1, NULL, 0, m, 1), -EINVAL);
}

/* Allowed ranges as IOMMU_IOAS_IOVA_RANGES reports them, turned into reserved ones. */
static void test_complement(void **state)
{
	const struct gpa_range x86[2] = { { 0, 0xfedfffff }, { 0xfef00000, (1ull << 48) - 1 } };
	const struct gpa_range arm[2] = { { 0, 0x7ffffff }, { 0x8100000, UINT64_MAX } };
	const struct gpa_range from1[1] = { { 0x1000, UINT64_MAX } };
	struct gpa_range r[4];

	(void)state;
	assert_int_equal(layout_complement(x86, 2, r, 4), 2);
	assert_true(r[0].start == 0xfee00000 && r[0].last == 0xfeefffff);
	assert_true(r[1].start == 1ull << 48 && r[1].last == UINT64_MAX);
	assert_int_equal(layout_complement(arm, 2, r, 4), 1);
	assert_true(r[0].start == 0x8000000 && r[0].last == 0x80fffff);
	assert_int_equal(layout_complement(from1, 1, r, 4), 1);
	assert_true(r[0].start == 0 && r[0].last == 0xfff);
	assert_int_equal(layout_complement(NULL, 0, r, 4), 1); /* nothing allowed */
	assert_true(r[0].start == 0 && r[0].last == UINT64_MAX);
	assert_int_equal(layout_complement(x86, 2, r, 1), -ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_reserved),
		cmocka_unit_test(test_window_in_the_middle),
		cmocka_unit_test(test_awkward_ranges),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_complement),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
