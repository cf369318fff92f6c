/* Exit accounting (vmm/exit_stats.c): counts by reason, by address with port and MMIO kept
 * apart, merged across vCPUs, the busiest first, and a full table counted, not lost. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>

#include <linux/kvm.h>

#include "vmm/exit_stats.h"

static void counts_reasons_and_addresses(void **state)
{
	struct exit_stats *s = calloc(1, sizeof(*s));
	struct exit_stats_row rows[10];
	int distinct;

	(void)state;
	for (int i = 0; i < 5; i++) {
		exit_stats_reason(s, KVM_EXIT_IO);
		exit_stats_address(s, false, 0x3f8);
	}
	for (int i = 0; i < 3; i++) {
		exit_stats_reason(s, KVM_EXIT_MMIO);
		exit_stats_address(s, true, 0x3f8);	/* same number, other space */
	}
	exit_stats_reason(s, KVM_EXIT_SYSTEM_EVENT);
	exit_stats_reason(s, 1000);			/* beyond the table: "other" */
	assert_int_equal(s->reason[KVM_EXIT_IO], 5);
	assert_int_equal(s->reason[KVM_EXIT_MMIO], 3);
	assert_int_equal(s->reason[EXIT_STATS_REASONS], 1);
	assert_int_equal(exit_stats_total(s), 10);
	assert_int_equal(exit_stats_top(s, rows, 10, &distinct), 2);
	assert_int_equal(distinct, 2);
	assert_false(rows[0].mmio);
	assert_int_equal(rows[0].addr, 0x3f8);
	assert_int_equal(rows[0].n, 5);
	assert_true(rows[1].mmio);
	assert_int_equal(rows[1].n, 3);
	assert_string_equal(exit_stats_reason_name(KVM_EXIT_IO), "io");
	assert_null(exit_stats_reason_name(1000));
	free(s);
}

static void merges_and_sorts_busiest_first(void **state)
{
	struct exit_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct exit_stats_row rows[3];
	int distinct;

	(void)state;
	for (uint64_t addr = 0; addr < 20; addr++)	/* address k: k exits on each vCPU */
		for (uint64_t k = 0; k < addr; k++) {
			exit_stats_address(a, true, 0xfe000000 + addr);
			exit_stats_address(b, true, 0xfe000000 + addr);
		}
	exit_stats_merge(a, b);
	assert_int_equal(exit_stats_top(a, rows, 3, &distinct), 3);
	assert_int_equal(distinct, 19);
	assert_int_equal(rows[0].addr, 0xfe000013);
	assert_int_equal(rows[0].n, 38);
	assert_int_equal(rows[1].addr, 0xfe000012);
	assert_int_equal(rows[2].n, 34);
	free(a);
	free(b);
}

static void a_full_table_counts_the_rest(void **state)
{
	struct exit_stats *s = calloc(1, sizeof(*s));
	struct exit_stats_row rows[1];
	int distinct;

	(void)state;
	for (uint64_t p = 0; p < EXIT_STATS_SLOTS + 7; p++)
		exit_stats_address(s, false, p);
	exit_stats_address(s, false, 0);		/* tabled: still found */
	assert_int_equal(s->untabled, 7);
	assert_int_equal(exit_stats_top(s, rows, 1, &distinct), 1);
	assert_int_equal(distinct, EXIT_STATS_SLOTS);
	assert_int_equal(rows[0].addr, 0);
	assert_int_equal(rows[0].n, 2);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(counts_reasons_and_addresses),
		cmocka_unit_test(merges_and_sorts_busiest_first),
		cmocka_unit_test(a_full_table_counts_the_rest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
