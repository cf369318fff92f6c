/* libFuzzer target: a guest driving the 16550A UART with any sequence of port accesses
 * (any of its 8 registers and around them, sizes 1, 2 and 4, reads and writes, DLAB and
 * loopback included). */
#include <stdint.h>
#include <string.h>

#include "vmm/serial.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[4] = { 1, 2, 4, 1 };
	struct vm vm;

	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = vm.coalesced.timer_fd = -1; /* IRQ line changes go to the simulated kernel and fail harmlessly */
	bus_init(&vm.pio, "pio");
	if (serial_create(&vm, &vm.pio, 0x3f8, 4) < 0)
		__builtin_trap();
	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint32_t v = data[i + 2] | (uint32_t)data[i + 2] << 8;

		bus_access(&vm.pio, 0x3f6 + (data[i] & 0xf), &v, sizes[data[i + 1] & 3],
			   data[i + 1] & 4);
	}
	vm.devices->teardown(vm.devices);
	bus_free(&vm.pio);
	return 0;
}
