/* Interrupt routing for devices that signal through eventfds: KVM GSI routes (MSI) and
 * irqfds, so an interrupt goes from the device to the guest without waking ptvm. */
#ifndef PTVM_IRQ_H
#define PTVM_IRQ_H

#include <stdint.h>

#include "vmm/vm.h"

/* The board's own GSIs come first (on x86 the IOAPIC's pins 0-23); MSI routes take the
 * numbers above, up to KVM's limit of routing entries (KVM_MAX_IRQ_ROUTES: 4096 on x86). */
#define IRQ_MAX_GSI 4096

/* The routing table, with the board's base routes (arch_irq_base_routes), created with
 * the VM (before any vCPU or device can ask for a route). 0 or -errno. */
int irq_init(struct vm *vm);
/* Hands the table to KVM (replacing KVM's own defaults), once the interrupt controllers
 * exist. 0 or -errno. */
int irq_routes_commit(struct vm *vm);
/* A GSI for an MSI route (numbers above the board's), or -ENOSPC. */
int irq_alloc_gsi(struct vm *vm);
/* Sets (or changes) gsi's route to an MSI with this address and data, from the PCI
 * requester DEVID (bus << 8 | device << 3 | function), which the route carries where the
 * board's interrupt controller tells devices apart by it (an arm64 ITS). */
int irq_route_msi(struct vm *vm, uint32_t gsi, uint64_t addr, uint32_t data, uint32_t devid);
/* Removes gsi's route and gives the GSI back. */
int irq_free_gsi(struct vm *vm, uint32_t gsi);
/* MSI routes currently in the table (for tests and --verbose). */
int irq_routes_in_use(struct vm *vm);
/* Connects an eventfd to a GSI (resample_fd >= 0 for level-triggered INTx), or disconnects. */
int irq_irqfd(struct vm *vm, int efd, uint32_t gsi, int resample_fd);
int irq_irqfd_remove(struct vm *vm, int efd, uint32_t gsi);
void irq_free(struct vm *vm);

#endif
