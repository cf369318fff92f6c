/* The guest's view of an assigned device (config-space virtualisation, BARs, INTx, MSI,
 * MSI-X table and PBA), against the simulated kernel's VFIO device and KVM VM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/resource.h>
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
	const char *left = sim_machine_end(&m);

	if (left)
		fail_msg("%s", left);
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
	assert_int_equal(cfgr(0x100, 4), 0x00010001); /* extended capabilities pass (AER) */
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
	assert_int_equal(n, 5); /* the device's chain, all of it */
	assert_int_equal(chain[0], 0x40); /* PM */
	assert_int_equal(chain[1], 0x50); /* MSI */
	assert_int_equal(chain[2], 0x70); /* vendor-specific */
	assert_int_equal(chain[3], 0x80); /* MSI-X */
	assert_int_equal(chain[4], 0x90); /* PCIe */
	assert_int_equal(cfgr(0x52, 2) & 0x81, 0x80); /* MSI: 64-bit, disabled */
	/* an endpoint on the guest's root bus is an integrated endpoint, without a link */
	assert_int_equal(cfgr(0x92, 2) & 0xf0, 0x90);
	assert_int_equal(cfgr(0x9c, 4), 0);
}

/* The IOAPIC pin GSI reaches in the last routing table KVM got, -1 if none. */
static int ioapic_pin(uint32_t gsi)
{
	for (int i = 0; i < sim.nroutes; i++)
		if (sim.routes[i].gsi == gsi && sim.routes[i].type == KVM_IRQ_ROUTING_IRQCHIP &&
		    sim.routes[i].u.irqchip.irqchip == KVM_IRQCHIP_IOAPIC)
			return (int)sim.routes[i].u.irqchip.pin;
	return -1;
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
		const struct kvm_irq_routing_entry *r = sim_msi_route((uint32_t)d->msi.gsi[i]);

		assert_non_null(r);
		assert_int_equal(r->u.msi.address_lo, 0xfee00000);
		assert_int_equal(r->u.msi.data, 0x40 + (uint32_t)i); /* multi-message */
		assert_int_equal(r->flags, 0); /* x86: no requester ID (the LAPICs take none) */
		assert_int_equal(sim.set_fds[VFIO_PCI_MSI_IRQ_INDEX][i], d->msi.efd[i]);
	}
	assert_int_equal(cfgr(msi + 2, 2) & 0x71, 0x21);
	/* the legacy routes in the table beside the MSIs: a PC's */
	assert_int_equal(ioapic_pin(0), 2); /* the PIT on pin 2, as the MADT's override says */
	assert_int_equal(ioapic_pin(2), -1); /* GSI 2: nothing */
	assert_int_equal(ioapic_pin(4), 4);  /* the UART's IRQ 4 on pin 4 */
	assert_int_equal(ioapic_pin(16), 16);
	cfgw(msi + 12, 2, 0x50); /* new data while enabled: routes follow */
	assert_int_equal(sim_msi_route((uint32_t)d->msi.gsi[1])->u.msi.data, 0x51);
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
	assert_int_equal(d->msi.nvec, 0);
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

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("PTVM_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s.pcidump", dir ? dir : "tests/unit/fixtures", name);
	return path;
}

static void machine_fixture(const char *name)
{
	sim_machine_free(&m);
	sim_reset();
	if (sim_machine_init_fixture(&m, fixture(name)) != 0)
		fail_msg("%s: %s", fixture(name), err_get());
}

/* MSI with per-vector masking (igb: 64-bit, maskable, 24 bytes): a masked vector's
 * irqfd is detached, its interrupt waits and shows as pending, and arrives on unmask.
 * A new address or data while enabled changes KVM's route only: VFIO is not asked again. */
