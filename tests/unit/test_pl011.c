/* The PL011 as Linux's amba-pl011 driver probes and drives it, through the MMIO bus:
 * PrimeCell IDs, flags, transmit and receive interrupts, loopback, access widths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tests/unit/mmio_device.h"
#include "vmm/pl011.h"

static int setup(void **state)
{
	(void)state;
	bare_vm();
	return pl011_create(&vm, &vm.mmio, MMIO_BASE, 1);
}

static void test_primecell_ids(void **state)
{
	(void)state;
	check_primecell_ids(0x00041011);
}

/* After reset: transmitter and receiver enabled, FIFOs empty, nothing pending. */
static void test_reset_state(void **state)
{
	(void)state;
	assert_int_equal(rd(0x030), 0x300);
	assert_int_equal(rd(0x018) & 0xf0, 0x90); /* TXFE, RXFE; not full */
	assert_int_equal(rd(0x040), 0);
	wr(0x024, 0x1234ffff);                     /* IBRD keeps 16 bits, FBRD 6 */
	wr(0x028, 0xff);
	assert_int_equal(rd(0x024), 0xffff);
	assert_int_equal(rd(0x028), 0x3f);
	wr(0x02c, 0x70);                           /* 8 bits, FIFOs on */
	assert_int_equal(rd(0x02c), 0x70);
}

/* Loopback: what is sent arrives in the receive FIFO, raising RX and RT while it holds
 * data; the transmit interrupt is raised by each byte and cleared by ICR. */
static void test_loopback_and_interrupts(void **state)
{
	(void)state;
	wr(0x030, 0x381);        /* UARTEN, TXE, RXE, LBE */
	wr(0x038, 0x070);        /* RXIM, TXIM, RTIM */
	wr(0x000, 'p');
	wr(0x000, 't');
	assert_int_equal(rd(0x018) & 0x10, 0);      /* not empty */
	assert_int_equal(rd(0x040), 0x070);         /* RX, TX, RT */
	wr(0x044, 0x020);                           /* clear TX */
	assert_int_equal(rd(0x040), 0x050);
	assert_int_equal(rd(0x000), 'p');
	assert_int_equal(rd(0x000), 't');
	assert_int_equal(rd(0x018) & 0x10, 0x10);   /* empty again */
	assert_int_equal(rd(0x040), 0);             /* nothing pending */
	assert_int_equal(rd(0x000), 0);             /* an empty FIFO reads 0 */
	/* masked: raw status only */
	wr(0x038, 0);
	wr(0x000, 'x');
	assert_int_equal(rd(0x03c) & 0x070, 0x070);
	assert_int_equal(rd(0x040), 0);
	/* a full FIFO (32) drops the rest and says so */
	for (int i = 0; i < 40; i++)
		wr(0x000, (uint32_t)i);
	assert_int_equal(rd(0x018) & 0x40, 0x40);
	assert_int_equal(rd(0x000), 'x');
	for (int i = 0; i < 31; i++)
		assert_int_equal(rd(0x000), (uint32_t)i);
	assert_int_equal(rd(0x018) & 0x10, 0x10);
	/* enabling the transmitter asks for data */
	wr(0x044, 0x7ff);
	wr(0x030, 0x201);
	assert_int_equal(rd(0x03c) & 0x020, 0);
	wr(0x030, 0x301);
	assert_int_equal(rd(0x03c) & 0x020, 0x020);
}

/* Widths: a byte read of a register's low byte, a byte read inside it shifts; writes
 * off a register's start are ignored; reserved offsets read zero. */
static void test_widths_and_reserved(void **state)
{
	uint8_t b = 0;
	uint64_t q = ~0ull;

	(void)state;
	assert_true(bus_access(&vm.mmio, MMIO_BASE + 0xfe0, &b, 1, false));
	assert_int_equal(b, 0x11);
	assert_true(bus_access(&vm.mmio, MMIO_BASE + 0x031, &b, 1, false));
	assert_int_equal(b, 0x03);                  /* CR 0x300 >> 8 */
	b = 0xff;
	assert_true(bus_access(&vm.mmio, MMIO_BASE + 0x039, &b, 1, true));
	assert_int_equal(rd(0x038), 0);
	assert_true(bus_access(&vm.mmio, MMIO_BASE + 0x800, &q, 8, false));
	assert_true(q == 0);
	assert_int_equal(rd(0x044), 0);             /* ICR is write-only */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_primecell_ids, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_and_interrupts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_widths_and_reserved, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
