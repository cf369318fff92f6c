/* The simulated kernel's arm64 ioctls (see tests/unit/sim_arch.h), with the rules of
 * arch/arm64/kvm that decide whether a monitor's order works:
 *  - a vCPU takes KVM_ARM_VCPU_INIT with the target KVM_ARM_PREFERRED_TARGET gave (-EINVAL
 *    otherwise, -ENOENT for an unknown feature, -EINVAL for a second init that changes the
 *    features); before it, its registers and KVM_RUN fail with -ENOEXEC;
 *  - one vGICv3 per VM, its distributor and redistributor addresses set once each (64 KiB
 *    aligned, -EEXIST the second time); an ITS only beside a vGICv3; the vGIC's
 *    KVM_DEV_ARM_VGIC_CTRL_INIT makes it ready, after which its addresses and interrupt
 *    count are fixed (-EBUSY) and no vCPU can be created (-EBUSY); KVM_IRQFD fails with
 *    -EAGAIN until then; the first KVM_RUN needs the addresses (-ENXIO);
 *  - MPIDR_EL1 as KVM derives it from the vCPU id (Aff0 the low 4 bits, Aff1 the next 8). */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "tests/unit/sim_arch.h"
#include "arch/arm64/arm64.h"
#include "tests/unit/sim_kernel.h"

/* the SMMU's software MSI window, as Linux reserves it (MSI_IOVA_BASE, 1 MiB) */
const uint64_t sim_arch_resv_start = 0x8000000ull, sim_arch_resv_last = 0x80fffffull;

#define TARGET KVM_ARM_TARGET_GENERIC_V8
#define KNOWN_FEATURES 0xffu /* POWER_OFF, EL1_32BIT, PSCI_0_2, PMU_V3, SVE, PTRAUTH_*, ... */

static struct vcpu_state {
	bool inited;
	uint32_t features;
	int id;
	uint64_t pc, x[31], sp_el1, elr_el1, pstate;
} vcpus[SIM_MAX_FDS];

static struct dev_state {
	uint32_t type;
	bool addr_set[2];  /* GICv3: distributor, redistributors; ITS: [0] its frame */
	bool ready;
} devs[SIM_MAX_FDS];

static int vgic_slot; /* -1: none */

void sim_arch_reset(void)
{
	memset(vcpus, 0, sizeof(vcpus));
	memset(devs, 0, sizeof(devs));
	vgic_slot = -1;
}

void sim_arch_irqchip_assume_ready(void)
{
	sim.irqchip_ready = true;
}

int sim_arch_kvm_ioctl(unsigned long req, void *arg)
{
	(void)req;
	(void)arg;
	return -ENOTTY;
}

int sim_arch_vm_ioctl(unsigned long req, void *arg)
{
	if (req == KVM_ARM_PREFERRED_TARGET) {
		*(struct kvm_vcpu_init *)arg = (struct kvm_vcpu_init){ .target = TARGET };
		return 0;
	}
	return -ENOTTY;
}

int sim_arch_enable_cap(const struct kvm_enable_cap *c)
{
	if (c->cap != KVM_CAP_ARM_NISV_TO_USER)
		return -EINVAL;
	sim.nisv_to_user = true;
	return 0;
}

int sim_arch_vcpu_create(void)
{
	return sim.irqchip_ready ? -EBUSY : 0;
}

int sim_arch_irqfd_assign(void)
{
	return sim.irqchip_ready ? 0 : -EAGAIN;
}

void sim_arch_vcpu_new(int slot, int vcpu_id)
{
	vcpus[slot] = (struct vcpu_state){ .id = vcpu_id };
}

static uint64_t *reg(struct vcpu_state *v, uint64_t id)
{
	if (id == ARM64_CORE_REG(regs.pc))
		return &v->pc;
	if (id == ARM64_CORE_REG(sp_el1))
		return &v->sp_el1;
	if (id == ARM64_CORE_REG(elr_el1))
		return &v->elr_el1;
	if (id == ARM64_CORE_REG(regs.pstate))
		return &v->pstate;
	for (int i = 0; i < 31; i++)
		if (id == ARM64_CORE_REG(regs.regs[i]))
			return &v->x[i];
	return NULL;
}

