/* The guest's view of an assigned device (config-space virtualisation, BARs, INTx, MSI,
 * MSI-X table and PBA), against the simulated kernel's VFIO device and KVM VM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "passthrough/passthrough.h"
#include "tests/unit/sim_device.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/irq.h"

static struct sim_machine m;
#define vm (m.vm)
#define d (m.d)

#define MSIX_MAPPABLE 1

static uint32_t cfgr(uint32_t off, uint32_t len)
{
	return pci_cfg_access(vm.pci, (uint32_t)d->func.slot << 15 | off, len, 0, false);
}

static void cfgw(uint32_t off, uint32_t len, uint32_t v)
{
	pci_cfg_access(vm.pci, (uint32_t)d->func.slot << 15 | off, len, v, true);
}

static int setup(void **state)
{
	assert_int_equal(sim_machine_init(&m, *state == (void *)MSIX_MAPPABLE), 0);
	return 0;
}

static int teardown(void **state)
{
	pt_func_teardown(d);
	/* nothing left behind: eventfds, irqfds, device memory slots; nothing undone twice */
	assert_int_equal(sim.open_eventfds, 0);
	assert_int_equal(sim.bad_closes, 0);
	assert_int_equal(sim_irqfds_assigned(), 0);
	assert_int_equal(sim_slots_used(), 0);
	sim_machine_free(&m);
	sim_reset();
	return 0;
}

static void test_header_and_bars(void **state)
{
	uint32_t bar0 = cfgr(0x10, 4), bar2 = cfgr(0x18, 4);

	assert_int_equal(cfgr(0x00, 4), 0x11e81234);
	assert_int_equal(bar0 & 0xf, 0); /* mem32, not prefetchable */
	assert_true(bar0 >= 0xc0000000 && bar0 < 0xe0000000 && !(bar0 & 0x1ffff));
	assert_int_equal(bar2 & 0x3, 1);
	assert_true((bar2 & ~3u) >= 0xc000);
	assert_int_equal(cfgr(0x14, 4), 0); /* no BAR1 */
	assert_int_equal(cfgr(0x30, 4), 0); /* ROM hidden */
	cfgw(0x30, 4, 0xffffffff);
	assert_int_equal(cfgr(0x30, 4), 0);
	cfgw(0x10, 4, 0xffffffff); /* sizing */
	assert_int_equal(cfgr(0x10, 4), 0xfffe0000);
	cfgw(0x18, 4, 0xffffffff);
	assert_int_equal(cfgr(0x18, 4), 0xffffffe1);
	assert_int_equal(cfgr(0x100, 4), 0); /* extended capabilities hidden */
	assert_int_equal(cfgr(0x3c, 1), arch_pci_intx_gsi(d->func.slot, 0));
}

static int slot_at(uint64_t gpa)
{
	for (int i = 0; i < 32; i++)
		if (sim.slots[i].used && sim.slots[i].gpa == gpa)
			return i;
	return -1;
}

static void test_bar_mapping(void **state)
{
	uint32_t bar0 = cfgr(0x10, 4);
	uint64_t bar3 = cfgr(0x1c, 4) & ~0xfu;
	uint32_t v = 0;

	assert_true(slot_at(bar0) >= 0);           /* mmappable: a memslot, no exits */
	assert_int_equal(sim.slots[slot_at(bar0)].size, 0x20000);
	/* the MSI-X BAR: memslots for the pages that are neither table nor PBA */
	assert_int_equal(slot_at(bar3), -1);
	assert_int_equal(slot_at(bar3 + 0x2000), -1);
	assert_true(slot_at(bar3 + 0x1000) >= 0);
	assert_int_equal(sim.slots[slot_at(bar3 + 0x1000)].size, 0x1000);
	assert_true(sim.slots[slot_at(bar3 + 0x1000)].hva == (uint64_t)(uintptr_t)(sim.bar[3].mem + 0x1000));
	assert_true(slot_at(bar3 + 0x3000) >= 0);
	memcpy(sim.bar[3].mem + 0x2800, (uint32_t[]){ 0xabcd }, 4);
	assert_true(bus_access(&vm.mmio, bar3 + 0x2800, &v, 4, false)); /* past the PBA: forwarded */
	assert_int_equal(v, 0xabcd);
	cfgw(0x04, 2, 0);                           /* memory decode off: unmapped */
	assert_int_equal(slot_at(bar0), -1);
	assert_int_equal(slot_at(bar3 + 0x1000), -1);
	assert_false(bus_access(&vm.mmio, bar3 + 0x2800, &v, 4, false));
	cfgw(0x10, 4, 0xd0000000);                  /* moved while off: nothing mapped */
	assert_int_equal(slot_at(0xd0000000), -1);
	cfgw(0x04, 2, 0x2);                         /* on again: at the new address */
	assert_true(slot_at(0xd0000000) >= 0);
	assert_int_equal(slot_at(bar0), -1);
	cfgw(0x10, 4, 0xd1000000);                  /* moved while on: remapped */
	assert_true(slot_at(0xd1000000) >= 0);
	assert_int_equal(slot_at(0xd0000000), -1);
}

