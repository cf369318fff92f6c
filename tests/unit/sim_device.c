#include "tests/unit/sim_device.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/irq.h"

/* BAR memory is page-aligned, as the kernel's mmap would give. */
static uint8_t *bar_mem(size_t size)
{
	uint8_t *p = aligned_alloc(4096, size < 4096 ? 4096 : size);

	if (p)
		memset(p, 0, size < 4096 ? 4096 : size);
	return p;
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

int sim_machine_init(struct sim_machine *m, bool msix_mappable)
{
	sim_reset();
	sim_device_model(msix_mappable);
	sim_install_vm();
	sim_install_device();
	memset(m, 0, sizeof(*m));
	m->vm.vm_fd = SIM_VM_FD;
	m->vm.cfg = &m->cfg;
	m->vm.memslots_used = 1; /* slot 0: guest RAM */
	bus_init(&m->vm.pio, "pio");
	bus_init(&m->vm.mmio, "mmio");
	if (pci_host_create(&m->vm, 0xe0000000, 0xc0000000, 0x20000000, 0x1000000000,
			    0x1000000000) < 0)
		return -1;
	m->d = calloc(1, sizeof(*m->d));
	m->d->vm = &m->vm;
	m->d->ctx = &m->ctx;
	m->d->fd = SIM_DEV_FD;
	m->d->intx_gsi = m->d->intx_efd = m->d->intx_unmask_efd = -1;
	strcpy(m->d->name, "0000:03:00.0");
	return pt_func_init(m->d);
}

void sim_machine_free(struct sim_machine *m)
{
	pt_func_teardown(m->d);
	free(m->d);
	m->d = NULL;
	while (m->vm.devices) {
		struct device *dv = m->vm.devices;

		m->vm.devices = dv->next;
		dv->teardown(dv);
	}
	irq_free(&m->vm);
	bus_free(&m->vm.pio);
	bus_free(&m->vm.mmio);
}
