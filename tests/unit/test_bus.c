/* Buses: sorted ranges, overlap refusal, dispatch, unclaimed accesses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/err.h"

struct hit {
	int n;
	uint64_t off;
	uint32_t len;
	bool write;
};

static void record(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct hit *h = opaque;

	h->n++;
	h->off = off;
	h->len = len;
	h->write = write;
	if (!write)
		memset(data, 0x5a, len);
}

static void test_add_and_dispatch(void **state)
{
	struct bus b;
	struct hit a = { 0 }, c = { 0 };
	uint32_t v = 0;

	bus_init(&b, "pio");
	assert_int_equal(bus_add(&b, 0x3f8, 8, record, &a, "serial"), 0);
	assert_int_equal(bus_add(&b, 0x60, 1, record, &c, "i8042"), 0);
	assert_int_equal(b.n, 2);
	assert_true(b.r[0].base == 0x60); /* kept sorted */
	assert_true(bus_access(&b, 0x3fd, &v, 1, false));
	assert_int_equal(a.n, 1);
	assert_true(a.off == 5);
	assert_int_equal(v & 0xff, 0x5a);
	assert_true(bus_access(&b, 0x3f8, &v, 4, true));
	assert_true(a.write && a.len == 4);
	assert_true(bus_access(&b, 0x60, &v, 1, true));
	assert_int_equal(c.n, 1);
	bus_free(&b);
}

static void test_overlap_refused(void **state)
{
	struct bus b;
	struct hit h;

	bus_init(&b, "mmio");
	assert_int_equal(bus_add(&b, 0x1000, 0x1000, record, &h, "a"), 0);
	assert_int_equal(bus_add(&b, 0x1fff, 1, record, &h, "b"), -EEXIST);
	assert_string_equal(err_get(), "mmio range b [0x1fff, 0x2000) overlaps a [0x1000, 0x2000)");
	assert_int_equal(bus_add(&b, 0x800, 0x801, record, &h, "c"), -EEXIST);
	assert_int_equal(bus_add(&b, 0x800, 0x800, record, &h, "d"), 0); /* adjacent is fine */
	assert_int_equal(bus_add(&b, 0x2000, 0x10, record, &h, "e"), 0);
	assert_int_equal(bus_add(&b, 0x3000, 0, record, &h, "empty"), -EINVAL);
	assert_int_equal(bus_add(&b, UINT64_MAX - 1, 4, record, &h, "wraps"), -EINVAL);
	assert_int_equal(b.n, 3);
	bus_free(&b);
}

static void test_unclaimed_and_straddling(void **state)
{
	struct bus b;
	struct hit h = { 0 };
	uint64_t v = 0;

	bus_init(&b, "mmio");
	assert_int_equal(bus_add(&b, 0x1000, 0x10, record, &h, "a"), 0);
	assert_false(bus_access(&b, 0x2000, &v, 8, false));
	assert_true(v == UINT64_MAX); /* all ones, like an empty PC bus */
	v = 0;
	assert_false(bus_access(&b, 0x100e, &v, 4, false)); /* runs past the range's end */
	assert_true(v == 0xffffffffu);
	assert_false(bus_access(&b, 0xffe, &v, 4, true)); /* starts before it */
	assert_int_equal(h.n, 0);
	assert_true(b.unhandled == 3);
	assert_true(bus_access(&b, 0x100c, &v, 4, false)); /* exactly the last 4 bytes */
	bus_free(&b);
}

static void test_remove(void **state)
{
	struct bus b;
	struct hit h = { 0 };
	uint8_t v;

	bus_init(&b, "mmio");
	for (uint64_t i = 0; i < 40; i++) /* more than the initial capacity */
		assert_int_equal(bus_add(&b, (39 - i) * 0x100, 0x100, record, &h, "x"), 0);
	for (int i = 1; i < b.n; i++)
		assert_true(b.r[i - 1].base < b.r[i].base);
	assert_int_equal(bus_remove(&b, 0x500), 0);
	assert_int_equal(bus_remove(&b, 0x500), -ENOENT);
	assert_int_equal(bus_remove(&b, 0x510), -ENOENT);
	assert_false(bus_access(&b, 0x580, &v, 1, false));
	assert_true(bus_access(&b, 0x680, &v, 1, false));
	bus_free(&b);
}

/* A handler that moves a range on its own bus (what a BAR write through ECAM does) must
 * not deadlock. */
static struct bus *self_bus;
static void mover(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct hit *h = opaque;

	h->n++;
	assert_int_equal(bus_remove(self_bus, 0x9000), 0);
	assert_int_equal(bus_add(self_bus, 0xa000, 0x1000, record, h, "moved"), 0);
}

static void test_handler_changes_its_bus(void **state)
{
	struct bus b;
	struct hit h = { 0 }, m = { 0 };
	uint32_t v = 0;

	bus_init(&b, "mmio");
	self_bus = &b;
	assert_int_equal(bus_add(&b, 0x1000, 4, mover, &m, "config"), 0);
	assert_int_equal(bus_add(&b, 0x9000, 0x1000, record, &h, "bar"), 0);
	assert_true(bus_access(&b, 0x1000, &v, 4, true));
	assert_int_equal(m.n, 1);
	assert_false(bus_access(&b, 0x9000, &v, 4, false));
	assert_true(bus_access(&b, 0xa000, &v, 4, false));
	bus_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_and_dispatch),
		cmocka_unit_test(test_overlap_refused),
		cmocka_unit_test(test_unclaimed_and_straddling),
		cmocka_unit_test(test_remove),
		cmocka_unit_test(test_handler_changes_its_bus),
	};
	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
