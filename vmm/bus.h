/* Buses are data: sorted, non-overlapping address ranges, each with a handler. One bus for
 * port I/O and one for MMIO. Lookups happen on vCPU threads under a read lock; ranges are
 * added and removed under the write lock (BAR relocation). */
#ifndef PTVM_BUS_H
#define PTVM_BUS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

/* off is relative to the range's base; data holds len (1..8) bytes, little endian. */
typedef void (*bus_fn)(void *opaque, uint64_t off, void *data, uint32_t len, bool write);

struct bus_range {
	uint64_t base, len;
	bus_fn fn;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct bus_range *r;
	int n, cap;
	pthread_rwlock_t lock;
	uint64_t unhandled; /* accesses that hit no range */
};

void bus_init(struct bus *b, const char *name);
void bus_free(struct bus *b);
/* -EINVAL for an empty or wrapping range, -EEXIST when it overlaps another (the message
 * names both), -ENOMEM. */
int bus_add(struct bus *b, uint64_t base, uint64_t len, bus_fn fn, void *opaque,
	    const char *name);
int bus_remove(struct bus *b, uint64_t base);
/* Dispatches an access; returns false when no range covers [addr, addr+len). Unhandled
 * reads see all-ones, like a PC with nothing on the bus. */
bool bus_access(struct bus *b, uint64_t addr, void *data, uint32_t len, bool write);
/* The name of the range covering addr, or NULL; for reports (valid while the range is). */
const char *bus_name_at(struct bus *b, uint64_t addr);

#endif
