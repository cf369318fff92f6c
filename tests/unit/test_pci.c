/* The PCI host: conf1 and ECAM reach the same functions; absent functions read all ones;
 * slots and BAR windows are handed out correctly; a board without ports has no conf1 and
 * reaches the I/O space through its MMIO window. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmm/pci.h"

static struct vm vm;
static uint8_t space[PCI_CFG_SIZE];
static int writes;

static uint32_t fake_read(struct pci_func *f, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	assert_true(off + len <= PCI_CFG_SIZE && (off & (len - 1)) == 0);
	memcpy(&v, space + off, len);
	return v;
}

static void fake_write(struct pci_func *f, uint32_t off, uint32_t len, uint32_t val)
{
	assert_true(off + len <= PCI_CFG_SIZE && (off & (len - 1)) == 0);
	memcpy(space + off, &val, len);
	writes++;
}

static const struct pci_func_ops fake_ops = { fake_read, fake_write };
static struct pci_func fake = { .ops = &fake_ops, .name = "fake" };

static int setup(void **state)
{
	memset(&vm, 0, sizeof(vm));
	vm.kvm_fd = vm.vm_fd = vm.coalesced.timer_fd = -1;
	bus_init(&vm.pio, "pio");
	bus_init(&vm.mmio, "mmio");
	memset(space, 0, sizeof(space));
	memcpy(space, (uint32_t[]){ 0x11e81234 }, 4);
	space[0x100] = 0x42; /* extended space: ECAM only */
	writes = 0;
	fake.slot = 0;
	assert_int_equal(pci_host_create(&vm, 0xe0000000, 0xc0000000, 0x20000000, 0x1000000000,
					 0x1000000000), 0);
	assert_int_equal(pci_host_add_conf1(&vm), 0);
	assert_int_equal(pci_add_func(vm.pci, &fake), 0);
	return 0;
}

static int teardown(void **state)
{
	vm.devices->teardown(vm.devices);
	bus_free(&vm.pio);
	bus_free(&vm.mmio);
	return 0;
}

static uint32_t pio(uint16_t port, uint32_t len, uint32_t val, bool write)
{
	uint32_t v = val;

	assert_true(bus_access(&vm.pio, port, &v, len, write));
	return len == 4 ? v : v & ((1u << (8 * len)) - 1);
}

static void test_conf1(void **state)
{
	assert_int_equal(fake.slot, 1); /* slot 0 is the host bridge */
	pio(0xcf8, 4, 0x80000000u, true);
	assert_int_equal(pio(0xcfc, 4, 0, false), 0x0d578086);
	assert_int_equal(pio(0xcfe, 2, 0, false), 0x0d57);
	pio(0xcf8, 4, 0x80000008u, true);
	assert_int_equal(pio(0xcfc, 4, 0, false), 0x06000000); /* class 06/00, revision 0 */
	pio(0xcf8, 4, 0x80000004u, true);
	pio(0xcfc, 2, 0x0007, true);                          /* read-only */
	assert_int_equal(pio(0xcfc, 4, 0, false), 0);
	pio(0xcf8, 4, 0x80000010u, true);                     /* no BARs: sizing reads 0 */
	pio(0xcfc, 4, 0xffffffff, true);
	assert_int_equal(pio(0xcfc, 4, 0, false), 0);
	assert_int_equal(writes, 0);
	pio(0xcf8, 4, 0x80000000u | 1 << 11, true);
	assert_int_equal(pio(0xcf8, 4, 0, false), 0x80000800);
	assert_int_equal(pio(0xcfc, 4, 0, false), 0x11e81234);
	assert_int_equal(pio(0xcfe, 2, 0, false), 0x11e8);
	assert_int_equal(pio(0xcfd, 1, 0, false), 0x12);
	pio(0xcf8, 4, 0x80000000u | 1 << 11 | 0x10, true);
	pio(0xcfc, 4, 0xfebf0000, true);
	assert_int_equal(writes, 1);
	assert_int_equal(fake_read(&fake, 0x10, 4), 0xfebf0000);
	pio(0xcf8, 4, 0x80000000u | 2 << 11, true); /* empty slot */
	assert_int_equal(pio(0xcfc, 4, 0, false), 0xffffffff);
	pio(0xcf8, 4, 0x80000000u | 1 << 11 | 1 << 8, true); /* function 1 */
	assert_int_equal(pio(0xcfc, 4, 0, false), 0xffffffff);
	pio(0xcf8, 4, 0x80000000u | 1 << 16 | 1 << 11, true); /* bus 1 */
	assert_int_equal(pio(0xcfc, 2, 0, false), 0xffff);
	pio(0xcf8, 4, 1 << 11, true); /* enable bit clear */
	assert_int_equal(pio(0xcfc, 4, 0, false), 0xffffffff);
	pio(0xcfc, 4, 0x1234, true);
	assert_int_equal(writes, 1);
}

