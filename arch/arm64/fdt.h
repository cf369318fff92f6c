/* The device tree an arm64 guest boots with: ptvm writes it (libfdt's sequential writer)
 * from a description of the board. Free of arm64-only headers, so that the host's unit
 * tests and fuzzers build it on any architecture. */
#ifndef PTVM_ARM64_FDT_H
#define PTVM_ARM64_FDT_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/topology.h"
#include "vmm/vm.h"

#define ARM64_FDT_MAX_CPUS 64
#define ARM64_FDT_MAX_MEM VM_MAX_MEM
#define ARM64_FDT_VIRTIO 4
#define ARM64_FDT_SLOTS 32 /* bus 0 devices the INTx interrupt-map covers */

struct arm64_fdt_range {
	uint64_t base, size;
};

struct arm64_board {
	struct arm64_fdt_range mem[ARM64_FDT_MAX_MEM]; /* guest RAM, in address order */
	int nmem;
	int ncpus;
	uint64_t mpidr[ARM64_FDT_MAX_CPUS];  /* each vCPU's MPIDR affinity (its reg) */
	struct cpu_topology topology;        /* resolved: the cpu-map; vCPU i is thread
						i % threads of core i / threads % cores
						of socket i / (cores * threads) */
	struct arm64_fdt_range gicd, gicr;   /* distributor; redistributors of all vCPUs */
	struct arm64_fdt_range its;          /* size 0: no ITS (MSIs then unavailable) */
	uint32_t timer_ppi[4];               /* secure, non-secure, virtual, hypervisor */
	struct arm64_fdt_range uart;         /* a PL011 */
	uint32_t uart_spi;                   /* its SPI number (GIC INTID - 32) */
	uint32_t uart_clock_hz;
	struct arm64_fdt_range gpio;         /* a PL061; size 0: none (no power button) */
	uint32_t gpio_spi;
	uint32_t power_gpio;                 /* its line that is the power button (gpio-keys) */
	struct arm64_fdt_range ecam;         /* PCI config space, bus 0 .. size / 1 MiB - 1 */
	struct arm64_fdt_range mmio32, mmio64, pio; /* PCI windows (CPU address = PCI address,
						      but the I/O window, which starts at PCI 0) */
	uint32_t intx_spi[4];                /* INTA..INTD of bus 0, swizzled by slot */
	struct arm64_fdt_range virtio[ARM64_FDT_VIRTIO]; /* virtio-mmio devices */
	uint32_t virtio_spi[ARM64_FDT_VIRTIO];           /* their (edge) SPIs */
	int nvirtio;
	const char *bootargs;                /* may be NULL */
	uint64_t initrd_start, initrd_end;   /* both 0: no initrd */
};

/* Writes the guest's device tree for BOARD into BUF (SIZE bytes). Returns its size, or
 * -ENOSPC when BUF is too small, -EINVAL for a board it cannot describe (no CPU or RAM,
 * too many CPUs); the error says which. */
int arm64_fdt_build(void *buf, size_t size, const struct arm64_board *board);

#endif
