/* The simulated kernel's arm64 KVM keeps the real one's order (arch/arm64/kvm): what the
 * arm64 fault-injection run proves depends on it refusing what KVM refuses. Built and run
 * (under qemu-aarch64) by the arm64 configuration only. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "arch/arm64/arm64.h"
#include "tests/unit/sim_kernel.h"
#include "vmm/sys.h"


static int set_attr(int fd, uint32_t group, uint64_t attr, const void *val)
{
	struct kvm_device_attr a = { .group = group, .attr = attr,
				     .addr = (uint64_t)(uintptr_t)val };

	return sys_ioctl(fd, KVM_SET_DEVICE_ATTR, &a);
}

static int create_device(int vm, uint32_t type)
{
	struct kvm_create_device d = { .type = type };
	int r = sys_ioctl(vm, KVM_CREATE_DEVICE, &d);

	return r < 0 ? r : (int)d.fd;
}

static int one_reg(int vcpu, unsigned long req, uint64_t id, uint64_t *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uint64_t)(uintptr_t)val };

	return sys_ioctl(vcpu, req, &r);
}

/* A vCPU is usable only after KVM_ARM_VCPU_INIT with the preferred target. */
static void test_vcpu_init(void **state)
{
	struct kvm_vcpu_init init;
	uint64_t v = 0;
	int kvm, vm, vcpu, err;
	struct kvm_run *run;

	(void)state;
	sim_reset();
	kvm = sys_open("/dev/kvm", O_RDWR);
	vm = sys_ioctl(kvm, KVM_CREATE_VM, 0);
	vcpu = sys_ioctl(vm, KVM_CREATE_VCPU, 17);
	assert_true(vcpu >= 0);
	run = sys_mmap(NULL, (size_t)sys_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0),
		       PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0, &err);
	assert_non_null(run);
	assert_int_equal(one_reg(vcpu, KVM_GET_ONE_REG, ARM64_REG_MPIDR_EL1, &v), -ENOEXEC);
	assert_int_equal(sys_kvm_run(vcpu), -ENOEXEC);
	assert_int_equal(sys_ioctl(vm, KVM_ARM_PREFERRED_TARGET, &init), 0);
	init.target++;
	assert_int_equal(sys_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), -EINVAL); /* another CPU */
	init.target--;
	init.features[0] = 1u << 31;
	assert_int_equal(sys_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), -ENOENT); /* no such feature */
	init.features[0] = 1u << KVM_ARM_VCPU_PSCI_0_2;
	assert_int_equal(sys_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), 0);
	init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	assert_int_equal(sys_ioctl(vcpu, KVM_ARM_VCPU_INIT, &init), -EINVAL); /* other features */
	assert_int_equal(one_reg(vcpu, KVM_GET_ONE_REG, ARM64_REG_MPIDR_EL1, &v), 0);
	assert_true(v == 0x80000101ull);  /* vCPU 17: Aff1 1, Aff0 1 */
	v = 0x40080000;
	assert_int_equal(one_reg(vcpu, KVM_SET_ONE_REG, ARM64_CORE_REG(regs.pc), &v), 0);
	v = 0;
	assert_int_equal(one_reg(vcpu, KVM_GET_ONE_REG, ARM64_CORE_REG(regs.pc), &v), 0);
	assert_true(v == 0x40080000);
	assert_int_equal(one_reg(vcpu, KVM_GET_ONE_REG, ARM64_CORE_REG(fp_regs.fpsr), &v), -ENOENT);
	/* initialised, but the vGIC has no addresses: its resources cannot be mapped */
	assert_int_equal(sys_kvm_run(vcpu), -ENXIO);
	assert_int_equal(sys_munmap(run, (size_t)sys_ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0)), 0);
	assert_int_equal(sys_close(vcpu), 0);
	assert_int_equal(sys_close(vm), 0);
	assert_int_equal(sys_close(kvm), 0);
	assert_int_equal(sim_objects_open(), 0);
}

/* The vGICv3 and its ITS: addresses once, then the vGIC's init, after which no vCPU can be
 * added and only then irqfds are taken. */
static void test_vgic_order(void **state)
{
	uint64_t dist = 0xf0000000, redist = 0xf0100000, its_base = 0xf0020000, odd = 0xf0001000;
	uint32_t nr = 64, bad_nr = 65;
	int kvm, vm, gic, its, efd, vcpu;
	struct kvm_irqfd f = { .gsi = 3 };

	(void)state;
	sim_reset();
	kvm = sys_open("/dev/kvm", O_RDWR);
	vm = sys_ioctl(kvm, KVM_CREATE_VM, 0);
	assert_int_equal(create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS), -ENODEV); /* no vGIC yet */
	gic = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3);
	assert_true(gic >= 0);
	assert_int_equal(create_device(vm, KVM_DEV_TYPE_ARM_VGIC_V3), -EEXIST);  /* one per VM */
	its = create_device(vm, KVM_DEV_TYPE_ARM_VGIC_ITS);
	assert_true(its >= 0);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &odd),
			 -EINVAL);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist), 0);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist),
			 -EEXIST);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
				  &redist), 0);
	assert_int_equal(set_attr(its, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL),
			 -ENXIO); /* the ITS has no address yet */
	assert_int_equal(set_attr(its, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &its_base), 0);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &bad_nr), -EINVAL);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), 0);
	vcpu = sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	assert_true(vcpu >= 0);
	efd = sys_eventfd(0, 0);
	f.fd = (uint32_t)efd;
	assert_int_equal(sys_ioctl(vm, KVM_IRQFD, &f), -EAGAIN); /* the vGIC is not ready */
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL), 0);
	assert_int_equal(set_attr(its, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL), 0);
	assert_int_equal(sys_ioctl(vm, KVM_CREATE_VCPU, 1), -EBUSY);  /* too late for vCPUs */
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr), -EBUSY);
	assert_int_equal(set_attr(gic, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
				  &redist), -EBUSY);
	assert_int_equal(sys_ioctl(vm, KVM_IRQFD, &f), 0);
	assert_int_equal(sys_close(efd), 0);
	assert_int_equal(sys_close(vcpu), 0);
	assert_int_equal(sys_close(its), 0);
	assert_int_equal(sys_close(gic), 0);
	assert_int_equal(sys_close(vm), 0);
	assert_int_equal(sys_close(kvm), 0);
	assert_int_equal(sim_objects_open(), 0);
	assert_int_equal(sim.bad_uses + sim.bad_undos + sim.bad_closes, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vcpu_init),
		cmocka_unit_test(test_vgic_order),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
