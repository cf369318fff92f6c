/* KVM VM-wide state for x86: KVM's private pages (for VMX), the in-kernel interrupt
 * controllers (PIC, IOAPIC, LAPICs) and PIT, and no virtual PMU. The in-kernel IOAPIC is
 * what lets VFIO interrupts reach the guest through irqfds without waking the monitor. */
#include <stdlib.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"

/* The guest's CPUID has no PMU leaf (cpu.c); KVM is told the same before any vCPU exists,
 * so that it keeps no performance counters for the guest. On AMD no CPUID leaf describes
 * the legacy counters (MSRs 0xc0010000-7), so this is what hides them there. A kernel
 * without the capability (before 5.18) keeps the PMU: a difference, not a fault. */
static void disable_pmu(struct vm *vm)
{
	struct kvm_enable_cap cap = { .cap = KVM_CAP_PMU_CAPABILITY,
				      .args = { KVM_PMU_CAP_DISABLE } };
	int r = sys_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_PMU_CAPABILITY);

	if (r >= 0 && !(r & KVM_PMU_CAP_DISABLE)) {
		log_step("the kernel cannot turn the guest's PMU off (KVM_CAP_PMU_CAPABILITY)");
		return;
	}
	if (r >= 0)
		r = sys_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap);
	if (r < 0) {
		log_warn("%s: KVM keeps a PMU for the guest (hidden from its CPUID)", err_get());
		err_clear();
	}
}

int arch_vm_init(struct vm *vm)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	uint64_t identity = X86_IDENTITY_MAP;
	struct x86_vm *x;
	int r;

	x = calloc(1, sizeof(*x));
	if (!x)
		return err_msg(ENOMEM, "out of memory");
	vm->arch = x;
	if ((r = sys_ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, (unsigned long)X86_TSS)) < 0 ||
	    (r = sys_ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &identity)) < 0)
		return err_ctx(r, "KVM private pages");
	if ((r = sys_ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0)) < 0)
		return err_ctx(r, "in-kernel interrupt controllers");
	if ((r = sys_ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit)) < 0)
		return err_ctx(r, "in-kernel PIT");
	if ((r = irq_routes_commit(vm)) < 0) /* the PIT on IOAPIC pin 2 */
		return r;
	disable_pmu(vm);
	return 0;
}

int arch_vcpus_ready(struct vm *vm)
{
	return 0; /* the interrupt controllers and routes are complete from arch_vm_init */
}

void arch_vm_teardown(struct vm *vm)
{
	struct x86_vm *x = vm->arch;

	if (x)
		free(x->cpuid);
	free(x);
	vm->arch = NULL;
}
