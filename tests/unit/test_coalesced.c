/* Coalesced port writes (vmm/coalesced.c): queued writes are replayed on the bus oldest
 * first, across the ring's wrap; a ring with indices out of range (the kernel's memory,
 * not trusted) replays nothing and does not hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/coalesced.h"
#include "vmm/vm.h"

static uint32_t seen[64];
static int nseen;

static void port_write(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	uint32_t v = 0;

	(void)opaque;
	(void)off;
	assert_true(write);
	memcpy(&v, data, len);
	seen[nseen++] = v;
}

struct fixture {
	struct vm vm;
	uint8_t *run;
	struct kvm_coalesced_mmio_ring *ring;
};

static struct fixture *setup_ring(void)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const size_t page = 4096;

	f->run = aligned_alloc(page, 3 * page);
	memset(f->run, 0, 3 * page);
	bus_init(&f->vm.pio, "pio");
	bus_init(&f->vm.mmio, "mmio");
	pthread_mutex_init(&f->vm.coalesced.lock, NULL);
	assert_int_equal(bus_add(&f->vm.pio, 0xcf8, 4, port_write, NULL, "test"), 0);
	f->vm.coalesced.page = 2;
	coalesced_attach(&f->vm, f->run, 3 * page);
	assert_ptr_equal(f->vm.coalesced.ring, f->run + 2 * page);
	f->ring = f->vm.coalesced.ring;
	nseen = 0;
	return f;
}

static void teardown_ring(struct fixture *f)
{
	bus_free(&f->vm.pio);
	bus_free(&f->vm.mmio);
	free(f->run);
	free(f);
}

static void queue(struct fixture *f, uint32_t v)
{
	struct kvm_coalesced_mmio *e = &f->ring->coalesced_mmio[f->ring->last];

	*e = (struct kvm_coalesced_mmio){ .phys_addr = 0xcf8, .len = 4, .pio = 1 };
	memcpy(e->data, &v, 4);
	f->ring->last = (f->ring->last + 1) % f->vm.coalesced.max;
}

static void replays_in_order_across_the_wrap(void **state)
{
	struct fixture *f = setup_ring();

	(void)state;
	assert_true(f->vm.coalesced.max > 10);
	f->ring->first = f->ring->last = f->vm.coalesced.max - 3; /* three before the end */
	for (uint32_t i = 0; i < 7; i++)
		queue(f, 0x80000000u | i << 8);
	coalesced_drain(&f->vm);
	assert_int_equal(nseen, 7);
	for (int i = 0; i < 7; i++)
		assert_int_equal(seen[i], 0x80000000u | (uint32_t)i << 8);
	assert_int_equal(f->ring->first, f->ring->last);
	assert_int_equal(f->vm.coalesced.writes, 7);
	coalesced_drain(&f->vm); /* nothing queued: nothing replayed */
	assert_int_equal(nseen, 7);
	teardown_ring(f);
}

static void a_garbled_ring_replays_nothing(void **state)
{
	struct fixture *f = setup_ring();

	(void)state;
	f->ring->first = 0;
	f->ring->last = f->vm.coalesced.max + 5;
	coalesced_drain(&f->vm);
	f->ring->first = 0xffffffffu;
	f->ring->last = 1;
	coalesced_drain(&f->vm);
	assert_int_equal(nseen, 0);
	teardown_ring(f);
}

static void no_ring_without_a_zone(void **state)
{
	struct vm vm;
	uint8_t run[3 * 4096];

	(void)state;
	memset(&vm, 0, sizeof(vm));
	coalesced_attach(&vm, run, sizeof(run)); /* page 0: nothing registered */
	assert_null(vm.coalesced.ring);
	coalesced_drain(&vm);
	vm.coalesced.page = 3; /* beyond the run area: not used */
	coalesced_attach(&vm, run, sizeof(run));
	assert_null(vm.coalesced.ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(replays_in_order_across_the_wrap),
		cmocka_unit_test(a_garbled_ring_replays_nothing),
		cmocka_unit_test(no_ring_without_a_zone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
