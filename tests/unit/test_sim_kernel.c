/* The simulated kernel keeps the real uAPI's rules; if it did not, the fault-injection
 * and passthrough tests built on it would prove less than they claim. */
#include <fcntl.h>
#include <linux/iommufd.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "tests/unit/sim_arch.h"
#include "tests/unit/sim_device.h"
#include "tests/unit/sim_kernel.h"
#include "vmm/sys.h"

static int map(int fd, uint32_t ioas, uint64_t iova, uint64_t len, void *va)
{
	struct iommu_ioas_map m = { .size = sizeof(m),
				    .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE,
				    .ioas_id = ioas, .user_va = (uint64_t)(uintptr_t)va,
				    .length = len, .iova = iova };

	return sys_ioctl(fd, IOMMU_IOAS_MAP, &m);
}

static void test_iommufd_rules(void **state)
{
	struct iommu_ioas_alloc a = { .size = sizeof(a) };
	struct iommu_iova_range r[2];
	struct iommu_ioas_iova_ranges q = { .size = sizeof(q), .num_iovas = 1,
					    .allowed_iovas = (uint64_t)(uintptr_t)r };
	static uint8_t buf[4 << 20] __attribute__((aligned(4096)));
	int fd, dev;

	(void)state;
	sim_reset();
	sim_device_model(false);
	fd = sys_open("/dev/iommu", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(sys_ioctl(fd, IOMMU_IOAS_ALLOC, &a), 0);
	assert_int_equal(map(fd, a.out_ioas_id, 0x100000, 0x100000, buf), 0);
	assert_int_equal(map(fd, a.out_ioas_id, 0x180000, 0x100000, buf), -EEXIST); /* overlap */
	assert_int_equal(map(fd, a.out_ioas_id, 0x300800, 0x1000, buf), -EINVAL);   /* misaligned */
	assert_int_equal(map(fd, 99, 0x400000, 0x1000, buf), -ENOENT);              /* no IOAS */
	assert_int_equal(sim.pinned, 0); /* no domain yet: nothing is pinned */

	/* the device: nothing before bind, bind once, attach brings the reserved ranges */
	dev = sys_open(SIM_VFIO_CDEV, O_RDWR);
	assert_true(dev >= 0);
	struct vfio_device_info info = { .argsz = sizeof(info) };
	assert_int_equal(sys_ioctl(dev, VFIO_DEVICE_GET_INFO, &info), -EINVAL);
	sim.bad_uses = 0; /* that call was the point */
	struct vfio_device_bind_iommufd b = { .argsz = sizeof(b), .iommufd = fd };
	assert_int_equal(sys_ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), 0);
	assert_int_equal(sys_ioctl(dev, VFIO_DEVICE_BIND_IOMMUFD, &b), -EINVAL);
	q.ioas_id = a.out_ioas_id;
	assert_int_equal(sys_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), 0);
	assert_int_equal(q.num_iovas, 1);                                           /* all of it */
	struct vfio_device_attach_iommufd_pt at = { .argsz = sizeof(at), .pt_id = a.out_ioas_id };
	sim.memlock_budget = 0x80000; /* the first attach pins what the IOAS maps: memlock */
	assert_int_equal(sys_ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), -ENOMEM);
	sim.memlock_budget = 0x180000;
	assert_int_equal(sys_ioctl(dev, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &at), 0);
	assert_int_equal(sim.pinned, 0x100000);
	/* with a domain, a map pins at once */
	assert_int_equal(map(fd, a.out_ioas_id, 0x400000, 0x100000, buf), -ENOMEM);
	sim.memlock_budget = 0;
	q.num_iovas = 1;
	assert_int_equal(sys_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), -EMSGSIZE);
	assert_int_equal(q.num_iovas, 2);
	assert_int_equal(sys_ioctl(fd, IOMMU_IOAS_IOVA_RANGES, &q), 0);
	assert_true(r[0].last == SIM_RESV_START - 1 && r[1].start == SIM_RESV_LAST + 1);
	assert_int_equal(map(fd, a.out_ioas_id, SIM_RESV_START, 0x1000, buf), -EINVAL);
	struct iommu_destroy d = { .size = sizeof(d), .id = a.out_ioas_id };
	assert_int_equal(sys_ioctl(fd, IOMMU_DESTROY, &d), -EBUSY);            /* attached */

	/* undo of what is not there is counted */
	struct iommu_ioas_unmap u = { .size = sizeof(u), .ioas_id = a.out_ioas_id,
				      .iova = 0x800000, .length = 0x1000 };
	assert_int_equal(sys_ioctl(fd, IOMMU_IOAS_UNMAP, &u), -ENOENT);
	assert_int_equal(sim.bad_undos, 1);
	assert_int_equal(sys_close(dev), 0);
	assert_int_equal(sys_close(fd), 0);
	assert_int_equal(sim.pinned, 0);             /* closing the iommufd unpinned everything */
	assert_int_equal(sim_objects_open(), 0);
	assert_int_equal(sys_close(fd), -EBADF);     /* and a second close is a double undo */
	assert_int_equal(sim.bad_closes, 1);
	assert_int_equal(sys_ioctl(fd, IOMMU_IOAS_ALLOC, &a), -EBADF);
	assert_int_equal(sim.bad_uses, 1);           /* use after close */
}

