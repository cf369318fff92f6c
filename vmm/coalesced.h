/* Coalesced port writes: KVM queues guest writes to a registered port range in a ring
 * instead of exiting, and ptvm replays them, in order, before it handles the next exit
 * of any vCPU. Only for ports whose writes have no effect until a later access that does
 * exit (the PCI configuration address at 0xcf8: a configuration access always goes on to
 * read or write 0xcfc, which exits). */
#ifndef PTVM_COALESCED_H
#define PTVM_COALESCED_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Registers [port, port+len) with KVM. 0; -EOPNOTSUPP when the kernel cannot coalesce
 * port I/O; or a failed ioctl's error (err_get() names it). Either way the writes then
 * simply exit. */
int coalesced_pio_add(struct vm *vm, uint16_t port, uint32_t len);
/* Finds the ring in a vCPU's run area (called for each vCPU once it is mapped). */
void coalesced_attach(struct vm *vm, void *run, size_t run_size);
/* Replays every queued write on the buses, oldest first. Any thread; serialised. */
void coalesced_drain(struct vm *vm);

#endif
