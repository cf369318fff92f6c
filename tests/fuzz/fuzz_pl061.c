/* libFuzzer target: a guest driving the PL061 GPIO controller with any sequence of MMIO
 * accesses (any offset of its 4 KiB page and around it, sizes 1 to 8, reads and writes),
 * interleaved with ptvm driving its input lines (the power button). */
#include <stdint.h>
#include <string.h>

#include "vmm/pl061.h"

#define BASE 0x9030000ull

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[8] = { 1, 2, 4, 8, 1, 2, 4, 3 };
	struct pl061 *g;
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1; /* IRQ line changes go to the simulated kernel and fail */
	bus_init(&vm.mmio, "mmio");
	if (pl061_create(&vm, &vm.mmio, BASE, 6, &g) < 0)
		__builtin_trap();
	for (size_t i = 0; i + 4 <= size; i += 4) {
		uint64_t v = data[i + 3] * 0x0101010101010101ull;
		uint64_t off = ((uint64_t)(data[i] & 0x3f) << 6 | (data[i + 1] & 0x3f)) - 0x10;

		if ((data[i + 2] & 0x30) == 0x30)
			pl061_set_input(g, data[i + 3], data[i + 2] & 1);
		else
			bus_access(&vm.mmio, BASE + off, &v, sizes[data[i + 2] & 7], data[i + 2] & 8);
	}
	vm.devices->teardown(vm.devices);
	bus_free(&vm.mmio);
	return 0;
}
