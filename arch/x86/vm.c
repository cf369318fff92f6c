/* KVM VM-wide state for x86: KVM's private pages (for VMX), the in-kernel interrupt
 * controllers (PIC, IOAPIC, LAPICs) and PIT. The in-kernel IOAPIC is what lets VFIO
 * interrupts reach the guest through irqfds without waking the monitor. */
#include <stdlib.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/sys.h"

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
	return 0;
}

void arch_vm_teardown(struct vm *vm)
{
	struct x86_vm *x = vm->arch;

	if (x)
		free(x->cpuid);
	free(x);
	vm->arch = NULL;
}
