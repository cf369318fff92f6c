/* A 16550A UART wired to the console: enough for Linux's 8250 driver (FIFO detection,
 * loopback test, THRE and receive interrupts). */
#ifndef PTVM_SERIAL_H
#define PTVM_SERIAL_H

#include "vmm/vm.h"

/* Registers 8 byte-wide registers at base on bus, raising irq (a GSI) when pending. */
int serial_create(struct vm *vm, struct bus *bus, uint64_t base, uint32_t irq);

#endif