static void test_msi_mask_and_move(void **state)
{
	uint64_t one = 1;
	int efd;

	machine_fixture("igb-pf");
	assert_int_equal(cfgr(0x52, 2), 0x0180);
	cfgw(0x54, 4, 0xfee00000);
	cfgw(0x58, 4, 0);
	cfgw(0x5c, 2, 0x41);
	cfgw(0x52, 2, 0x0001);
	assert_int_equal(sim.set_count[VFIO_PCI_MSI_IRQ_INDEX], 1);
	assert_int_equal(sim.set_calls[VFIO_PCI_MSI_IRQ_INDEX], 1);
	assert_int_equal(sim_irqfds_assigned(), 1);
	efd = d->msi.efd[0];
	cfgw(0x60, 4, 1);                         /* mask vector 0 */
	assert_int_equal(sim_irqfds_assigned(), 0);
	assert_int_equal(cfgr(0x64, 4), 0);       /* nothing pending yet */
	assert_int_equal(write(efd, &one, 8), 8); /* the device fires */
	assert_int_equal(cfgr(0x64, 4), 1);       /* pending */
	cfgw(0x60, 4, 0xffffffff);                /* only implemented mask bits stick */
	assert_int_equal(cfgr(0x60, 4), 1);
	cfgw(0x60, 4, 0);                         /* unmask: KVM delivers it */
	assert_int_equal(sim_irqfds_assigned(), 1);
	assert_int_equal(cfgr(0x64, 4), 0);
	for (uint32_t i = 0; i < 100; i++) {      /* moved around while enabled */
		cfgw(0x54, 4, 0xfee00000 | (i & 1) << 12);
		cfgw(0x5c, 2, 0x41 + (i & 1));
	}
	assert_int_equal(sim.set_calls[VFIO_PCI_MSI_IRQ_INDEX], 1);
	assert_int_equal(sim_msi_route((uint32_t)d->msi.gsi[0])->u.msi.data, 0x42);
	assert_int_equal(sim_msi_route((uint32_t)d->msi.gsi[0])->u.msi.address_lo, 0xfee01000);
	cfgw(0x52, 2, 0);
	assert_int_equal(sim.set_count[VFIO_PCI_MSI_IRQ_INDEX], 0);
	assert_int_equal(sim.set_count[VFIO_PCI_INTX_IRQ_INDEX], 1);
}

/* Memory decode off: the BAR's memslots are gone before the command write reaches the
 * device; D3hot likewise; both come back in D0 with decode on. */
static void test_decode_off_order(void **state)
{
	uint32_t bar0 = cfgr(0x10, 4);
	const struct sim_cfg_write *w;

	assert_true(slot_at(bar0) >= 0);
	cfgw(0x04, 2, 0x0001);
	w = &sim.cfg_writes[(sim.ncfg_writes - 1) % 64];
	assert_int_equal(w->off, 0x04);
	assert_int_equal(slot_at(bar0), -1);
	assert_true(sim.slot_deleted_seq < w->seq);
	cfgw(0x04, 2, 0x0003);
	assert_true(slot_at(bar0) >= 0);
	cfgw(0x44, 2, 0x0003);                    /* PMCSR: D3hot */
	w = &sim.cfg_writes[(sim.ncfg_writes - 1) % 64];
	assert_int_equal(w->off, 0x44);
	assert_int_equal(slot_at(bar0), -1);
	assert_true(sim.slot_deleted_seq < w->seq);
	cfgw(0x44, 2, 0x0000);                    /* D0 */
	assert_true(slot_at(bar0) >= 0);
}

/* Sizing a BAR with decode on maps nothing at the sizing pattern (over the LAPIC and the
 * IOAPIC); the restored address is mapped again. */
static void test_sizing_with_decode_on(void **state)
{
	uint32_t bar0 = cfgr(0x10, 4), v = 0;

	cfgw(0x10, 4, 0xffffffff);
	assert_int_equal(cfgr(0x10, 4), 0xfffe0000);
	assert_int_equal(slot_at(0xfffe0000), -1);
	assert_int_equal(sim_slots_used(), 2);    /* BAR3's two pages; BAR0's is gone */
	assert_false(bus_access(&vm.mmio, 0xfee00000, &v, 4, false));
	cfgw(0x10, 4, bar0);
	assert_true(slot_at(bar0) >= 0);
}

