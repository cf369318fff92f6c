/* vCPU state on arm64: KVM's preferred CPU model with PSCI 0.2 (the guest starts and stops
 * its CPUs through PSCI calls that KVM answers), the secondaries powered off until the
 * guest starts them, and the boot vCPU entered at the kernel with x0 pointing at the
 * device tree (Documentation/arch/arm64/booting.rst). KVM_ARM_VCPU_INIT leaves a vCPU in
 * EL1h with interrupts masked and the MMU off, as booting.rst asks. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "arch/arm64/arm64.h"
#include "vmm/arch.h"
#include "vmm/log.h"
#include "vmm/sys.h"


static int get_reg(struct vcpu *v, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return sys_ioctl(v->fd, KVM_GET_ONE_REG, &r);
}

static int set_reg(struct vcpu *v, uint64_t id, uint64_t val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)&val };

	return sys_ioctl(v->fd, KVM_SET_ONE_REG, &r);
}

unsigned long arch_vcpu_id(const struct vm *vm, int index)
{
	return (unsigned long)index;
}

int arch_vcpu_init(struct vcpu *v)
{
	struct arm64_vm *a = v->vm->arch;
	struct kvm_vcpu_init init;
	int r;

	if (!a->have_target) {
		if ((r = sys_ioctl(v->vm->vm_fd, KVM_ARM_PREFERRED_TARGET, &a->init)) < 0)
			return err_ctx(r, "the CPU model KVM prefers");
		a->have_target = true;
	}
	init = a->init;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (v->id) /* started by the guest (PSCI CPU_ON) */
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if ((r = sys_ioctl(v->fd, KVM_ARM_VCPU_INIT, &init)) < 0)
		return err_ctx(r, "KVM_ARM_VCPU_INIT");
	/* the device tree names each CPU by its MPIDR, which KVM derives from the vCPU id */
	if ((r = get_reg(v, ARM64_REG_MPIDR_EL1, &a->mpidr[v->id])) < 0)
		return err_ctx(r, "its MPIDR");
	return 0;
}

int arch_vcpu_entry(struct vcpu *v)
{
	struct arm64_vm *a = v->vm->arch;
	int r;

	if (v->id == 0 && ((r = set_reg(v, ARM64_CORE_REG(regs.pc), a->entry)) < 0 ||
			   (r = set_reg(v, ARM64_CORE_REG(regs.regs[0]), a->dtb)) < 0))
		return err_ctx(r, "entry registers");
	return 0;
}

/* A guest access outside guest RAM whose instruction KVM cannot decode (the syndrome has
 * no valid ISV: a load/store pair, one with writeback, ...), which KVM hands here since
 * arch_vm_init asked for them (KVM_CAP_ARM_NISV_TO_USER). ptvm decodes no instructions
 * either: the guest gets what a bus that cannot complete the access gives, an external data
 * abort (as QEMU does), and runs on. Reported once per VM: a guest can repeat it at will. */
bool arch_vcpu_exit(struct vcpu *v)
{
	struct arm64_vm *a = v->vm->arch;
	struct kvm_vcpu_events ev = { 0 };

	if (v->run->exit_reason != KVM_EXIT_ARM_NISV)
		return false;
	if (!atomic_exchange(&a->nisv_told, true))
		log_warn("vCPU %d: the guest accessed 0x%llx with an instruction KVM cannot decode "
			 "(a load/store pair, or one with writeback): it gets a data abort (told once)",
			 v->id, (unsigned long long)v->run->arm_nisv.fault_ipa);
	ev.exception.ext_dabt_pending = 1;
	if (sys_ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) < 0) {
		log_warn("vCPU %d: %s: cannot give the guest its data abort", v->id, err_get());
		err_clear();
		return false;
	}
	return true;
}

void arch_vcpu_dump(struct vcpu *v, bool after_shutdown, char *buf, size_t len)
{
	uint64_t pc, sp, pstate, elr, x[4];

	if (get_reg(v, ARM64_CORE_REG(regs.pc), &pc) < 0 || get_reg(v, ARM64_CORE_REG(sp_el1), &sp) < 0 ||
	    get_reg(v, ARM64_CORE_REG(regs.pstate), &pstate) < 0 ||
	    get_reg(v, ARM64_CORE_REG(elr_el1), &elr) < 0) {
		snprintf(buf, len, "  (registers unavailable: %s)", err_get());
		return;
	}
	for (int i = 0; i < 4; i++)
		if (get_reg(v, ARM64_CORE_REG(regs.regs[i]), &x[i]) < 0)
			x[i] = 0;
	snprintf(buf, len,
		 "  pc %016llx sp_el1 %016llx pstate %08llx elr_el1 %016llx\n"
		 "  x0 %016llx x1 %016llx x2 %016llx x3 %016llx",
		 (unsigned long long)pc, (unsigned long long)sp, (unsigned long long)pstate,
		 (unsigned long long)elr, (unsigned long long)x[0], (unsigned long long)x[1],
		 (unsigned long long)x[2], (unsigned long long)x[3]);
}
