/* An ARM PL011 UART (PrimeCell, r1p5) wired to the console: what Linux's amba-pl011 driver
 * probes and drives (its PrimeCell IDs, the flag register, transmit and receive
 * interrupts, loopback). Transmission is instant: the transmit FIFO is always empty. */
#ifndef PTVM_PL011_H
#define PTVM_PL011_H

#include "vmm/vm.h"

#define PL011_SIZE 0x1000

/* Registers its 4 KiB page at base on bus (MMIO), raising irq (the board's line number,
 * as vm_irq_line takes it) while an unmasked interrupt is pending; takes the console's
 * input. */
int pl011_create(struct vm *vm, struct bus *bus, uint64_t base, uint32_t irq);

#endif
