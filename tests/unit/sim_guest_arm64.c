/* A scripted guest's accesses on the arm64 board (see tests/unit/sim_guest.h): the PL011's
 * data register, the ECAM (one exit per configuration access) and a poweroff as KVM
 * reports PSCI SYSTEM_OFF (KVM_EXIT_SYSTEM_EVENT, SHUTDOWN). */
#include <stdio.h>
#include <string.h>

#include "arch/arm64/arm64.h"
#include "tests/unit/sim_guest.h"
#include "tests/unit/sim_kernel.h"

const uint32_t sim_guest_msi_address = (uint32_t)ARM64_GITS_TRANSLATER;

bool sim_guest_exit(struct kvm_run *run, const struct sim_access *a, int part)
{
	(void)part;
	switch (a->kind) {
	case SIM_UART_OUT:
		sim_guest_mmio(run, ARM64_UART, 4, true, a->val);
		break;
	case SIM_CFG_READ:
	case SIM_CFG_WRITE:
		sim_guest_mmio(run, ARM64_ECAM + ((uint64_t)a->slot << 15) + a->reg, 4,
		     a->kind == SIM_CFG_WRITE, a->val);
		break;
	case SIM_MMIO_READ:
	case SIM_MMIO_WRITE:
		sim_guest_mmio(run, a->addr, a->size, a->kind == SIM_MMIO_WRITE, a->val);
		break;
	case SIM_POWEROFF:
		memset(&run->system_event, 0, sizeof(run->system_event));
		run->exit_reason = KVM_EXIT_SYSTEM_EVENT;
		run->system_event.type = KVM_SYSTEM_EVENT_SHUTDOWN;
		break;
	}
	return true;
}

uint32_t sim_guest_read_value(const struct kvm_run *run)
{
	uint32_t v = 0;

	memcpy(&v, run->mmio.data, run->mmio.len < 4 ? run->mmio.len : 4);
	return v;
}

bool sim_guest_vm_ok(char *why, unsigned len)
{
	if (!sim.irqchip_ready) {
		snprintf(why, len, "the vGIC was never initialised (KVM_DEV_ARM_VGIC_CTRL_INIT)");
		return false;
	}
	if (!sim.nisv_to_user) {
		snprintf(why, len, "MMIO accesses KVM cannot decode were not asked for "
			 "(KVM_CAP_ARM_NISV_TO_USER)");
		return false;
	}
	return true;
}
