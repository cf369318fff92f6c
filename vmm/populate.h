/* Guest RAM faulted in ahead of pinning, in parallel (vmm/populate.c). */
#ifndef PTVM_POPULATE_H
#define PTVM_POPULATE_H

#include <stdint.h>

#include "vmm/err.h"

/* How many threads populate_ram should use for size bytes: one per host CPU ptvm may run
 * on, at most 16, and no thread for less than 64 MiB. */
int populate_threads(uint64_t size);
/* Faults in [base, base+size) (page: the backing page size) with nthreads threads.
 * 0, or -errno with a message: -ENOMEM or -EFAULT (a huge page pool that ran short). */
int populate_ram(uint8_t *base, uint64_t size, uint64_t page, int nthreads);

#endif
