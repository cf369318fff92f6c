#include "vmm/pci.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/coalesced.h"
#include "vmm/log.h"

#define CF8_ENABLE 0x80000000u

/* bdf_off: bus << 20 | dev << 15 | fn << 12 | offset (the ECAM layout). Only bus 0,
 * function 0 exist; everything else reads as all ones (no device). */
uint32_t pci_cfg_access(struct pci_host *h, uint32_t bdf_off, uint32_t len, uint32_t val,
			bool write)
{
	uint32_t bus = bdf_off >> 20, dev = (bdf_off >> 15) & 31, fn = (bdf_off >> 12) & 7;
	uint32_t off = bdf_off & 0xfff;
	struct pci_func *f;

	if (bus || fn || !(f = h->slots[dev]) || (off & (len - 1)))
		return write ? 0 : (uint32_t)(((uint64_t)1 << (8 * len)) - 1);
	if (write) {
		f->ops->cfg_write(f, off, len, val);
		return 0;
	}
	return f->ops->cfg_read(f, off, len);
}

static uint32_t get(const void *data, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, data, len);
	return v;
}

static void conf1_addr(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pci_host *h = opaque;

	pthread_mutex_lock(&h->lock);
	if (len != 4) /* byte accesses to 0xcf8..0xcfb are not the address register */
		memset(data, 0xff, write ? 0 : len);
	else if (write)
		h->cf8 = get(data, 4) & 0x80fffffcu;
	else
		memcpy(data, &h->cf8, 4);
	pthread_mutex_unlock(&h->lock);
}

static void conf1_data(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pci_host *h = opaque;
	uint32_t a, v;

	pthread_mutex_lock(&h->lock);
	a = h->cf8;
	if (!(a & CF8_ENABLE)) {
		if (!write)
			memset(data, 0xff, len);
		goto out;
	}
	/* cf8: bus 23:16, dev 15:11, fn 10:8, register 7:2 -> ECAM layout; 256-byte space */
	a = ((a >> 16) & 0xff) << 20 | ((a >> 11) & 31) << 15 | ((a >> 8) & 7) << 12 |
	    ((a & 0xfc) + (uint32_t)off);
	v = pci_cfg_access(h, a, len, write ? get(data, len) : 0, write);
	if (!write)
		memcpy(data, &v, len);
out:
	pthread_mutex_unlock(&h->lock);
}

static void ecam(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pci_host *h = opaque;
	uint32_t v;

	if (len > 4) { /* 8-byte config accesses are not defined: split them */
		ecam(opaque, off, data, 4, write);
		ecam(opaque, off + 4, (uint8_t *)data + 4, len - 4, write);
		return;
	}
	pthread_mutex_lock(&h->lock);
	v = pci_cfg_access(h, (uint32_t)off, len, write ? get(data, len) : 0, write);
	if (!write)
		memcpy(data, &v, len);
	pthread_mutex_unlock(&h->lock);
}

/* Slot 0: the host bridge, class 06/00, no BARs, no capabilities, read-only, as every PC
 * has one there. It is there for the guest's sake: Linux's check that configuration
 * mechanism #1 works (pci_sanity_check) reads the class and vendor of all 256 functions of
 * bus 0 until it finds a host bridge or VGA (an exit each, 512 with bus 0 empty) unless
 * its DMI says the firmware is from 2001 or later. ptvm has no PCI vendor ID: the IDs are
 * the ones Cloud Hypervisor and Firecracker give their host bridge (8086:0d57), which no
 * driver or quirk in Linux matches. */
static uint32_t bridge_read(struct pci_func *f, uint32_t off, uint32_t len)
{
	static const uint8_t hdr[16] = {
		0x86, 0x80, 0x57, 0x0d, /* vendor, device */
		0, 0, 0, 0,             /* command, status */
		0, 0, 0x00, 0x06,       /* revision, programming interface, host bridge */
	};
	uint32_t v = 0;

	if (off < sizeof(hdr))
		memcpy(&v, hdr + off, len);
	return v;
}

static void bridge_write(struct pci_func *f, uint32_t off, uint32_t len, uint32_t val) {}

static const struct pci_func_ops bridge_ops = { bridge_read, bridge_write };

static void host_teardown(struct device *d)
{
	struct pci_host *h = (struct pci_host *)d;

	h->vm->pci = NULL;
	pthread_mutex_destroy(&h->lock);
	free(h);
}

