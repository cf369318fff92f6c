/* libFuzzer target: a guest driving the PL011 UART with any sequence of MMIO accesses (any
 * offset of its 4 KiB page and around it, sizes 1 to 8, reads and writes; loopback fills
 * the receive FIFO as console input would). */
#include <stdint.h>
#include <string.h>

#include "vmm/pl011.h"

#define BASE 0x9000000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[8] = { 1, 2, 4, 8, 1, 2, 4, 3 };
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1; /* IRQ line changes go to the simulated kernel and fail */
	bus_init(&vm.mmio, "mmio");
	if (pl011_create(&vm, &vm.mmio, BASE, 1) < 0)
		__builtin_trap();
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint64_t v = data[i + 3] * 0x0101010101010101ull;
		uint64_t off = ((uint64_t)(data[i] & 0x3f) << 6 | (data[i + 1] & 0x3f)) - 0x10;

		bus_access(&vm.mmio, BASE + off, &v, sizes[data[i + 2] & 7], data[i + 2] & 8);
	}
	vm.devices->teardown(vm.devices);
	bus_free(&vm.mmio);
	return 0;
}