int sim_arch_vcpu_ioctl(int slot, unsigned long req, void *arg)
{
	struct vcpu_state *v = &vcpus[slot];

	switch (req) {
	case KVM_ARM_VCPU_INIT: {
		const struct kvm_vcpu_init *init = arg;

		if (init->target != TARGET)
			return -EINVAL;
		if (init->features[0] & ~KNOWN_FEATURES)
			return -ENOENT;
		for (int i = 1; i < 7; i++)
			if (init->features[i])
				return -ENOENT;
		if (v->inited && v->features != init->features[0])
			return -EINVAL;
		v->inited = true;
		v->features = init->features[0];
		return 0;
	}
	case KVM_GET_ONE_REG:
	case KVM_SET_ONE_REG: {
		const struct kvm_one_reg *r = arg;
		uint64_t *p, mpidr = 1ull << 31 | (uint64_t)(v->id & 0xf) |
				     (uint64_t)((v->id >> 4) & 0xff) << 8;

		if (!v->inited)
			return -ENOEXEC;
		if (r->id == ARM64_REG_MPIDR_EL1 && req == KVM_GET_ONE_REG) {
			memcpy((void *)(uintptr_t)r->addr, &mpidr, 8);
			return 0;
		}
		if (!(p = reg(v, r->id)))
			return -ENOENT;
		if (req == KVM_GET_ONE_REG)
			memcpy((void *)(uintptr_t)r->addr, p, 8);
		else
			memcpy(p, (void *)(uintptr_t)r->addr, 8);
		return 0;
	}
	case KVM_SET_VCPU_EVENTS:
		return 0;
	}
	return -ENOTTY;
}

int sim_arch_vcpu_run(int slot)
{
	if (!vcpus[slot].inited)
		return -ENOEXEC;
	if (vgic_slot < 0 || !devs[vgic_slot].addr_set[0] || !devs[vgic_slot].addr_set[1])
		return -ENXIO; /* the vGIC's resources cannot be mapped */
	return 0;
}

int sim_arch_device_type(uint32_t type)
{
	if (type == KVM_DEV_TYPE_ARM_VGIC_V3)
		return vgic_slot >= 0 ? -EEXIST : 0;
	if (type == KVM_DEV_TYPE_ARM_VGIC_ITS)
		return vgic_slot >= 0 ? 0 : -ENODEV;
	return -ENODEV;
}

void sim_arch_device_new(int slot, uint32_t type)
{
	devs[slot] = (struct dev_state){ .type = type };
	if (type == KVM_DEV_TYPE_ARM_VGIC_V3)
		vgic_slot = slot;
}

static int set_addr(struct dev_state *d, int which, uint64_t addr)
{
	if (d->ready)
		return -EBUSY;
	if (addr & 0xffff)
		return -EINVAL;
	if (d->addr_set[which])
		return -EEXIST;
	d->addr_set[which] = true;
	return 0;
}

int sim_arch_device_ioctl(int slot, unsigned long req, void *arg)
{
	const struct kvm_device_attr *a = arg;
	struct dev_state *d = &devs[slot];
	uint64_t v64 = 0;
	uint32_t v32 = 0;

	if (req != KVM_SET_DEVICE_ATTR)
		return -ENOTTY;
	if (d->type == KVM_DEV_TYPE_ARM_VGIC_ITS) {
		if (a->group == KVM_DEV_ARM_VGIC_GRP_ADDR && a->attr == KVM_VGIC_ITS_ADDR_TYPE) {
			memcpy(&v64, (void *)(uintptr_t)a->addr, 8);
			return set_addr(d, 0, v64);
		}
		if (a->group == KVM_DEV_ARM_VGIC_GRP_CTRL && a->attr == KVM_DEV_ARM_VGIC_CTRL_INIT)
			return d->addr_set[0] ? (d->ready = true, 0) : -ENXIO;
		return -ENXIO;
	}
	switch (a->group) {
	case KVM_DEV_ARM_VGIC_GRP_ADDR:
		if (a->attr != KVM_VGIC_V3_ADDR_TYPE_DIST && a->attr != KVM_VGIC_V3_ADDR_TYPE_REDIST)
			return -ENODEV;
		memcpy(&v64, (void *)(uintptr_t)a->addr, 8);
		return set_addr(d, a->attr == KVM_VGIC_V3_ADDR_TYPE_REDIST, v64);
	case KVM_DEV_ARM_VGIC_GRP_NR_IRQS:
		memcpy(&v32, (void *)(uintptr_t)a->addr, 4);
		if (d->ready)
			return -EBUSY;
		if (v32 < 64 || v32 > 1024 || v32 % 32)
			return -EINVAL;
		return 0;
	case KVM_DEV_ARM_VGIC_GRP_CTRL:
		if (a->attr != KVM_DEV_ARM_VGIC_CTRL_INIT)
			return -ENXIO;
		d->ready = true;
		sim.irqchip_ready = true;
		return 0;
	}
	return -ENXIO;
}