static uint32_t find_cap(uint8_t id)
{
	for (uint32_t p = cfgr(0x34, 1), n = 0; p && n < 48; p = cfgr(p + 1, 1), n++)
		if (cfgr(p, 1) == id)
			return p;
	return 0;
}

static void test_capability_chain(void **state)
{
	uint32_t chain[8], n = 0;

	for (uint32_t p = cfgr(0x34, 1); p && n < 8; p = cfgr(p + 1, 1))
		chain[n++] = p;
	assert_int_equal(n, 4);
	assert_int_equal(chain[0], 0x40); /* PM */
	assert_int_equal(chain[1], 0x50); /* MSI */
	assert_int_equal(chain[2], 0x80); /* MSI-X: the vendor capability at 0x70 is gone */
	assert_int_equal(chain[3], 0x90); /* PCIe */
	assert_int_equal(cfgr(0x52, 2) & 0x81, 0x80); /* MSI: 64-bit, disabled */
}

static void test_intx_then_msi(void **state)
{
	uint32_t msi = find_cap(0x05);

	/* INTx at start: trigger + unmask eventfds, irqfd with resample */
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 1);
	assert_true(sim.intx_unmask_set);
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_true(sim.irqfds[0].resample >= 0);
	assert_int_equal(sim.irqfds[0].gsi, (uint32_t)arch_pci_intx_gsi(d->func.slot, 0));

	cfgw(msi + 4, 4, 0xfee00000);
	cfgw(msi + 8, 4, 0);
	cfgw(msi + 12, 2, 0x40);
	cfgw(msi + 2, 2, 0x0021); /* 4 vectors (MME = 2), enable */
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 0); /* INTx off first */
	assert_int_equal(sim.set_count[VFIO_PCI_MSI_IRQ_INDEX], 4);
	assert_int_equal(sim_irqfds_assigned(), 4);
	for (int i = 0; i < 4; i++) {
		const struct kvm_irq_routing_entry *r = sim_msi_route((uint32_t)d->msi_gsi[i]);

		assert_non_null(r);
		assert_int_equal(r->u.msi.address_lo, 0xfee00000);
		assert_int_equal(r->u.msi.data, 0x40 + (uint32_t)i); /* multi-message */
		assert_int_equal(sim.set_fds[VFIO_PCI_MSI_IRQ_INDEX][i], d->msi_efd[i]);
	}
	assert_int_equal(cfgr(msi + 2, 2) & 0x71, 0x21);
	cfgw(msi + 12, 2, 0x50); /* new data while enabled: routes follow */
	assert_int_equal(sim_msi_route((uint32_t)d->msi_gsi[1])->u.msi.data, 0x51);
	cfgw(msi + 2, 2, 0); /* disable: back to INTx */
	assert_int_equal(sim.set_count[VFIO_PCI_MSI_IRQ_INDEX], 0);
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 1);
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_int_equal(sim.open_eventfds, 2); /* INTx trigger + unmask */
}

/* KVM refusing a route while MSI is being reprogrammed: MSI goes off cleanly, each vector
 * undone once, and the device falls back to INTx. */
static void test_msi_route_failure(void **state)
{
	uint32_t msi = find_cap(0x05);

	cfgw(msi + 4, 4, 0xfee00000);
	cfgw(msi + 12, 2, 0x40);
	cfgw(msi + 2, 2, 0x0021);
	assert_int_equal(sim.set_count[VFIO_PCI_MSI_IRQ_INDEX], 4);
	sim.fail_routing = true;
	cfgw(msi + 12, 2, 0x60); /* re-route the existing vectors: the first one fails */
	sim.fail_routing = false;
	assert_int_equal(sim.bad_closes, 0);
	assert_int_equal(d->msi_nvec, 0);
	assert_int_equal(sim.set_count[VFIO_PCI_MSI_IRQ_INDEX], 0);
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 1);
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_int_equal(sim.open_eventfds, 2);
}

static uint32_t tab(uint64_t base, uint64_t off, uint32_t len, uint32_t v, bool write)
{
	uint32_t x = v;

	assert_true(bus_access(&vm.mmio, base + off, &x, len, write));
	return x;
}

