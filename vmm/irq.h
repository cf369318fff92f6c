/* Interrupt routing for devices that signal through eventfds: KVM GSI routes (MSI) and
 * irqfds, so an interrupt goes from the device to the guest without waking ptvm. */
#ifndef PTVM_IRQ_H
#define PTVM_IRQ_H

#include <stdint.h>

#include "vmm/vm.h"

/* A GSI for an MSI route (numbers above the IOAPIC's pins), or -ENOSPC. */
int irq_alloc_gsi(struct vm *vm);
/* Sets (or changes) gsi's route to an MSI with this address and data. */
int irq_route_msi(struct vm *vm, uint32_t gsi, uint64_t addr, uint32_t data);
/* Removes gsi's route and gives the GSI back. */
int irq_free_gsi(struct vm *vm, uint32_t gsi);
/* Connects an eventfd to a GSI (resample_fd >= 0 for level-triggered INTx), or disconnects. */
int irq_irqfd(struct vm *vm, int efd, uint32_t gsi, int resample_fd);
int irq_irqfd_remove(struct vm *vm, int efd, uint32_t gsi);
void irq_free(struct vm *vm);

#endif