/* A 64 GiB BAR fits the 64-bit window, naturally aligned. */
static void test_huge_bar(void **state)
{
	sim_machine_free(&m);
	sim_reset();
	sim_device_model(false);
	memcpy(sim.cfg + 0x20, (uint32_t[]){ 0xc }, 4);   /* BAR4: 64-bit prefetchable */
	sim.bar[4] = (struct sim_region){ .size = 64ull << 30 };
	assert_int_equal(sim_machine_start(&m), 0);
	assert_int_equal(d->bars[4].size, 64ull << 30);
	assert_true(d->bars[4].is64);
	assert_int_equal(d->bars[4].gpa & ((64ull << 30) - 1), 0);
	assert_true(pci_bar_fits(vm.pci, false, d->bars[4].gpa, d->bars[4].size));
	assert_int_equal(cfgr(0x24, 4), (uint32_t)(d->bars[4].gpa >> 32));
}

/* MSI-X with 2048 vectors, all live: 2048 KVM routes; changing one route edits one entry
 * (one KVM_SET_GSI_ROUTING, the others unchanged). */
static void test_msix_2048(void **state)
{
	uint64_t bar3;
	struct rlimit rl;
	int calls;

	getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_max < 4200)
		skip();
	rl.rlim_cur = rl.rlim_max;
	setrlimit(RLIMIT_NOFILE, &rl);
	sim_machine_free(&m);
	sim_reset();
	sim_device_model(false);
	memcpy(sim.cfg + 0x80, (uint32_t[]){ 0x07ff9011 }, 4); /* MSI-X: 2048 vectors */
	memcpy(sim.cfg + 0x88, (uint32_t[]){ 0x00008003 }, 4); /* PBA: BAR3 + 0x8000 */
	munmap(sim.bar[3].mem, sim.bar[3].size);
	sim.bar[3].size = 0x10000;
	sim.bar[3].mem = mmap(NULL, 0x10000, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
	sim.bar[3].caps_len = 0;
	sim.irq_count[VFIO_PCI_MSIX_IRQ_INDEX] = 2048;
	assert_int_equal(sim_machine_start(&m), 0);
	bar3 = cfgr(0x1c, 4) & ~0xfu;
	cfgw(0x82, 2, 0x8000);
	assert_int_equal(sim.set_count[VFIO_PCI_MSIX_IRQ_INDEX], 2048);
	for (uint32_t i = 0; i < 2048; i++) {
		tab(bar3, 16 * i + 0, 4, 0xfee00000, true);
		tab(bar3, 16 * i + 8, 4, 0x30 + (i & 0x7f), true);
		tab(bar3, 16 * i + 12, 4, 0, true);
	}
	assert_int_equal(irq_routes_in_use(&vm), 2048);
	assert_int_equal(sim_irqfds_assigned(), 2048);
	calls = sim.routing_calls;
	tab(bar3, 16 * 1000 + 8, 4, 0x99, true);
	assert_int_equal(sim.routing_calls, calls + 1);
	assert_int_equal(irq_routes_in_use(&vm), 2048);
	assert_int_equal(sim_msi_route((uint32_t)d->msix->gsi[1000])->u.msi.data, 0x99);
	assert_int_equal(sim_msi_route((uint32_t)d->msix->gsi[999])->u.msi.data, 0x30 + (999 & 0x7f));
	cfgw(0x82, 2, 0);
	assert_int_equal(irq_routes_in_use(&vm), 0);
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
		cmocka_unit_test_setup_teardown(test_msi_mask_and_move, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decode_off_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sizing_with_decode_on, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_bar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msix_2048, setup, teardown),
	};
	return cmocka_run_group_tests_name("pci_assign", tests, NULL, NULL);
}
