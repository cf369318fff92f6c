/* Guest RAM populated ahead of pinning (vmm/populate.c): every page of a memfd mapping
 * exists afterwards, whatever the thread count; the thread count follows the host's CPUs
 * and the size. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/populate.h"

static int resident_pages(uint8_t *p, size_t len)
{
	unsigned char *v = calloc(len / 4096, 1);
	int n = 0;

	assert_int_equal(mincore(p, len, v), 0);
	for (size_t i = 0; i < len / 4096; i++)
		n += v[i] & 1;
	free(v);
	return n;
}

static void populate_with(int threads)
{
	const size_t len = 48u << 20; /* not a multiple of the thread count's shares */
	int fd = memfd_create("populate-test", 0);
	uint8_t *p;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)len), 0);
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(p != MAP_FAILED);
	assert_int_equal(resident_pages(p, len), 0);
	assert_int_equal(populate_ram(p, len, 4096, threads), 0);
	assert_int_equal(resident_pages(p, len), (int)(len / 4096));
	for (size_t o = 0; o < len; o += 4096 * 97)
		assert_int_equal(p[o], 0); /* still all zeroes */
	munmap(p, len);
	close(fd);
}

static void test_one_thread(void **s) { populate_with(1); }
static void test_three_threads(void **s) { populate_with(3); }
static void test_too_many_threads(void **s) { populate_with(1000); }

static void test_thread_count(void **s)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);

	assert_int_equal(populate_threads(4u << 20), 1);          /* too small to split */
	assert_int_equal(populate_threads(128ull << 20), cpus >= 2 ? 2 : 1);
	assert_true(populate_threads(1ull << 40) >= 1);
	assert_true(populate_threads(1ull << 40) <= 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_thread),
		cmocka_unit_test(test_three_threads),
		cmocka_unit_test(test_too_many_threads),
		cmocka_unit_test(test_thread_count),
	};
	return cmocka_run_group_tests_name("populate", tests, NULL, NULL);
}