static void test_msix(void **state)
{
	uint32_t cap = find_cap(0x11);
	uint64_t bar3 = cfgr(0x1c, 4) & ~0xfu;
	uint64_t one = 1;

	assert_int_equal(cfgr(cap + 2, 2) & 0x7ff, 4); /* 5 vectors */
	assert_int_equal(tab(bar3, 12, 4, 0, false), 1); /* entries start masked */
	cfgw(cap + 2, 2, 0x8000);                        /* enable */
	assert_int_equal(sim.set_count[VFIO_PCI_MSIX_IRQ_INDEX], 5);
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 0);
	assert_int_equal(sim_irqfds_assigned(), 0); /* all masked: no routes yet */
	tab(bar3, 16 + 0, 4, 0xfee00000, true);     /* vector 1: address, data, unmask */
	tab(bar3, 16 + 4, 4, 0, true);
	tab(bar3, 16 + 8, 4, 0x45, true);
	tab(bar3, 16 + 12, 4, 0, true);
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_non_null(sim_msi_route((uint32_t)d->msix->gsi[1]));
	assert_int_equal(sim_msi_route((uint32_t)d->msix->gsi[1])->u.msi.data, 0x45);
	assert_int_equal(tab(bar3, 16 + 8, 4, 0, false), 0x45); /* the table reads back */
	tab(bar3, 32 + 12, 4, 0xfffffffe, true);   /* reserved bits: written, read as zero */
	tab(bar3, 32 + 0, 4, 0xfee00003, true);
	assert_int_equal(tab(bar3, 32 + 12, 4, 0, false), 0);
	assert_int_equal(tab(bar3, 32 + 0, 4, 0, false), 0xfee00000);
	tab(bar3, 32 + 12, 4, 1, true);
	/* a masked vector's interrupt waits in its eventfd and shows in the PBA */
	tab(bar3, 16 + 12, 4, 1, true);
	assert_int_equal(sim_irqfds_assigned(), 0);
	assert_int_equal(write(sim.set_fds[VFIO_PCI_MSIX_IRQ_INDEX][1], &one, 8), 8);
	assert_int_equal(tab(bar3, 0x2000, 4, 0, false), 0x2);
	tab(bar3, 16 + 12, 4, 0, true); /* unmask: the irqfd is back (KVM delivers it) */
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_int_equal(tab(bar3, 0x2000, 4, 0, false), 0);
	cfgw(cap + 2, 2, 0xc000); /* function mask */
	assert_int_equal(sim_irqfds_assigned(), 0);
	cfgw(cap + 2, 2, 0x8000);
	assert_int_equal(sim_irqfds_assigned(), 1);
	/* a non-LAPIC address never becomes a route */
	tab(bar3, 32 + 0, 4, 0x12345678, true);
	tab(bar3, 32 + 12, 4, 0, true);
	assert_int_equal(sim_irqfds_assigned(), 1);
	cfgw(cap + 2, 2, 0); /* disable: back to INTx */
	assert_int_equal(sim.set_count[VFIO_PCI_MSIX_IRQ_INDEX], 0);
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 1);
}

static void test_hostile_accesses(void **state)
{
	uint32_t cap = find_cap(0x11);
	uint64_t bar3 = cfgr(0x1c, 4) & ~0xfu;
	uint64_t q = 0;

	cfgw(cap + 2, 2, 0x8000);
	assert_int_equal(tab(bar3, 2, 2, 0, false), 0xffff);  /* sub-dword: refused */
	tab(bar3, 3, 1, 0xff, true);
	assert_true(bus_access(&vm.mmio, bar3 + 8, &q, 8, true)); /* qword: allowed */
	assert_true(bus_access(&vm.mmio, bar3 + 5 * 16 - 4, &q, 8, false)); /* crosses end */
	tab(bar3, 0x2000, 4, 0xffffffff, true);                 /* the PBA is read-only */
	assert_int_equal(tab(bar3, 0x2000, 4, 0, false), 0);
	for (uint32_t off = 0; off < 0x1000; off += 3)          /* odd config writes */
		cfgw(off, 1, 0xff);
	assert_int_equal(cfgr(0x00, 4), 0x11e81234);            /* identity survives */
	cfgw(0x10, 4, 0xfffffff0);                              /* a BAR over everything */
	cfgw(0x04, 2, 0x2);
	assert_int_equal(cfgr(0x10, 4) & 0xf, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_header_and_bars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bar_mapping, setup, teardown),
		cmocka_unit_test_setup_teardown(test_capability_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_intx_then_msi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msi_route_failure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hostile_accesses, setup, teardown),
		cmocka_unit_test_prestate_setup_teardown(test_bar_mapping, setup, teardown,
							 (void *)MSIX_MAPPABLE),
		cmocka_unit_test_prestate_setup_teardown(test_msix, setup, teardown,
							 (void *)MSIX_MAPPABLE),
	};
	return cmocka_run_group_tests_name("pci_assign", tests, NULL, NULL);
}
