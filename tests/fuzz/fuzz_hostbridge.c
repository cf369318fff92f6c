/* libFuzzer target: the PCI host bridge as a guest sees it. Each input is a sequence of
 * 8-byte operations on a fresh machine (tests/unit/sim_device.c: a host bridge with one
 * assigned device): writes of any size and value to 0xcf8..0xcfb (enable bit, any bus,
 * device, function, register), reads and writes of any size at 0xcfc..0xcff, and ECAM
 * accesses of 1 to 8 bytes at any offset of any bus, and just outside the ECAM window; and
 * accesses of 1 to 8 bytes anywhere in and just past the MMIO window onto the I/O space
 * that a board without ports has (the device's I/O BAR, conf1, nothing).
 * Checked on every read: a function that does not exist (another bus, a function other
 * than 0, an empty slot) reads as all ones, and conf1 with the enable bit clear reads as
 * all ones. After the sequence the machine is torn down and must leave nothing behind. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/sim_device.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)
#define ECAM 0xe0000000ull

static uint64_t ones(uint32_t len) { return len >= 8 ? UINT64_MAX : (1ull << (8 * len)) - 1; }

static bool absent(struct pci_host *h, uint32_t bus, uint32_t dev, uint32_t fn)
{
	return bus || fn || !h->slots[dev & 31];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_machine m;
	uint32_t cf8 = 0;

	if (sim_machine_init(&m, false) < 0)
		__builtin_trap();
	for (size_t i = 0; i + 8 <= size; i += 8) {
		const uint8_t *op = data + i;
		uint32_t val, len;
		uint64_t v = 0;
		bool write = op[1] & 0x80;

		memcpy(&val, op + 4, 4);
		v = val;
		switch (op[0] % 5) {
		case 0: { /* the address register, any width, any byte */
			static const uint32_t w[4] = { 1, 2, 4, 4 };
			uint32_t port = 0xcf8 + (op[1] & 3);

			len = w[(op[1] >> 2) & 3];
			if (port + len > 0xcfc)
				port = 0xcf8;
			bus_access(&m.vm.pio, port, &v, len, write);
			if (write && len == 4 && port == 0xcf8)
				cf8 = val;
			break;
		}
		case 1: { /* the data window */
			static const uint32_t w[4] = { 1, 2, 4, 4 };
			uint32_t port = 0xcfc + (op[1] & 3), bus = (cf8 >> 16) & 0xff;
			uint32_t dev = (cf8 >> 11) & 31, fn = (cf8 >> 8) & 7;

			len = w[(op[1] >> 2) & 3];
			if (port + len > 0x100)
				len = 1;
			if (port + len > 0xd00)
				port = 0xcfc;
			bus_access(&m.vm.pio, port, &v, len, write);
			if (!write && (!(cf8 & 0x80000000u) || absent(m.vm.pci, bus, dev, fn)))
				CHECK((v & ones(len)) == ones(len));
			break;
		}
		case 2: { /* ECAM: any bus/device/function/register, 1..8 bytes */
			uint32_t off = val & 0x0fffffff, bus = off >> 20, dev = (off >> 15) & 31;
			uint32_t fn = (off >> 12) & 7;

			len = 1 + (op[1] & 7);
			v = 0;
			bus_access(&m.vm.mmio, ECAM + off, &v, len, write);
			if (!write && off + len <= (1u << 20) && (off & 0xfff) + len <= 0x1000 &&
			    absent(m.vm.pci, bus, dev, fn))
				CHECK(v == ones(len));
			break;
		}
		case 3: /* around the window's edges */
			len = 1 + (op[1] & 7);
			bus_access(&m.vm.mmio, (op[2] & 1 ? ECAM + (1u << 20) : ECAM) - 8 + (op[3] & 15),
				   &v, len, write);
			break;
		case 4: { /* the I/O space through MMIO, and just past its end */
			uint32_t port = val % (PCI_IO_WINDOW + 16);

			len = 1 + (op[1] & 7);
			v = 0;
			bus_access(&m.vm.mmio, SIM_IO_WINDOW + port, &v, len, write);
			/* below conf1's ports and the I/O BARs nothing decodes */
			if (!write && port + len <= 0xcf8)
				CHECK(v == ones(len));
			break;
		}
		}
	}
	pt_func_teardown(m.d);
	CHECK(sim.open_eventfds == 0);
	CHECK(sim.bad_closes == 0 && sim.bad_undos == 0 && sim.bad_uses == 0);
	CHECK(sim_irqfds_assigned() == 0);
	CHECK(sim_slots_used() == 0);
	sim_machine_free(&m);
	sim_reset();
	return 0;
}
