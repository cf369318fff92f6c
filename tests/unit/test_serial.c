/* The 16550A as Linux's 8250 driver probes and drives it, through the PIO bus. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmm/serial.h"

static struct vm vm;

static uint8_t in(uint16_t reg)
{
	uint8_t v = 0;

	assert_true(bus_access(&vm.pio, 0x3f8 + reg, &v, 1, false));
	return v;
}

static void out(uint16_t reg, uint8_t v) { assert_true(bus_access(&vm.pio, 0x3f8 + reg, &v, 1, true)); }

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = vm.coalesced.timer_fd = -1; /* IRQ line changes fail harmlessly: no KVM here */
	bus_init(&vm.pio, "pio");
	return serial_create(&vm, &vm.pio, 0x3f8, 4);
}

static int teardown(void **state)
{
	vm.devices->teardown(vm.devices);
	bus_free(&vm.pio);
	return 0;
}

static void test_probe(void **state)
{
	out(7, 0xa5); /* scratch */
	assert_int_equal(in(7), 0xa5);
	out(1, 0);
	assert_int_equal(in(1) & 0x0f, 0);
	out(1, 0x0f);
	assert_int_equal(in(1), 0x0f);
	out(1, 0);
	out(4, 0x10 | 0x0a); /* loopback with RTS and OUT2: Linux expects MSR 0x90 */
	assert_int_equal(in(6) & 0xf0, 0x90);
	out(4, 0);
	out(2, 0x01); /* enable FIFOs: IIR's top bits say 16550A */
	assert_int_equal(in(2) >> 6, 3);
	assert_int_equal(in(5), 0x60); /* THR empty, transmitter empty, no data */
	out(3, 0x80); /* DLAB: divisor latch */
	out(0, 0x01);
	out(1, 0x00);
	assert_int_equal(in(0), 0x01);
	out(3, 0x03);
	assert_int_equal(in(3), 0x03);
}

static void test_interrupts(void **state)
{
	out(2, 0x01);
	assert_int_equal(in(2) & 0x0f, 0x01); /* nothing pending */
	out(1, 0x02);                          /* enabling THRE with THR empty interrupts */
	assert_int_equal(in(2) & 0x0f, 0x02);
	assert_int_equal(in(2) & 0x0f, 0x01); /* reading IIR acknowledged it */
	out(0, 'x');                           /* sending refills the pending THRE */
	assert_int_equal(in(2) & 0x0f, 0x02);
	out(4, 0x10);                          /* loopback: what is sent is received */
	out(1, 0x01);
	out(0, 'q');
	assert_int_equal(in(5) & 0x01, 0x01);
	assert_int_equal(in(2) & 0x0f, 0x04); /* received data available */
	assert_int_equal(in(0), 'q');
	assert_int_equal(in(5) & 0x01, 0x00);
	assert_int_equal(in(2) & 0x0f, 0x01);
}

static void test_wide_access(void **state)
{
	uint32_t v = 0x11223344;

	/* An access that runs past the UART's 8 ports is not the UART's; one inside the
	 * window reaches consecutive registers. */
	assert_false(bus_access(&vm.pio, 0x3fe, &v, 4, true));
	assert_true(bus_access(&vm.pio, 0x3fc, &v, 4, false));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_interrupts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wide_access, setup, teardown),
	};
	return cmocka_run_group_tests_name("serial", tests, NULL, NULL);
}
