/* What the unit tests of an MMIO device model (the PrimeCells) share: a VM without KVM
 * (its interrupt line changes fail harmlessly), 32-bit register accesses to the device's
 * page at MMIO_BASE on its MMIO bus, its teardown, and the PrimeCell ID check. Include
 * after cmocka.h. */
#ifndef PTVM_TEST_MMIO_DEVICE_H
#define PTVM_TEST_MMIO_DEVICE_H

#include <string.h>

#include "vmm/vm.h"

#define MMIO_BASE 0x9000000ull

static struct vm vm;

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0;

	assert_true(bus_access(&vm.mmio, MMIO_BASE + off, &v, 4, false));
	return v;
}

static void wr(uint32_t off, uint32_t v)
{
	assert_true(bus_access(&vm.mmio, MMIO_BASE + off, &v, 4, true));
}

/* The VM, before the test's device is created on vm.mmio */
static void bare_vm(void)
{
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = -1; /* IRQ line changes fail harmlessly: no KVM here */
	bus_init(&vm.mmio, "mmio");
}

static int teardown(void **state)
{
	(void)state;
	vm.devices->teardown(vm.devices);
	bus_free(&vm.mmio);
	return 0;
}

/* What the AMBA bus reads to match a driver: PART (part number, designer, revision)
 * under its mask 0x000fffff, and the component ID 0xb105f00d. */
static void check_primecell_ids(uint32_t part)
{
	uint32_t pid = 0, cid = 0;

	for (int i = 0; i < 4; i++) {
		pid |= (rd(0xfe0 + 4 * (uint32_t)i) & 0xff) << (8 * i);
		cid |= (rd(0xff0 + 4 * (uint32_t)i) & 0xff) << (8 * i);
	}
	assert_int_equal(pid & 0x000fffff, part);
	assert_int_equal(cid, 0xb105f00d);
}

#endif
