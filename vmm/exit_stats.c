#include "vmm/exit_stats.h"

#include <stdlib.h>
#include <string.h>

#include <linux/kvm.h>

void exit_stats_reason(struct exit_stats *s, uint32_t reason)
{
	s->reason[reason < EXIT_STATS_REASONS ? reason : EXIT_STATS_REASONS]++;
}

static uint64_t make_key(bool mmio, uint64_t addr)
{
	return (mmio ? 1ull << 63 : 0) | (addr & ~(1ull << 63));
}

static void add_key(struct exit_stats *s, uint64_t key, uint64_t n)
{
	uint32_t h = (uint32_t)((key * 0x9e3779b97f4a7c15ull) >> 40) % EXIT_STATS_SLOTS;

	for (int i = 0; i < EXIT_STATS_SLOTS; i++) {
		struct exit_stats_slot *e = &s->slot[(h + (uint32_t)i) % EXIT_STATS_SLOTS];

		if (e->n && e->key != key)
			continue;
		e->key = key;
		e->n += n;
		return;
	}
	s->untabled += n;
}

void exit_stats_address(struct exit_stats *s, bool mmio, uint64_t addr)
{
	add_key(s, make_key(mmio, addr), 1);
}

void exit_stats_merge(struct exit_stats *dst, const struct exit_stats *src)
{
	for (int i = 0; i <= EXIT_STATS_REASONS; i++)
		dst->reason[i] += src->reason[i];
	for (int i = 0; i < EXIT_STATS_SLOTS; i++)
		if (src->slot[i].n)
			add_key(dst, src->slot[i].key, src->slot[i].n);
	dst->untabled += src->untabled;
}

uint64_t exit_stats_total(const struct exit_stats *s)
{
	uint64_t t = 0;

	for (int i = 0; i <= EXIT_STATS_REASONS; i++)
		t += s->reason[i];
	return t;
}

static int busiest_first(const void *a, const void *b)
{
	const struct exit_stats_slot *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->key < y->key ? -1 : x->key > y->key;
}

int exit_stats_top(const struct exit_stats *s, struct exit_stats_row *rows, int max,
		   int *distinct)
{
	struct exit_stats_slot used[EXIT_STATS_SLOTS];
	int n = 0, out;

	for (int i = 0; i < EXIT_STATS_SLOTS; i++)
		if (s->slot[i].n)
			used[n++] = s->slot[i];
	qsort(used, (size_t)n, sizeof(used[0]), busiest_first);
	out = n < max ? n : max;
	for (int i = 0; i < out; i++) {
		rows[i].mmio = used[i].key >> 63;
		rows[i].addr = used[i].key & ~(1ull << 63);
		rows[i].n = used[i].n;
	}
	if (distinct)
		*distinct = n;
	return out;
}

const char *exit_stats_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_IO: return "io";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_SHUTDOWN: return "shutdown";
	case KVM_EXIT_FAIL_ENTRY: return "fail-entry";
	case KVM_EXIT_INTERNAL_ERROR: return "internal-error";
	case KVM_EXIT_SYSTEM_EVENT: return "system-event";
	case KVM_EXIT_INTR: return "intr";
	default: return NULL;
	}
}
