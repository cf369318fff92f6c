/* KVM VM-wide state for arm64: the vGICv3 (distributor and one redistributor per vCPU) and
 * its ITS, which turns the MSIs of assigned functions into LPIs. Both are created with
 * the VM; they are completed once every vCPU exists (arch_vcpus_ready), and only then
 * take interrupt routes and irqfds. */
#include <errno.h>
#include <stdlib.h>

#include "arch/arm64/arm64.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"

static int set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	return sys_ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

static int create_device(struct vm *vm, uint32_t type)
{
	struct kvm_create_device d = { .type = type };
	int r = sys_ioctl(vm->vm_fd, KVM_CREATE_DEVICE, &d);

	return r < 0 ? r : (int)d.fd;
}

int arch_vm_init(struct vm *vm)
{
	struct arm64_vm *a = calloc(1, sizeof(*a));
	uint64_t gicd = ARM64_GICD, gicr = ARM64_GICR, its = ARM64_ITS;
	struct kvm_enable_cap nisv = { .cap = KVM_CAP_ARM_NISV_TO_USER };
	int r;

	if (!a)
		return err_msg(ENOMEM, "out of memory");
	a->gic_fd = a->its_fd = -1;
	vm->arch = a;
	if (vm->cfg->cpus > ARM64_MAX_CPUS)
		return err_msg(EINVAL, "%d vCPUs: this board has redistributors for %d",
			       vm->cfg->cpus, ARM64_MAX_CPUS);
	/* MMIO accesses KVM cannot decode come to ptvm (arch_vcpu_exit) instead of failing
	 * KVM_RUN, which would end the VM */
	if (sys_ioctl(vm->vm_fd, KVM_ENABLE_CAP, &nisv) < 0) {
		log_warn("%s: a guest MMIO access KVM cannot decode will stop the VM", err_get());
		err_clear();
	}
	r = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	if (r < 0)
		return err_ctx(r, "the interrupt controller (a GICv3 emulated by KVM; a host "
				  "whose GIC cannot be virtualised as v3 has none)");
	a->gic_fd = r;
	if ((r = set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST,
			  &gicd)) < 0 ||
	    (r = set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
			  &gicr)) < 0)
		return err_ctx(r, "the GICv3's addresses");
	r = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
	if (r < 0) {
		/* without an ITS there are no MSIs: assigned functions fall back to INTx */
		log_warn("%s: the guest gets no ITS, so no MSIs", err_get());
		err_clear();
		return 0;
	}
	a->its_fd = r;
	if ((r = set_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &its)) < 0)
		return err_ctx(r, "the ITS's address");
	return 0;
}

int arch_vcpus_ready(struct vm *vm)
{
	struct arm64_vm *a = vm->arch;
	uint32_t nr_irqs = 32 + ARM64_SPIS;
	int r;

	if ((r = set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs)) < 0 ||
	    (r = set_attr(a->gic_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
			  NULL)) < 0)
		return err_ctx(r, "complete the GICv3");
	if (a->its_fd >= 0 &&
	    (r = set_attr(a->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT,
			  NULL)) < 0)
		return err_ctx(r, "complete the ITS");
	/* the vGIC's initialisation installed KVM's default routes: ptvm's replace them */
	return irq_routes_commit(vm);
}

void arch_vm_teardown(struct vm *vm)
{
	struct arm64_vm *a = vm->arch;

	if (a) {
		if (a->its_fd >= 0)
			sys_close(a->its_fd);
		if (a->gic_fd >= 0)
			sys_close(a->gic_fd);
	}
	free(a);
	vm->arch = NULL;
}
