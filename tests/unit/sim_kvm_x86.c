/* The simulated kernel's x86 ioctls (see tests/unit/sim_arch.h): supported CPUID, the VM's
 * in-kernel irqchip, PIT and fixed addresses, the PMU capability, and the vCPU state ptvm
 * sets up (MSRs, CPUID, LAPIC, registers), all accepted as the real KVM accepts them from
 * a monitor that asks in the right order. */
#include <errno.h>
#include <string.h>

#include "tests/unit/sim_arch.h"
#include "tests/unit/sim_kernel.h"

/* the LAPIC's MSI window */
const uint64_t sim_arch_resv_start = 0xfee00000ull, sim_arch_resv_last = 0xfeefffffull;

void sim_arch_reset(void)
{
}

void sim_arch_irqchip_assume_ready(void)
{
}

int sim_arch_kvm_ioctl(unsigned long req, void *arg)
{
	static const struct kvm_cpuid_entry2 e[] = {
		{ .function = 0, .eax = 0xd, .ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e },
		{ .function = 1, .eax = 0x906ea, .ecx = 1u << 31, .edx = 0x178bfbff },
		{ .function = 0xb, .index = 0, .flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX },
		{ .function = 0x80000000, .eax = 0x80000008 },
	};
	struct kvm_cpuid2 *c = arg;

	if (req != KVM_GET_SUPPORTED_CPUID)
		return -ENOTTY;
	if (c->nent < 4) {
		c->nent = 4;
		return -E2BIG;
	}
	c->nent = 4;
	memcpy(c->entries, e, sizeof(e));
	return 0;
}

int sim_arch_vm_ioctl(unsigned long req, void *arg)
{
	(void)arg;
	switch (req) {
	case KVM_SET_TSS_ADDR:
	case KVM_SET_IDENTITY_MAP_ADDR:
	case KVM_CREATE_IRQCHIP:
	case KVM_CREATE_PIT2:
		return 0;
	}
	return -ENOTTY;
}

int sim_arch_enable_cap(const struct kvm_enable_cap *c)
{
	if (c->cap != KVM_CAP_PMU_CAPABILITY)
		return -EINVAL;
	sim.pmu_disabled |= c->args[0] == KVM_PMU_CAP_DISABLE;
	return 0;
}

int sim_arch_vcpu_create(void)
{
	return 0;
}

int sim_arch_irqfd_assign(void)
{
	return 0;
}

void sim_arch_vcpu_new(int slot, int vcpu_id)
{
	(void)slot;
	(void)vcpu_id;
}

int sim_arch_vcpu_ioctl(int slot, unsigned long req, void *arg)
{
	(void)slot;
	switch (req) {
	case KVM_SET_MSRS:
		return (int)((struct kvm_msrs *)arg)->nmsrs;
	case KVM_SET_CPUID2:
	case KVM_GET_LAPIC:
	case KVM_SET_LAPIC:
	case KVM_GET_SREGS:
	case KVM_SET_SREGS:
	case KVM_GET_REGS:
	case KVM_SET_REGS:
	case KVM_SET_FPU:
	case KVM_SET_MP_STATE:
		return 0;
	}
	return -ENOTTY;
}

int sim_arch_vcpu_run(int slot)
{
	(void)slot;
	return 0;
}

int sim_arch_device_type(uint32_t type)
{
	(void)type;
	return -ENODEV;
}

void sim_arch_device_new(int slot, uint32_t type)
{
	(void)slot;
	(void)type;
}

int sim_arch_device_ioctl(int slot, unsigned long req, void *arg)
{
	(void)slot;
	(void)req;
	(void)arg;
	return -ENXIO;
}
