/* The PL061 as Linux's gpio-pl061 and gpio-keys drivers drive it, through the MMIO bus:
 * PrimeCell IDs, the masked data register, and the power button's line: interrupts on
 * both edges (what gpio-keys asks for), on one edge, and on a level. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tests/unit/mmio_device.h"
#include "vmm/pl061.h"

static struct pl061 *gpio;

static int setup(void **state)
{
	(void)state;
	bare_vm();
	return pl061_create(&vm, &vm.mmio, MMIO_BASE, 6, &gpio);
}

static void test_primecell_ids(void **state)
{
	(void)state;
	check_primecell_ids(0x00041061);
}

/* GPIODATA: address bits [9:2] pick the lines; outputs read back what was written,
 * inputs what drives them. */
static void test_data_masked(void **state)
{
	(void)state;
	wr(0x400, 0x0f);             /* lines 0-3 outputs, 4-7 inputs */
	wr(0x3fc, 0xff);             /* all lines: outputs 0-3 high */
	assert_int_equal(rd(0x3fc), 0x0f);
	wr(0x3 << 2, 0x00);          /* only lines 0 and 1 low */
	assert_int_equal(rd(0x3fc), 0x0c);
	assert_int_equal(rd(0x8 << 2), 0x08); /* line 3 alone */
	pl061_set_input(gpio, 5, true);
	assert_int_equal(rd(0x3fc), 0x2c);
	wr(0x20 << 2, 0x00);         /* an input line ignores writes */
	assert_int_equal(rd(0x20 << 2), 0x20);
	assert_int_equal(rd(0x400), 0x0f); /* DIR */
}

/* gpio-keys: line 3 an input, interrupts on both edges, unmasked. A press (rising) and a
 * release (falling) each latch RIS until the guest clears it through IC. */
static void test_both_edges(void **state)
{
	(void)state;
	assert_false(pl061_set_input(gpio, 3, false)); /* nobody listens yet */
	wr(0x408, 0x08);             /* IBE: both edges */
	wr(0x410, 0x08);             /* IE */
	assert_int_equal(rd(0x414), 0);
	assert_true(pl061_set_input(gpio, 3, true));
	assert_int_equal(rd(0x414), 0x08); /* RIS */
	assert_int_equal(rd(0x418), 0x08); /* MIS */
	assert_int_equal(rd(0x8 << 2), 0x08);
	wr(0x41c, 0x08);             /* IC */
	assert_int_equal(rd(0x418), 0);
	assert_true(pl061_set_input(gpio, 3, true)); /* no change, no edge */
	assert_int_equal(rd(0x414), 0);
	pl061_set_input(gpio, 3, false);
	assert_int_equal(rd(0x418), 0x08);
	wr(0x410, 0x00);             /* masked: raw status stays, masked status goes */
	assert_int_equal(rd(0x414), 0x08);
	assert_int_equal(rd(0x418), 0);
	assert_false(pl061_set_input(gpio, 3, true));
}

/* One edge (IEV: rising), and a level (IS + IEV: high), which follows the line and which
 * IC does not clear. */
static void test_edge_and_level(void **state)
{
	(void)state;
	wr(0x410, 0x03);             /* IE on lines 0 and 1 */
	wr(0x40c, 0x03);             /* IEV: rising / high */
	wr(0x404, 0x02);             /* IS: line 1 level-sensitive */
	pl061_set_input(gpio, 0, true);
	pl061_set_input(gpio, 1, true);
	assert_int_equal(rd(0x418), 0x03);
	wr(0x41c, 0x03);
	assert_int_equal(rd(0x418), 0x02); /* the level stays while the line is high */
	pl061_set_input(gpio, 0, false);   /* a falling edge: not the one asked for */
	pl061_set_input(gpio, 1, false);
	assert_int_equal(rd(0x418), 0);
	/* an output line's edges count too: the guest toggling its own line */
	wr(0x400, 0x01);
	wr(0x1 << 2, 0x01);
	assert_int_equal(rd(0x418), 0x01);
}

/* Reserved offsets read 0 and ignore writes; narrow accesses at a word's first byte
 * reach the register, other bytes read 0. */
static void test_reserved_and_widths(void **state)
{
	uint8_t b = 0xff;

	(void)state;
	wr(0x500, 0xffffffff);
	assert_int_equal(rd(0x500), 0);
	assert_true(bus_access(&vm.mmio, MMIO_BASE + 0x400, &b, 1, true));
	assert_int_equal(rd(0x400), 0xff);
	b = 0x55;
	assert_true(bus_access(&vm.mmio, MMIO_BASE + 0x401, &b, 1, false));
	assert_int_equal(b, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_primecell_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_data_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_both_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_and_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reserved_and_widths, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