int pci_host_create(struct vm *vm, uint64_t ecam_base, uint64_t mmio32_base, uint64_t mmio32_size,
		    uint64_t mmio64_base, uint64_t mmio64_size)
{
	struct pci_host *h = calloc(1, sizeof(*h));

	if (!h)
		return err_msg(ENOMEM, "out of memory");
	h->dev.name = "pci-host";
	h->dev.teardown = host_teardown;
	h->vm = vm;
	h->ecam_base = ecam_base;
	h->mmio32 = (struct pci_window){ mmio32_base, mmio32_size, mmio32_base };
	h->mmio64 = (struct pci_window){ mmio64_base, mmio64_size, mmio64_base };
	h->io = (struct pci_window){ 0xc000, 0x4000, 0xc000 };
	h->bridge = (struct pci_func){ .ops = &bridge_ops, .slot = 0, .name = "host-bridge" };
	h->slots[0] = &h->bridge;
	pthread_mutex_init(&h->lock, NULL);
	vm_add_device(vm, &h->dev);
	vm->pci = h;
	return bus_add(&vm->mmio, ecam_base, 1u << 20, ecam, h, "pci-ecam");
}

/* The PCI I/O space seen through MMIO: an access at offset OFF is one at port OFF. */
static void io_window(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pci_host *h = opaque;

	bus_access(&h->vm->pio, off, data, len, write); /* nobody there: reads all ones */
}

int pci_host_map_io(struct vm *vm, uint64_t base)
{
	return bus_add(&vm->mmio, base, PCI_IO_WINDOW, io_window, vm->pci, "pci-io");
}

int pci_host_add_conf1(struct vm *vm)
{
	struct pci_host *h = vm->pci;
	int r;

	if ((r = bus_add(&vm->pio, 0xcf8, 4, conf1_addr, h, "pci-conf1-addr")) ||
	    (r = bus_add(&vm->pio, 0xcfc, 4, conf1_data, h, "pci-conf1-data")))
		return r;
	/* An address write does nothing until the data access that follows it, which exits:
	 * let KVM queue address writes instead of exiting for each (vmm/coalesced.h). */
	r = coalesced_add(vm, true, 0xcf8, 4);
	if (r == -EOPNOTSUPP)
		log_step("PCI configuration: the kernel cannot coalesce port writes; each address "
			 "write exits");
	else if (r < 0)
		fprintf(stderr, "ptvm: warning: %s: each PCI configuration address write exits\n",
			err_get());
	err_clear();
	return 0;
}

int pci_add_func(struct pci_host *h, struct pci_func *f)
{
	if (f->slot) {
		if (f->slot >= PCI_SLOTS || h->slots[f->slot])
			return err_msg(EBUSY, "PCI slot %u is %s", f->slot,
				       f->slot >= PCI_SLOTS ? "out of range (1-31)" : "taken");
	} else {
		for (f->slot = 1; f->slot < PCI_SLOTS &&
				  (h->slots[f->slot] || (h->reserved & (1u << f->slot))); f->slot++)
			;
		if (f->slot == PCI_SLOTS)
			return err_msg(ENOSPC, "no free PCI slot (31 in use or reserved)");
	}
	pthread_mutex_lock(&h->lock);
	h->slots[f->slot] = f;
	pthread_mutex_unlock(&h->lock);
	return 0;
}

static uint64_t window_alloc(struct pci_window *w, uint64_t size)
{
	uint64_t a = (w->next + size - 1) & ~(size - 1);

	if (!w->size || a < w->next || a + size < a || a + size > w->base + w->size)
		return 0;
	w->next = a + size;
	return a;
}

uint64_t pci_alloc_bar(struct pci_host *h, uint64_t size, bool want64)
{
	uint64_t a = 0;

	if (!size || (size & (size - 1)))
		return 0;
	if (size < 4096)
		size = 4096; /* BARs get whole pages, so each can be mapped on its own */
	if (want64)
		a = window_alloc(&h->mmio64, size);
	return a ? a : window_alloc(&h->mmio32, size);
}

uint64_t pci_alloc_io(struct pci_host *h, uint64_t size)
{
	return size && !(size & (size - 1)) && size <= 0x1000 ? window_alloc(&h->io, size) : 0;
}

static bool inside(uint64_t wbase, uint64_t wsize, uint64_t base, uint64_t size)
{
	return size && wsize && base >= wbase && base - wbase < wsize && size <= wsize - (base - wbase);
}

bool pci_bar_fits(const struct pci_host *h, bool io, uint64_t base, uint64_t size)
{
	if (io)
		return inside(PCI_IO_DECODE_BASE, 0x10000 - PCI_IO_DECODE_BASE, base, size);
	return inside(h->mmio32.base, h->mmio32.size, base, size) ||
	       inside(h->mmio64.base, h->mmio64.size, base, size);
}
