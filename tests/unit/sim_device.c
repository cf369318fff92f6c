#include "tests/unit/sim_device.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "tests/oracle/pcidiff.h"
#include "vmm/irq.h"

/* BAR memory is page-aligned and zero, as the kernel's mmap would give; untouched pages
 * cost nothing (a fixture's BAR may be 1 GiB). */
static uint8_t *bar_mem(size_t size)
{
	void *p = mmap(NULL, size < 4096 ? 4096 : size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void put(uint32_t off, uint32_t len, uint32_t v) { memcpy(sim.cfg + off, &v, len); }

void sim_device_model(bool msix_mappable)
{
	put(0x00, 4, 0x11e81234);
	put(0x06, 2, 0x0010);       /* capability list */
	put(0x18, 4, 0x1);          /* BAR2: I/O */
	put(0x30, 4, 0xfffe0001);   /* an expansion ROM ptvm must hide */
	put(0x34, 1, 0x40);
	put(0x3d, 1, 1);            /* INTA */
	put(0x40, 2, 0x5001);       /* PM -> 0x50 */
	put(0x50, 4, 0x00847005);   /* MSI -> 0x70: 64-bit, 4 vectors capable */
	put(0x70, 2, 0x8009);       /* vendor-specific -> 0x80: must be hidden */
	put(0x80, 4, 0x00049011);   /* MSI-X -> 0x90: 5 vectors */
	put(0x84, 4, 0x00000003);   /* table: BAR3 + 0 */
	put(0x88, 4, 0x00002003);   /* PBA: BAR3 + 0x2000 */
	put(0x90, 2, 0x0010);       /* PCIe, end of chain */
	put(0x100, 4, 0x00010001);  /* AER: extended space, hidden */
	sim.bar[0] = (struct sim_region){ .size = 0x20000, .flags = VFIO_REGION_INFO_FLAG_MMAP,
					  .mem = bar_mem(0x20000) };
	sim.bar[2] = (struct sim_region){ .size = 0x20, .mem = bar_mem(0x20) };
	sim.bar[3] = (struct sim_region){ .size = 0x4000, .flags = VFIO_REGION_INFO_FLAG_MMAP,
					  .mem = bar_mem(0x4000) };
	if (msix_mappable) {
		struct vfio_info_cap_header h = { .id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
						  .version = 1 };

		memcpy(sim.bar[3].caps, &h, sizeof(h));
		sim.bar[3].caps_len = sizeof(h);
	} else {
		struct {
			struct vfio_region_info_cap_sparse_mmap s;
			struct vfio_region_sparse_mmap_area a[2];
		} sp = { .s = { .header = { .id = VFIO_REGION_INFO_CAP_SPARSE_MMAP, .version = 1 },
				.nr_areas = 2 },
			 .a = { { 0x1000, 0x1000 }, { 0x3000, 0x1000 } } };

		memcpy(sim.bar[3].caps, &sp, sizeof(sp));
		sim.bar[3].caps_len = sizeof(sp);
	}
	sim.irq_count[VFIO_PCI_INTX_IRQ_INDEX] = 1;
	sim.irq_count[VFIO_PCI_MSI_IRQ_INDEX] = 4;
	sim.irq_count[VFIO_PCI_MSIX_IRQ_INDEX] = 5;
	sim.vfio_present = true;
}

static uint32_t get(uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, sim.cfg + off, len);
	return v;
}

/* The function's first capability with this ID, or 0. */
static uint32_t cap_of(uint8_t id)
{
	uint32_t p = sim.cfg[0x34] & 0xfc;

	for (int n = 0; (sim.cfg[0x06] & 0x10) && p >= 0x40 && n < 48; n++, p = sim.cfg[p + 1] & 0xfc)
		if (sim.cfg[p] == id)
			return p;
	return 0;
}

int sim_device_fixture(const char *path)
{
	static char text[1 << 16];
	struct pcidump *dump = calloc(1, sizeof(*dump));
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
	const char *ids;
	char why[128];
	uint32_t c;

	if (f)
		fclose(f);
	text[n] = '\0';
	if (!dump || !n || pcidump_parse(text, NULL, dump, why, sizeof(why)) < 0) {
		free(dump);
		return -1;
	}
	memcpy(sim.cfg, dump->cfg, dump->size);
	sim.cfg_size = dump->size;
	/* What vfio-pci shows of a VF: the IDs the PF's SR-IOV capability gives it (the
	 * function itself reads all ones), and BARs from its resources. */
	if ((ids = strstr(text, "\nVFIO-IDS ")) != NULL) {
		unsigned v, d;

		if (sscanf(ids + 10, "%x %x", &v, &d) == 2) {
			put(0x00, 2, v);
			put(0x02, 2, d);
		}
	}
	for (int i = 0; i < 6 && i < dump->nres; i++) {
		uint64_t size = dump->res[i].end ? dump->res[i].end - dump->res[i].start + 1 : 0;
		uint64_t fl = dump->res[i].flags;
		bool io = fl & 0x100, is64 = fl & 0x100000;

		if (!size) {
			if (!(i > 0 && (get(0x10 + 4 * (uint32_t)(i - 1), 4) & 0x7) == 0x4))
				put(0x10 + 4 * (uint32_t)i, 4, 0);
			continue;
		}
		put(0x10 + 4 * (uint32_t)i, 4, ((uint32_t)dump->res[i].start & (io ? ~0x3u : ~0xfu)) |
			(io ? 0x1 : ((is64 ? 0x4u : 0) | (fl & 0x2000 ? 0x8u : 0))));
		if (is64 && i < 5)
			put(0x14 + 4 * (uint32_t)i, 4, (uint32_t)(dump->res[i].start >> 32));
		sim.bar[i] = (struct sim_region){ .size = size, .mem = bar_mem(size),
						  .flags = io ? 0 : VFIO_REGION_INFO_FLAG_MMAP };
		if (!sim.bar[i].mem) {
			free(dump);
			return -1;
		}
	}
	if ((c = cap_of(0x11)) && sim.bar[get(c + 4, 4) & 7].size) {
		struct vfio_info_cap_header h = { .id = VFIO_REGION_INFO_CAP_MSIX_MAPPABLE,
						  .version = 1 };
		struct sim_region *b = &sim.bar[get(c + 4, 4) & 7];

		memcpy(b->caps, &h, sizeof(h));
		b->caps_len = sizeof(h);
	}
	sim.irq_count[VFIO_PCI_INTX_IRQ_INDEX] = sim.cfg[0x3d] ? 1 : 0;
	sim.irq_count[VFIO_PCI_MSI_IRQ_INDEX] = (c = cap_of(0x05)) ? 1u << ((get(c + 2, 2) >> 1) & 7) : 0;
	sim.irq_count[VFIO_PCI_MSIX_IRQ_INDEX] = (c = cap_of(0x11)) ? (get(c + 2, 2) & 0x7ff) + 1 : 0;
	sim.vfio_present = true;
	free(dump);
	return 0;
}

int sim_machine_start(struct sim_machine *m)
{
	sim_install_vm();
	sim_install_device();
	memset(m, 0, sizeof(*m));
	m->vm.vm_fd = SIM_VM_FD;
	m->vm.kvm_fd = m->vm.coalesced.timer_fd = -1; /* no /dev/kvm: nothing coalesced */
	m->vm.cfg = &m->cfg;
	m->vm.memslots_used = 1; /* slot 0: guest RAM */
	bus_init(&m->vm.pio, "pio");
	bus_init(&m->vm.mmio, "mmio");
	if (irq_init(&m->vm) < 0 ||
	    pci_host_create(&m->vm, 0xe0000000, 0xc0000000, 0x20000000, 0x1000000000,
			    0xf000000000) < 0 || pci_host_add_conf1(&m->vm) < 0 ||
	    pci_host_map_io(&m->vm, SIM_IO_WINDOW) < 0)
		return -1;
	m->d = calloc(1, sizeof(*m->d));
	m->d->vm = &m->vm;
	m->d->ctx = &m->ctx;
	m->d->fd = SIM_DEV_FD;
	m->d->handed_fd = -1;
	m->d->intx_gsi = m->d->intx_efd = m->d->intx_unmask_efd = -1;
	strcpy(m->d->name, "0000:03:00.0");
	return pt_func_init(m->d);
}

const char *sim_machine_end(struct sim_machine *m)
{
	static char what[256];

	pt_func_teardown(m->d);
	snprintf(what, sizeof(what), "left behind: %d eventfds, %d irqfds, %d device memslots; "
		 "%d double closes", sim.open_eventfds, sim_irqfds_assigned(), sim_slots_used(),
		 sim.bad_closes);
	if (!sim.open_eventfds && !sim_irqfds_assigned() && !sim_slots_used() && !sim.bad_closes)
		what[0] = '\0';
	sim_machine_free(m);
	sim_reset();
	return what[0] ? what : NULL;
}

int sim_machine_init(struct sim_machine *m, bool msix_mappable)
{
	sim_reset();
	sim_device_model(msix_mappable);
	return sim_machine_start(m);
}

int sim_machine_init_fixture(struct sim_machine *m, const char *path)
{
	sim_reset();
	if (sim_device_fixture(path) < 0)
		return -1;
	return sim_machine_start(m);
}

void sim_machine_free(struct sim_machine *m)
{
	pt_func_teardown(m->d);
	free(m->d);
	m->d = NULL;
	sim_vm_free(&m->vm);
}
