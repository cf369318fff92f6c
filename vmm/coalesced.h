/* Coalesced writes: KVM queues guest writes to a registered port or MMIO range in a ring
 * instead of exiting, and ptvm replays them, in order, before it handles the next exit of
 * any vCPU (and when a kick's timer fires, and when the VM stops). Only for registers
 * whose writes need no answer before the guest's next access that exits: the PCI
 * configuration address at 0xcf8 (the data access at 0xcfc follows), the UART's transmit
 * register while the guest polls the line status instead of waiting for an interrupt. */
#ifndef PTVM_COALESCED_H
#define PTVM_COALESCED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

/* Registers [addr, addr+len) with KVM. 0; -EOPNOTSUPP when the kernel cannot coalesce
 * such writes; or a failed call's error (err_get() names it). Either way the writes then
 * simply exit. */
int coalesced_add(struct vm *vm, bool pio, uint64_t addr, uint32_t len);
/* Unregisters a range added before (queued writes stay queued until the next drain). */
int coalesced_remove(struct vm *vm, bool pio, uint64_t addr, uint32_t len);
/* Finds the ring in a vCPU's run area (called for each vCPU once it is mapped). */
void coalesced_attach(struct vm *vm, void *run, size_t run_size);
/* Replays every queued write on the buses, oldest first. Any thread; serialised. */
void coalesced_drain(struct vm *vm);
/* Asks for a drain within a few milliseconds even if no exit comes: a guest that polls
 * the UART may write its last bytes and go quiet. One timer, armed only on demand. */
void coalesced_kick(struct vm *vm);
/* The kick timer for the main loop (-1 when nothing is coalesced); when it is readable,
 * call coalesced_timer(). */
int coalesced_timer_fd(const struct vm *vm);
void coalesced_timer(struct vm *vm);

#endif
