/* Guest RAM populated ahead of its first use, split across threads. Pinning all guest RAM
 * for DMA (an assigned device) otherwise allocates and zeroes every page inside one ioctl,
 * in one thread; populated first, by one thread per host CPU ptvm may run on, the pin only
 * finds pages that exist. Each thread asks the kernel to fault in its share
 * (MADV_POPULATE_WRITE, Linux 5.14: it fails with an error where touching the memory
 * would raise SIGBUS, as with a huge page pool that runs short); on a kernel without it
 * (or without madvise at all: CONFIG_ADVISE_SYSCALLS) it writes one byte per page itself,
 * which is safe there because guest RAM is all zeroes and its huge pages were reserved
 * when it was mapped. */
#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/populate.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* <linux/mman.h>: the value is uAPI */
#endif

#define POPULATE_MAX_THREADS 16
#define POPULATE_MIN_SHARE (64ull << 20) /* not worth a thread for less */

struct share {
	uint8_t *base;
	uint64_t len, page;
	int err;
	pthread_t thread;
};

static void *populate(void *arg)
{
	struct share *s = arg;

	if (madvise(s->base, s->len, MADV_POPULATE_WRITE) == 0)
		return NULL;
	if (errno != ENOSYS && errno != EINVAL) {
		s->err = -errno;
		return NULL;
	}
	for (uint64_t o = 0; o < s->len; o += s->page)
		((volatile uint8_t *)s->base)[o] = 0;
	return NULL;
}

int populate_threads(uint64_t size)
{
	cpu_set_t set;
	int cpus = 1, n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		cpus = CPU_COUNT(&set);
	n = cpus < POPULATE_MAX_THREADS ? cpus : POPULATE_MAX_THREADS;
	if ((uint64_t)n > size / POPULATE_MIN_SHARE)
		n = (int)(size / POPULATE_MIN_SHARE);
	return n < 1 ? 1 : n;
}

int populate_ram(uint8_t *base, uint64_t size, uint64_t page, int nthreads)
{
	struct share s[POPULATE_MAX_THREADS];
	uint64_t chunk;
	int started = 0, r = 0;

	if (nthreads < 1)
		nthreads = 1;
	if (nthreads > POPULATE_MAX_THREADS)
		nthreads = POPULATE_MAX_THREADS;
	chunk = (size / (uint64_t)nthreads + page - 1) / page * page;
	for (int i = 0; i < nthreads; i++) {
		uint64_t off = chunk * (uint64_t)i;

		if (off >= size)
			break;
		s[i] = (struct share){ base + off, size - off < chunk ? size - off : chunk, page, 0, 0 };
		/* the last share runs here: one thread fewer to start and wait for */
		if (i == nthreads - 1 || off + chunk >= size) {
			populate(&s[i]);
			r = s[i].err;
			break;
		}
		if (pthread_create(&s[i].thread, NULL, populate, &s[i]) != 0) {
			populate(&s[i]); /* no thread to spare: do it here */
			if (s[i].err)
				r = s[i].err;
			continue;
		}
		started |= 1 << i;
	}
	for (int i = 0; i < nthreads; i++)
		if (started & (1 << i)) {
			pthread_join(s[i].thread, NULL);
			if (s[i].err && !r)
				r = s[i].err;
		}
	return r < 0 ? err_errno(r, "populate guest RAM (MADV_POPULATE_WRITE)") : 0;
}
