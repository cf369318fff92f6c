/* How a scripted guest on the simulated kernel reaches the board, per architecture
 * (tests/unit/sim_guest_x86.c: ports for the UART, PCI configuration mechanism #1 and the
 * ACPI PM1 block; sim_guest_arm64.c: MMIO for the PL011 and the ECAM, PSCI SYSTEM_OFF).
 * The script says what it does (an access); the architecture turns it into the exits
 * KVM_RUN would return, one or more per access. */
#ifndef PTVM_TEST_SIM_GUEST_H
#define PTVM_TEST_SIM_GUEST_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum sim_access_kind {
	SIM_UART_OUT,  /* a byte to the console: val */
	SIM_CFG_READ,  /* 4 bytes of bus 0 device slot's config space at reg */
	SIM_CFG_WRITE, /* ... val written */
	SIM_MMIO_READ, /* size bytes at addr */
	SIM_MMIO_WRITE,
	SIM_POWEROFF,
};

struct sim_access {
	enum sim_access_kind kind;
	uint32_t slot, reg, size, val;
	uint64_t addr;
};

/* An MMIO exit: size bytes at addr, val the data of a write (both architectures). */
static inline void sim_guest_mmio(struct kvm_run *run, uint64_t addr, uint32_t size, bool write,
				  uint32_t val)
{
	run->exit_reason = KVM_EXIT_MMIO;
	run->mmio.phys_addr = addr;
	run->mmio.len = size;
	run->mmio.is_write = write;
	memset(run->mmio.data, 0, sizeof(run->mmio.data));
	memcpy(run->mmio.data, &val, size < 4 ? size : 4);
}

/* Fill the run area with exit number part (0 first) of access a; true if it is the last. */
bool sim_guest_exit(struct kvm_run *run, const struct sim_access *a, int part);
/* What the monitor answered to the read that was the last exit (4 bytes at most). */
uint32_t sim_guest_read_value(const struct kvm_run *run);
/* The address a guest of this board writes its MSIs to (MSI and MSI-X alike). */
extern const uint32_t sim_guest_msi_address;
/* Whether the VM was set up as this architecture's KVM needs (after a clean run): false
 * with the reason in why. */
bool sim_guest_vm_ok(char *why, unsigned len);

#endif
