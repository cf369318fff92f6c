/* Exit accounting (--stats): each vCPU counts its exits to ptvm by KVM exit reason and by
 * the port or MMIO address that caused them, in a table of its own (no locking on the
 * vCPU's path); at the end they are merged and the busiest addresses reported. */
#ifndef PTVM_EXIT_STATS_H
#define PTVM_EXIT_STATS_H

#include <stdbool.h>
#include <stdint.h>

#define EXIT_STATS_REASONS 64	/* KVM exit reasons below this are counted one by one */
#define EXIT_STATS_SLOTS 512	/* distinct addresses tabled; more are counted as "other" */

struct exit_stats {
	uint64_t reason[EXIT_STATS_REASONS + 1]; /* the last: reasons beyond the table */
	struct exit_stats_slot {
		uint64_t key;	/* bit 63: MMIO (else port I/O); the rest: the address */
		uint64_t n;	/* 0: the slot is free */
	} slot[EXIT_STATS_SLOTS];
	uint64_t untabled;	/* address exits that found the table full */
};

struct exit_stats_row {
	bool mmio;
	uint64_t addr, n;
};

void exit_stats_reason(struct exit_stats *s, uint32_t reason);
void exit_stats_address(struct exit_stats *s, bool mmio, uint64_t addr);
void exit_stats_merge(struct exit_stats *dst, const struct exit_stats *src);
uint64_t exit_stats_total(const struct exit_stats *s);
/* The busiest addresses, most exits first (ties: lower address first); returns how many
 * rows were written (at most max) and, in *distinct, how many addresses were seen. */
int exit_stats_top(const struct exit_stats *s, struct exit_stats_row *rows, int max,
		   int *distinct);
/* "io", "mmio", "hlt", ... or NULL for a reason without a name here */
const char *exit_stats_reason_name(uint32_t reason);

#endif
