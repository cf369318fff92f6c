/* libFuzzer target: the arm64 boot inputs a user controls, built on any host. The input's
 * bytes are (1) a kernel file's head and size for the Image header check and placement,
 * and (2) a board for the device tree writer: vCPU count and topology, RAM regions,
 * window addresses and sizes, the power button's GPIO controller, virtio-mmio devices,
 * the command line. Whatever the input, the writer either refuses with an error
 * or writes a tree that libfdt's full check accepts, inside its buffer. */
#include <libfdt.h>
#include <stdint.h>
#include <string.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/image.h"

static uint64_t take(const uint8_t **p, size_t *n, size_t bytes)
{
	uint64_t v = 0;

	for (size_t i = 0; i < bytes && *n; i++, (*p)++, (*n)--)
		v |= (uint64_t)**p << (8 * i);
	return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t fdt[16384];
	static char args[512];
	const uint8_t *p = data;
	size_t n = size, alen;
	struct arm64_image img;
	struct arm64_board b;
	uint64_t load, end;
	int r;

	/* the Image: the first 64 bytes (or fewer) and a claimed file size */
	if (arm64_image_parse(data, size < 64 ? size : 64, take(&p, &n, 8) ^ size, &img) == 0)
		arm64_image_place(&img, take(&p, &n, 8), take(&p, &n, 8), &load, &end);

	/* the board */
	memset(&b, 0, sizeof(b));
	/* mostly what the writer accepts, sometimes not (0 or more than 64 vCPUs, no RAM or
	 * more regions than it takes, an ECAM that is no whole number of buses) */
	b.ncpus = (int)take(&p, &n, 1) % 72;
	b.nmem = (int)take(&p, &n, 1) % (ARM64_FDT_MAX_MEM + 2);
	for (int i = 0; i < ARM64_FDT_MAX_MEM; i++) {
		b.mem[i].base = take(&p, &n, 8);
		b.mem[i].size = take(&p, &n, 8);
	}
	for (int i = 0; i < ARM64_FDT_MAX_CPUS; i++)
		b.mpidr[i] = take(&p, &n, 2);
	/* a topology: mostly one that multiplies to the vCPU count, sometimes any counts */
	b.topology.threads = (int)take(&p, &n, 1) % 4 + 1;
	b.topology.sockets = (int)take(&p, &n, 1) % 4 + 1;
	b.topology.cores = b.ncpus / (b.topology.threads * b.topology.sockets);
	if (take(&p, &n, 1) % 8 == 0)
		b.topology.cores = (int)take(&p, &n, 1) - 1;
	else if (b.topology.cores > 0) /* the count they multiply to */
		b.ncpus = b.topology.sockets * b.topology.cores * b.topology.threads;
	b.gicd.base = take(&p, &n, 8);
	b.gicr.size = take(&p, &n, 4);
	b.its.size = take(&p, &n, 1);
	b.uart.base = take(&p, &n, 8);
	b.uart_spi = (uint32_t)take(&p, &n, 4);
	b.gpio.base = take(&p, &n, 8);
	b.gpio.size = take(&p, &n, 1) & 1 ? 0x1000 : 0; /* sometimes no power button */
	b.gpio_spi = (uint32_t)take(&p, &n, 2);
	b.power_gpio = (uint32_t)take(&p, &n, 1);
	b.ecam.base = take(&p, &n, 8);
	b.ecam.size = (take(&p, &n, 2) % 300) << 20 | (take(&p, &n, 1) & 1 ? 0 : 0x800);
	b.mmio32.size = take(&p, &n, 4);
	b.mmio64.size = take(&p, &n, 8);
	b.pio.size = take(&p, &n, 2);
	b.nvirtio = (int)take(&p, &n, 1) % (ARM64_FDT_VIRTIO + 2); /* sometimes too many */
	for (int i = 0; i < ARM64_FDT_VIRTIO; i++) {
		b.virtio[i].base = take(&p, &n, 8);
		b.virtio[i].size = take(&p, &n, 2);
		b.virtio_spi[i] = (uint32_t)take(&p, &n, 2);
	}
	b.initrd_start = take(&p, &n, 8);
	b.initrd_end = take(&p, &n, 8);
	alen = n < sizeof(args) - 1 ? n : sizeof(args) - 1;
	memcpy(args, p, alen);
	args[alen] = '\0';
	b.bootargs = alen ? args : NULL;
	r = arm64_fdt_build(fdt, sizeof(fdt), &b);
	if (r > 0 && (r > (int)sizeof(fdt) || fdt_check_full(fdt, (size_t)r) != 0))
		__builtin_trap();
	return 0;
}