static void test_kvm_rules(void **state)
{
	struct kvm_userspace_memory_region m = { .slot = 0, .guest_phys_addr = 0,
						 .memory_size = 0x200000, .userspace_addr = 0x10000000 };
	int kvm, vm, efd, efd2;

	(void)state;
	sim_reset();
	kvm = sys_open("/dev/kvm", O_RDWR);
	vm = sys_ioctl(kvm, KVM_CREATE_VM, 0);
	assert_true(vm >= 0);
	assert_int_equal(sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m), 0);
	m.slot = 1;
	m.guest_phys_addr = 0x100000;
	assert_int_equal(sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m), -EEXIST);  /* overlap */
	m.memory_size = 0;
	assert_int_equal(sys_ioctl(vm, KVM_SET_USER_MEMORY_REGION, &m), -EINVAL);  /* no slot 1 */
	assert_int_equal(sim.bad_undos, 1);

	/* a VM whose interrupt controller is set up (arm64's KVM takes no irqfd before its vGIC
	 * is initialised: tests/unit/test_sim_kvm_arm64.c) */
	sim_arch_irqchip_assume_ready();
	efd = sys_eventfd(0, 0);
	efd2 = sys_eventfd(0, 0);
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = 24, .flags = KVM_IRQFD_FLAG_RESAMPLE,
			       .resamplefd = (uint32_t)efd2 };
	assert_int_equal(sys_ioctl(vm, KVM_IRQFD, &f), 0);
	assert_int_equal(sys_ioctl(vm, KVM_IRQFD, &f), -EBUSY);   /* one irqfd per eventfd */
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_int_equal(sys_close(efd), 0);
	assert_int_equal(sim_irqfds_assigned(), 0);               /* KVM drops it on close */
	assert_int_equal(sys_close(efd2), 0);
	assert_int_equal(sys_close(vm), 0);
	assert_int_equal(sim_slots_used(), 0);                    /* the VM's memslots went with it */
	assert_int_equal(sys_close(kvm), 0);
	assert_int_equal(sim_objects_open(), 0);
}

static void test_fault_site_counting(void **state)
{
	int fd;

	(void)state;
	sim_reset();
	sim.fail_at = 2;
	sim.fail_errno = EACCES;
	fd = sys_open("/dev/kvm", O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(sys_ioctl(fd, KVM_GET_API_VERSION, 0), -EACCES);    /* call 2 fails */
	assert_string_equal(sim.failed_call, "KVM_GET_API_VERSION");
	assert_int_equal(sys_ioctl(fd, KVM_GET_API_VERSION, 0), KVM_API_VERSION);
	assert_int_equal(sim.calls, 3);
	assert_int_equal(sys_close(fd), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_iommufd_rules),
		cmocka_unit_test(test_kvm_rules),
		cmocka_unit_test(test_fault_site_counting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
