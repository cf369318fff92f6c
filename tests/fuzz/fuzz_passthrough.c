/* libFuzzer target: everything a guest can do to an assigned device. Each input is a
 * sequence of 8-byte operations on a fresh machine (tests/unit/sim_device.c) whose device
 * is chosen by the first byte: the built-in NIC-like model or one of the lab's captured
 * zoo devices (tests/unit/fixtures: MSI of every size, SR-IOV and ARI to hide, vendor
 * capabilities, a 1 GiB BAR, no capabilities at all); then config
 * reads/writes through ECAM and through 0xcf8/0xcfc (any offset, any size), MMIO at any
 * offset of the MSI-X BAR (table, PBA, forwarded pages) and of BAR0, port I/O on the I/O
 * BAR and around it, accesses anywhere on both buses, and device-raised MSI-X interrupts.
 * After the sequence the machine is torn down; anything left open (eventfds, irqfds,
 * memslots) or undone twice aborts, as do ASan/UBSan reports. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/sim_device.h"

#define CHECK(c) do { if (!(c)) __builtin_trap(); } while (0)

static const uint32_t sizes[4] = { 1, 2, 4, 8 };

static const char *const fixtures[] = { "e1000e", "e1000", "rtl8139", "edu", "igb-pf",
				       "igb-vf", "nvme", "virtio-net", "ivshmem" };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sim_machine m;
	struct pt_dev *d;
	unsigned pick = size ? data[0] & 0x0f : 0;

	if (pick && pick <= sizeof(fixtures) / sizeof(fixtures[0])) {
		char path[128];

		snprintf(path, sizeof(path), "tests/unit/fixtures/%s.pcidump", fixtures[pick - 1]);
		if (sim_machine_init_fixture(&m, path) < 0)
			__builtin_trap();
	} else if (sim_machine_init(&m, size && (data[0] & 0x80)) < 0) {
		__builtin_trap();
	}
	d = m.d;
	for (size_t i = 1; i + 8 <= size; i += 8) {
		const uint8_t *op = data + i;
		uint32_t len = sizes[op[1] & 3], off, val;
		uint64_t v64 = 0, bar3 = 0, bar0 = 0, io;

		memcpy(&off, op + 2, 2);
		memcpy(&val, op + 4, 4);
		v64 = val;
		bar0 = d->bars[0].gpa;
		bar3 = d->msix ? d->bars[d->msix->table_bar].gpa : d->bars[3].gpa;
		io = 0xc000;
		for (int b = 5; b >= 0; b--)
			if (d->bars[b].size && d->bars[b].io)
				io = d->bars[b].gpa;
		switch (op[0] % 8) {
		case 0: /* ECAM read/write of our slot */
		case 1:
			if (len > 4)
				len = 4;
			pci_cfg_access(m.vm.pci, (uint32_t)d->func.slot << 15 | ((off & 0xfff) & ~(len - 1)),
				       len, val, op[0] & 1);
			break;
		case 2: { /* 0xcf8 then 0xcfc+n, as the guest writes them */
			uint32_t a = 0x80000000u | (uint32_t)d->func.slot << 11 | (off & 0xfc);

			bus_access(&m.vm.pio, 0xcf8, &a, 4, true);
			bus_access(&m.vm.pio, 0xcfc + (op[1] >> 2 & 3), &v64, len > 4 ? 4 : len,
				   op[1] & 0x10);
			break;
		}
		case 3: /* the MSI-X BAR: table, PBA, forwarded pages (BAR 3 when none) */
			bus_access(&m.vm.mmio, bar3 + (off & 0x3fff), &v64, len, op[1] & 0x10);
			break;
		case 4: /* BAR0, where no memslot is (the sim has no KVM): trapped and forwarded */
			bus_access(&m.vm.mmio, bar0 + ((uint64_t)off << 1), &v64, len, op[1] & 0x10);
			break;
		case 5: /* the I/O BAR and ports around it */
			bus_access(&m.vm.pio, (uint16_t)(io - 0x10 + (off & 0x3f)), &v64,
				   len > 4 ? 4 : len, op[1] & 0x10);
			break;
		case 6: /* anywhere on either bus */
			bus_access(op[1] & 0x20 ? &m.vm.mmio : &m.vm.pio,
				   op[1] & 0x20 ? 0xc0000000ull + ((uint64_t)val & 0x3fffffff) : off, &v64,
				   len, op[1] & 0x10);
			break;
		case 7: /* the device raises MSI-X vector n */
			if (d->msix && d->msix->efd[op[1] % d->msix->n] >= 0) {
				uint64_t one = 1;

				CHECK(write(d->msix->efd[op[1] % d->msix->n], &one, 8) == 8);
			} else if (d->msi.nvec && d->msi.efd[op[1] % d->msi.nvec] >= 0) {
				uint64_t one = 1; /* or MSI vector n */

				CHECK(write(d->msi.efd[op[1] % d->msi.nvec], &one, 8) == 8);
			}
			break;
		}
	}
	CHECK(sim_machine_end(&m) == NULL);
	return 0;
}
