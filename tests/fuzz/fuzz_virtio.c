/* libFuzzer target: a guest driving the virtio console through its virtio-mmio registers
 * and its rings in guest RAM: any register write or read, ring and descriptor contents
 * poked anywhere in 64 KiB of RAM, queue notifications (ioeventfd) and console input, in
 * any order. Nothing may be read or written outside guest RAM (ASan), and after teardown
 * nothing may stay registered with the (simulated) kernel. Input, 7 bytes per step:
 *   op, a, b, v0..v3   op%5: 0 register write at (a*4)%0x200 of v, 1 register read,
 *                      2 notification, 3 a%64 bytes of console input, 4 RAM[a|b<<8] = v */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/sim_kernel.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/devtype.h"
#include "vmm/irq.h"

#define RAM 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static int in_w = -1;
	static struct vm_config cfg;
	struct vm vm;
	uint64_t base;
	uint32_t gsi;

	if (!ram) {
		int p[2];

		ram = malloc(RAM);
		if (!ram || pipe(p))
			__builtin_trap();
		dup2(p[0], 0); /* the console: stdio, input from a pipe, output to nowhere */
		in_w = p[1];
		int null = open("/dev/null", O_WRONLY);
		if (null < 0 || dup2(null, 1) < 0)
			__builtin_trap();
		config_init(&cfg);
	}
	memset(ram, 0, RAM);
	sim_vm_init(&vm, ram, RAM);
	vm.cfg = &cfg;
	if (irq_init(&vm) || console_create(&vm) ||
	    device_type_find("virtio-console")->create(&vm, "") ||
	    arch_virtio_mmio_slot(0, &base, &gsi))
		__builtin_trap();
	for (size_t i = 0; i + 7 <= size; i += 7) {
		uint32_t v;

		memcpy(&v, data + i + 3, 4);
		switch (data[i] % 5) {
		case 0:
			bus_access(&vm.mmio, base + (data[i + 1] * 4u) % 0x200, &v, 4, true);
			break;
		case 1:
			bus_access(&vm.mmio, base + (data[i + 1] * 4u) % 0x200, &v, 4, false);
			break;
		case 2:
			if (vm.npolls)
				vm.polls[0].fn(vm.polls[0].opaque);
			break;
		case 3: {
			/* console_pump reads all of it (up to 256): the pipe is empty again */
			char buf[64];
			size_t n = data[i + 1] % 64 + 1;

			memset(buf, 'a', n);
			if (write(in_w, buf, n) != (ssize_t)n)
				__builtin_trap();
			console_pump(vm.console);
			break;
		}
		case 4: {
			uint32_t at = (data[i + 1] | (uint32_t)data[i + 2] << 8) % (RAM - 3);

			memcpy(ram + at, &v, 4);
			break;
		}
		}
	}
	sim_vm_free(&vm);
	if (sim_irqfds_assigned() || sim.bad_undos || sim.bad_closes || sim.bad_uses)
		__builtin_trap();
	return 0;
}
