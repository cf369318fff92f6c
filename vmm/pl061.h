/* An ARM PL061 GPIO controller (PrimeCell): eight lines, what Linux's gpio-pl061 driver
 * probes and drives (its PrimeCell IDs, the masked data register, direction, edge or
 * level interrupts on either or both edges). ptvm drives its input lines: on arm64,
 * line 3 is the power button the device tree's gpio-keys node describes. */
#ifndef PTVM_PL061_H
#define PTVM_PL061_H

#include <stdbool.h>

#include "vmm/vm.h"

#define PL061_SIZE 0x1000

struct pl061;

/* Registers its 4 KiB page at base on bus (MMIO), raising irq (the board's line number,
 * as vm_irq_line takes it) while an unmasked interrupt is pending. */
int pl061_create(struct vm *vm, struct bus *bus, uint64_t base, uint32_t irq,
		 struct pl061 **out);
/* Drives input LINE (0-7) to LEVEL, as a button or a signal from outside would: edges
 * and levels raise the interrupts the guest configured. Whether the guest has unmasked
 * that line's interrupt (someone listens) before the change. */
bool pl061_set_input(struct pl061 *g, unsigned line, bool level);

#endif
