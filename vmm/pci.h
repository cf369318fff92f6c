/* The guest's PCI segment 0, bus 0: configuration mechanism #1 (ports 0xcf8/0xcfc) and an
 * ECAM window, both reaching the same per-slot functions. Functions plug in with an ops
 * table; passthrough functions use the same one as any other. */
#ifndef PTVM_PCI_H
#define PTVM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/vm.h"

#define PCI_SLOTS 32
#define PCI_CFG_SIZE 4096 /* PCIe extended configuration space */
#define PCI_IO_DECODE_BASE 0x0d00 /* the host bridge's I/O window above 0xcf8-0xcff */

struct pci_func;
struct pci_func_ops {
	/* off is 0..4095 and aligned to len (1, 2 or 4); never called out of range */
	uint32_t (*cfg_read)(struct pci_func *f, uint32_t off, uint32_t len);
	void (*cfg_write)(struct pci_func *f, uint32_t off, uint32_t len, uint32_t val);
};

struct pci_func {
	const struct pci_func_ops *ops;
	void *opaque;
	uint8_t slot; /* device number on bus 0; function 0 only */
	const char *name;
};

struct pci_window {
	uint64_t base, size, next; /* a bump allocator, naturally aligned */
};

struct pci_host {
	struct device dev;
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t cf8;
	uint64_t ecam_base;
	struct pci_func *slots[PCI_SLOTS];
	struct pci_func bridge; /* slot 0 */
	uint32_t reserved; /* bit N: slot N is kept for a function that asks for it */
	struct pci_window mmio32, mmio64, io;
};

/* Registers the host's ECAM window; the arch chooses the addresses. */
int pci_host_create(struct vm *vm, uint64_t ecam_base, uint64_t mmio32_base, uint64_t mmio32_size,
		    uint64_t mmio64_base, uint64_t mmio64_size);
/* PC boards: configuration mechanism #1 as well, the ports 0xcf8 (address) and 0xcfc
 * (data), after pci_host_create. */
int pci_host_add_conf1(struct vm *vm);
/* Boards without ports (arm64): the PCI I/O space, where I/O BARs decode, reached through
 * PCI_IO_WINDOW bytes of MMIO at BASE (port p at BASE + p), after pci_host_create. */
#define PCI_IO_WINDOW 0x10000
int pci_host_map_io(struct vm *vm, uint64_t base);
/* Puts f in f->slot if nonzero, else in a free slot that is not reserved (slot 0 is the
 * host bridge's). */
int pci_add_func(struct pci_host *h, struct pci_func *f);
/* Naturally aligned BAR space of size bytes (a power of two): 32-bit window, or the 64-bit
 * one when want64 (falling back to 32-bit). 0 when full. */
uint64_t pci_alloc_bar(struct pci_host *h, uint64_t size, bool want64);
/* Naturally aligned I/O ports for an I/O BAR (0xc000-0xffff). 0 when full. */
uint64_t pci_alloc_io(struct pci_host *h, uint64_t size);
/* Whether [base, base+size) lies inside one of the windows the guest's firmware tables
 * give the host bridge (I/O 0x0d00-0xffff, or the 32-bit or 64-bit MMIO window): only
 * there does a BAR decode. A BAR being sized, or put over RAM or the interrupt
 * controllers, decodes nowhere. */
bool pci_bar_fits(const struct pci_host *h, bool io, uint64_t base, uint64_t size);

/* Config-space access as a guest makes it (for tests): bus/dev/fn/off. */
uint32_t pci_cfg_access(struct pci_host *h, uint32_t bdf_off, uint32_t len, uint32_t val,
			bool write);

#endif
