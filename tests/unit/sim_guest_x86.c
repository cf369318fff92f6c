/* A scripted guest's accesses on the x86 board (see tests/unit/sim_guest.h): the COM1
 * UART's data port, configuration mechanism #1 (the address to 0xcf8, then the data at
 * 0xcfc: two exits) and a poweroff through the ACPI PM1a control register (S5). */
#include <stdio.h>
#include <string.h>

#include "tests/unit/sim_guest.h"
#include "tests/unit/sim_kernel.h"

#define CFG_ADDR(slot, reg) (0x80000000u | (uint32_t)(slot) << 11 | (reg))
#define PM1A_CNT 0x604
#define POWEROFF ((5u << 10) | 0x2000u) /* SLP_TYP = S5, SLP_EN */

const uint32_t sim_guest_msi_address = 0xfee00000u;

static void io(struct kvm_run *run, uint16_t port, uint32_t size, bool out, uint32_t val)
{
	run->exit_reason = KVM_EXIT_IO;
	run->io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	run->io.size = (uint8_t)size;
	run->io.port = port;
	run->io.count = 1;
	run->io.data_offset = 4096;
	memcpy((uint8_t *)run + 4096, &val, size);
}

bool sim_guest_exit(struct kvm_run *run, const struct sim_access *a, int part)
{
	switch (a->kind) {
	case SIM_UART_OUT:
		io(run, 0x3f8, 1, true, a->val);
		return true;
	case SIM_CFG_READ:
	case SIM_CFG_WRITE:
		if (part == 0) {
			io(run, 0xcf8, 4, true, CFG_ADDR(a->slot, a->reg));
			return false;
		}
		io(run, 0xcfc, 4, a->kind == SIM_CFG_WRITE, a->val);
		return true;
	case SIM_MMIO_READ:
	case SIM_MMIO_WRITE:
		sim_guest_mmio(run, a->addr, a->size, a->kind == SIM_MMIO_WRITE, a->val);
		return true;
	case SIM_POWEROFF:
		io(run, PM1A_CNT, 2, true, POWEROFF);
		return true;
	}
	return true;
}

uint32_t sim_guest_read_value(const struct kvm_run *run)
{
	uint32_t v = 0;

	if (run->exit_reason == KVM_EXIT_IO)
		memcpy(&v, (const uint8_t *)run + run->io.data_offset, run->io.size);
	else
		memcpy(&v, run->mmio.data, run->mmio.len < 4 ? run->mmio.len : 4);
	return v;
}

bool sim_guest_vm_ok(char *why, unsigned len)
{
	if (!sim.pmu_disabled) { /* KVM keeps no PMU for the guest */
		snprintf(why, len, "the guest's PMU was not turned off (KVM_CAP_PMU_CAPABILITY)");
		return false;
	}
	return true;
}