static void test_ecam(void **state)
{
	uint64_t v = 0;

	assert_true(bus_access(&vm.mmio, 0xe0000000 + (1 << 15), &v, 4, false));
	assert_true(v == 0x11e81234);
	assert_true(bus_access(&vm.mmio, 0xe0000000 + (1 << 15) + 0x100, &v, 1, false));
	assert_true((v & 0xff) == 0x42);
	assert_true(bus_access(&vm.mmio, 0xe0000000 + (1 << 15), &v, 8, false)); /* split */
	assert_true(bus_access(&vm.mmio, 0xe0000000 + (1 << 15) + 2, &v, 4, false)); /* misaligned */
	assert_true((uint32_t)v == 0xffffffff);
	assert_true(bus_access(&vm.mmio, 0xe0000000 + (9 << 15), &v, 4, false));
	assert_true((uint32_t)v == 0xffffffff);
}

static void test_slots_and_bars(void **state)
{
	struct pci_func a = { .ops = &fake_ops, .slot = 31 }, b = { .ops = &fake_ops, .slot = 31 };
	struct pci_func c = { .ops = &fake_ops, .slot = 40 };

	assert_int_equal(pci_add_func(vm.pci, &a), 0);
	assert_int_equal(pci_add_func(vm.pci, &b), -EBUSY);
	assert_int_equal(pci_add_func(vm.pci, &c), -EBUSY);
	/* A reserved slot (a later function's slot=N) is skipped by automatic placement. */
	vm.pci->reserved = 1u << 1 | 1u << 2;
	c.slot = 0;
	assert_int_equal(pci_add_func(vm.pci, &c), 0);
	assert_int_equal(c.slot, 3);
	b.slot = 2;
	assert_int_equal(pci_add_func(vm.pci, &b), 0);
	assert_true(pci_alloc_bar(vm.pci, 0x100000, false) == 0xc0000000);
	assert_true(pci_alloc_bar(vm.pci, 0x1000, false) == 0xc0100000);
	assert_true(pci_alloc_bar(vm.pci, 0x100000, false) == 0xc0200000); /* aligned up */
	assert_true(pci_alloc_bar(vm.pci, 0x20, false) == 0xc0300000);    /* whole page */
	assert_true(pci_alloc_bar(vm.pci, 0x1000, true) == 0x1000000000);
	assert_true(pci_alloc_bar(vm.pci, 0x3000, false) == 0);   /* not a power of two */
	assert_true(pci_alloc_bar(vm.pci, 0x40000000, false) == 0); /* bigger than the window */
	assert_true(pci_alloc_bar(vm.pci, 0x40000000, true) == 0x1040000000);
}

static uint16_t port_seen;
static uint32_t port_len;

static void fake_port(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	port_seen = (uint16_t)(0xc010 + off);
	port_len = len;
	if (!write)
		memset(data, 0x5a, len);
}

/* arm64's board: ECAM, no conf1, and the I/O space through MMIO */
static void test_no_ports(void **state)
{
	struct vm v;
	uint32_t val = 0;
	uint64_t q = 0;

	memset(&v, 0, sizeof(v));
	v.kvm_fd = v.vm_fd = v.coalesced.timer_fd = -1;
	bus_init(&v.pio, "pio");
	bus_init(&v.mmio, "mmio");
	assert_int_equal(pci_host_create(&v, 0x30000000, 0x40000000, 0x10000000, 0x8000000000,
					 0x8000000000), 0);
	assert_int_equal(pci_host_map_io(&v, 0x3eff0000), 0);
	assert_false(bus_access(&v.pio, 0xcf8, &val, 4, false)); /* no conf1 */
	assert_int_equal(bus_add(&v.pio, 0xc010, 0x10, fake_port, NULL, "fake-port"), 0);
	val = 0;
	assert_true(bus_access(&v.mmio, 0x3eff0000 + 0xc014, &val, 2, false));
	assert_int_equal(port_seen, 0xc014);
	assert_int_equal(port_len, 2);
	assert_int_equal(val, 0x5a5a);
	val = 7;
	assert_true(bus_access(&v.mmio, 0x3eff0000 + 0xc010, &val, 1, true));
	assert_int_equal(port_seen, 0xc010);
	/* a port nobody decodes floats high; the window ends at 64 KiB */
	assert_true(bus_access(&v.mmio, 0x3eff0000 + 0x1234, &q, 8, false));
	assert_true(q == ~0ull);
	assert_false(bus_access(&v.mmio, 0x3eff0000 + PCI_IO_WINDOW, &val, 4, false));
	/* ECAM still reaches the host bridge */
	assert_true(bus_access(&v.mmio, 0x30000000, &val, 4, false));
	v.devices->teardown(v.devices);
	bus_free(&v.pio);
	bus_free(&v.mmio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_conf1, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecam, setup, teardown),
		cmocka_unit_test_setup_teardown(test_slots_and_bars, setup, teardown),
		cmocka_unit_test(test_no_ports),
	};
	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
