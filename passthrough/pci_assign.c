/* The assigned device as the guest sees it: a PCI function on ptvm's bus whose config
 * space is the device's, except what must be virtual. Emulated: the BARs (guest addresses,
 * sizing), the expansion ROM BAR (hidden: reads 0), the capability chain (only PM, MSI,
 * MSI-X and PCIe are shown), the MSI capability and MSI-X control word and table
 * (programmed into KVM routes, never into the device), the interrupt line, and the extended
 * space (hidden). Everything else is forwarded to the device's config region, where
 * vfio-pci applies its own access rules. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include "passthrough/passthrough.h"
#include "vmm/arch.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"

#define CMD_IO  0x1
#define CMD_MEM 0x2
#define CAP_PM  0x01
#define CAP_MSI 0x05
#define CAP_EXP 0x10
#define CAP_MSIX 0x11
#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_64 0x0080
#define MSI_CTRL_PVM 0x0100

static uint32_t rd(const uint8_t *p, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, p, len);
	return v;
}

void pt_warn(struct pt_dev *d, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	/* a device failing on every access must not flood the log */
	if (__atomic_fetch_add(&d->warnings, 1, __ATOMIC_RELAXED) >= PT_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ptvm: warning: %s: %s: %s%s\n", d->name, what, err_get(),
		d->warnings == PT_MAX_WARNINGS ? " (further warnings for it are not shown)" : "");
}

/* 0 or -errno; on failure buf reads as all ones, as an absent device would. */
static int dev_cfg_read(struct pt_dev *d, uint32_t off, void *buf, uint32_t len)
{
	ssize_t n = sys_pread(d->fd, buf, len, (off_t)(d->cfg_off + off));

	if (n == (ssize_t)len)
		return 0;
	memset(buf, 0xff, len);
	return n < 0 ? (int)n : err_msg(EIO, "short read of config space at 0x%x", off);
}

static int dev_cfg_write(struct pt_dev *d, uint32_t off, const void *buf, uint32_t len)
{
	ssize_t n = sys_pwrite(d->fd, buf, len, (off_t)(d->cfg_off + off));

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? (int)n : err_msg(EIO, "short write of config space at 0x%x", off);
}

/* Setup reads: a device whose config space cannot be read is not assigned. */
#define CFG_READ_OR_FAIL(d, off, buf, len)                                                   \
	do {                                                                                  \
		int r_ = dev_cfg_read((d), (off), (buf), (len));                              \
		if (r_ < 0)                                                                   \
			return err_ctx(r_, "%s: config space at 0x%x", (d)->name, (unsigned)(off)); \
	} while (0)

static void emulate(struct pt_dev *d, uint32_t off, uint32_t len)
{
	memset(d->emul + off, 1, len);
}

/* ---- BARs ------------------------------------------------------------------------ */

static void bar_trap(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pt_bar *b = opaque;

	if (pt_msix_access(b->owner, (int)(b - b->owner->bars), off, data, len, write))
		return;
	if (write) {
		if (sys_pwrite(b->owner->fd, data, len, (off_t)(b->region_off + off)) < 0)
			pt_warn(b->owner, "guest write to BAR %d at 0x%llx lost",
				(int)(b - b->owner->bars), (unsigned long long)off);
	} else if (sys_pread(b->owner->fd, data, len, (off_t)(b->region_off + off)) != (ssize_t)len) {
		memset(data, 0xff, len);
		pt_warn(b->owner, "guest read of BAR %d at 0x%llx reads as all ones",
			(int)(b - b->owner->bars), (unsigned long long)off);
	}
}

static void bar_unmap(struct pt_dev *d, struct pt_bar *b)
{
	for (int i = 0; i < b->npieces; i++) {
		if (b->piece[i].slot >= 0)
			vm_unmap_memory(d->vm, b->piece[i].slot);
		b->piece[i].slot = -1;
	}
	if (b->trapped)
		bus_remove(b->io ? &d->vm->pio : &d->vm->mmio, b->mapped_gpa);
	b->trapped = false;
}

/* Maps a BAR where the guest put it: memslots over the mmapped pieces (no exits), and the
 * whole BAR as a trapped range beneath them (what no memslot covers is forwarded to the
 * device, or emulated for the MSI-X table and PBA). A guest that programs an impossible
 * address (overlapping RAM or another device) just gets no decode there. */
static void bar_map(struct pt_dev *d, struct pt_bar *b)
{
	bar_unmap(d, b);
	if (!b->gpa || b->gpa + b->size < b->gpa)
		return;
	for (int i = 0; i < b->npieces; i++) {
		int r = vm_map_memory(d->vm, b->gpa + b->piece[i].off, b->piece[i].size,
				      b->piece[i].hva);

		b->piece[i].slot = r >= 0 ? r : -1;
		if (r < 0)
			pt_warn(d, "BAR %d: accesses at 0x%llx trap instead (slower)",
				(int)(b - d->bars), (unsigned long long)(b->gpa + b->piece[i].off));
	}
	b->trapped = !bus_add(b->io ? &d->vm->pio : &d->vm->mmio, b->gpa, b->size, bar_trap, b,
			      d->name);
	b->mapped_gpa = b->gpa;
}

/* Cuts [start, end) (page aligned outwards) out of a BAR's memslot pieces. */
static void bar_exclude(struct pt_bar *b, uint64_t start, uint64_t end)
{
	start &= ~0xfffull;
	end = (end + 0xfff) & ~0xfffull;
	for (int i = 0; i < b->npieces; i++) {
		uint64_t ps = b->piece[i].off, pe = ps + b->piece[i].size;
		uint8_t *hva = b->piece[i].hva;

		if (end <= ps || start >= pe)
			continue;
		/* drop the piece, then put back what lies left and right of the hole */
		b->piece[i] = b->piece[--b->npieces];
		i--;
		if (start > ps && b->npieces < PT_BAR_PIECES)
			b->piece[b->npieces++] = (__typeof__(b->piece[0])){ hva, ps, start - ps, -1 };
		if (end < pe && b->npieces < PT_BAR_PIECES)
			b->piece[b->npieces++] =
				(__typeof__(b->piece[0])){ hva + (end - ps), end, pe - end, -1 };
	}
}

/* What VFIO lets ptvm mmap: the whole region, or the sparse areas its capability lists. */
static int bar_mmap(struct pt_dev *d, struct pt_bar *b, int index, uint32_t flags)
{
	struct {
		struct vfio_region_info ri;
		uint8_t caps[2048];
	} q = { .ri = { .argsz = sizeof(q), .index = (uint32_t)index } };
	uint64_t areas[PT_BAR_PIECES][2] = { { 0, b->size } };
	int nareas = 1, r;

	if (!(flags & VFIO_REGION_INFO_FLAG_MMAP))
		return 0;
	if ((flags & VFIO_REGION_INFO_FLAG_CAPS) &&
	    (r = sys_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &q)) < 0)
		return err_ctx(r, "%s: BAR %d's mmap areas", d->name, index);
	if ((flags & VFIO_REGION_INFO_FLAG_CAPS) && q.ri.argsz <= sizeof(q)) {
		for (uint32_t off = q.ri.cap_offset, n = 0; off && n < 16; n++) {
			struct vfio_info_cap_header *h = (void *)((uint8_t *)&q + off);
			struct vfio_region_info_cap_sparse_mmap *sp = (void *)h;

			if (off < sizeof(q.ri) || off + sizeof(*sp) > q.ri.argsz)
				break;
			if (h->id == VFIO_REGION_INFO_CAP_SPARSE_MMAP) {
				nareas = 0;
				for (uint32_t k = 0; k < sp->nr_areas && nareas < PT_BAR_PIECES &&
						     off + sizeof(*sp) + (k + 1) * sizeof(sp->areas[0]) <=
							     q.ri.argsz; k++)
					if (sp->areas[k].size && sp->areas[k].offset < b->size &&
					    sp->areas[k].size <= b->size - sp->areas[k].offset) {
						areas[nareas][0] = sp->areas[k].offset;
						areas[nareas++][1] = sp->areas[k].size;
					}
			}
			off = h->next;
		}
	}
	for (int i = 0; i < nareas; i++) {
		void *m;

		if (areas[i][1] < 4096 || (areas[i][0] & 0xfff) || (areas[i][1] & 0xfff))
			continue; /* memslots are whole pages: leave it trapped */
		m = sys_mmap(NULL, areas[i][1], PROT_READ | PROT_WRITE, MAP_SHARED, d->fd,
			     (off_t)(b->region_off + areas[i][0]), &r);
		if (!m) { /* refused: trap it instead */
			pt_warn(d, "BAR %d: accesses at offset 0x%llx trap instead (slower)", index,
				(unsigned long long)areas[i][0]);
			continue;
		}
		b->map[b->nmaps].base = m;
		b->map[b->nmaps].off = areas[i][0];
		b->map[b->nmaps++].size = areas[i][1];
		b->piece[b->npieces].hva = m;
		b->piece[b->npieces].off = areas[i][0];
		b->piece[b->npieces].size = areas[i][1];
		b->piece[b->npieces++].slot = -1;
	}
	return 0;
}

static bool decode_on(struct pt_dev *d, const struct pt_bar *b)
{
	uint16_t cmd;

	if (dev_cfg_read(d, 0x04, &cmd, 2) < 0) {
		pt_warn(d, "command register unreadable: BAR %d stays where it was",
			(int)(b - d->bars));
		return false;
	}
	return cmd & (b->io ? CMD_IO : CMD_MEM);
}

static void bar_reg_write(struct pt_dev *d, int i, uint32_t v)
{
	struct pt_bar *b;
	bool high = i > 0 && d->bars[i - 1].is64 && d->bars[i - 1].size;
	uint64_t mask;

	b = &d->bars[high ? i - 1 : i];
	if (!b->size)
		return; /* unimplemented BAR: reads 0, writes ignored */
	mask = ~(b->size - 1);
	if (high) {
		b->reg[1] = v & (uint32_t)(mask >> 32);
	} else {
		uint32_t flags = b->io ? 0x1 : ((b->is64 ? 0x4 : 0) | (b->prefetch ? 0x8 : 0));

		b->reg[0] = (v & (uint32_t)mask & (b->io ? ~0x3u : ~0xfu)) | flags;
	}
	b->gpa = ((uint64_t)(b->is64 ? b->reg[1] : 0) << 32) | (b->reg[0] & (b->io ? ~0x3u : ~0xfu));
	if (b->gpa != b->mapped_gpa && decode_on(d, b))
		bar_map(d, b);
}

static uint32_t bar_reg_read(struct pt_dev *d, int i)
{
	if (i > 0 && d->bars[i - 1].is64 && d->bars[i - 1].size)
		return d->bars[i - 1].reg[1];
	return d->bars[i].size ? d->bars[i].reg[0] : 0;
}

static int bars_init(struct pt_dev *d)
{
	struct pci_host *h = d->vm->pci;

	for (int i = 0; i < 6; i++) {
		struct vfio_region_info ri = { .argsz = sizeof(ri), .index = (uint32_t)i };
		struct pt_bar *b = &d->bars[i];
		uint32_t reg;
		int r;

		b->owner = d;
		if ((r = sys_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri)) < 0)
			return err_ctx(r, "%s: BAR %d", d->name, i);
		if (!ri.size)
			continue;
		CFG_READ_OR_FAIL(d, 0x10 + 4 * (uint32_t)i, &reg, 4);
		b->size = ri.size;
		b->region_off = ri.offset;
		b->io = reg & 1;
		b->is64 = !b->io && (reg & 0x6) == 0x4;
		b->prefetch = !b->io && (reg & 0x8);
		if (b->size & (b->size - 1))
			return err_msg(EINVAL, "%s: BAR %d size 0x%llx is not a power of two", d->name,
				       i, (unsigned long long)b->size);
		if (!b->io && (r = bar_mmap(d, b, i, ri.flags)) < 0)
			return r;
		b->gpa = b->io ? pci_alloc_io(h, b->size) : pci_alloc_bar(h, b->size, b->is64);
		if (!b->gpa)
			return err_msg(ENOSPC, "%s: no room for BAR %d (0x%llx bytes) in the guest's "
					       "PCI windows", d->name, i, (unsigned long long)b->size);
		b->reg[0] = (uint32_t)b->gpa | (b->io ? 0x1 : ((b->is64 ? 0x4 : 0) |
							       (b->prefetch ? 0x8 : 0)));
		b->reg[1] = (uint32_t)(b->gpa >> 32);
		if (b->is64)
			i++; /* the next register is this BAR's upper half */
	}
	return 0;
}

static void bars_map_all(struct pt_dev *d, bool io, bool on)
{
	for (int i = 0; i < 6; i++) {
		struct pt_bar *b = &d->bars[i];

		if (!b->size || b->io != io)
			continue;
		if (on && !b->trapped)
			bar_map(d, b);
		else if (!on)
			bar_unmap(d, b);
	}
}

/* ---- INTx -------------------------------------------------------------------------- */

/* Level-triggered INTx without ptvm on the path: VFIO signals the trigger eventfd and
 * masks the line; KVM asserts the GSI; on the guest's EOI KVM de-asserts it and signals
 * the resample eventfd, which VFIO takes as "unmask". */
int pt_intx_enable(struct pt_dev *d)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} set = { .s = { .argsz = sizeof(set), .index = VFIO_PCI_INTX_IRQ_INDEX, .count = 1,
			 .flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER } };

	int r;

	if (d->intx_gsi < 0 || d->intx_on)
		return 0;
	if (d->intx_efd < 0 && (d->intx_efd = r = sys_eventfd(0, 0)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	if (d->intx_unmask_efd < 0 && (d->intx_unmask_efd = r = sys_eventfd(0, 0)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	set.fd = d->intx_efd;
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	set.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK;
	set.fd = d->intx_unmask_efd;
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set)) < 0 ||
	    (r = irq_irqfd(d->vm, d->intx_efd, (uint32_t)d->intx_gsi, d->intx_unmask_efd)) < 0) {
		struct vfio_irq_set off = { .argsz = sizeof(off), .index = VFIO_PCI_INTX_IRQ_INDEX,
					    .flags = VFIO_IRQ_SET_DATA_NONE |
						     VFIO_IRQ_SET_ACTION_TRIGGER };
		char why[512];

		snprintf(why, sizeof(why), "%s", err_get());
		sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &off);
		return err_msg(r, "%s: INTx: %s", d->name, why);
	}
	d->intx_on = true;
	return 0;
}

/* INTx back on after the guest turned MSI or MSI-X off: a failure leaves the guest without
 * interrupts from the device, which it is told about only through this warning. */
void pt_intx_restore(struct pt_dev *d)
{
	if (pt_intx_enable(d) < 0)
		pt_warn(d, "INTx not restored");
}

void pt_intx_disable(struct pt_dev *d)
{
	struct vfio_irq_set off = { .argsz = sizeof(off), .index = VFIO_PCI_INTX_IRQ_INDEX,
				    .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };

	if (!d->intx_on)
		return;
	if (sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &off) < 0)
		pt_warn(d, "INTx off at the device");
	if (irq_irqfd_remove(d->vm, d->intx_efd, (uint32_t)d->intx_gsi) < 0)
		pt_warn(d, "INTx irqfd not removed");
	d->intx_on = false;
}

static int intx_setup(struct pt_dev *d, uint8_t pin)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_INTX_IRQ_INDEX };
	int r;

	d->intx_gsi = d->intx_efd = d->intx_unmask_efd = -1;
	if (pin < 1 || pin > 4)
		return 0;
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	if (!ii.count)
		return 0;
	d->intx_gsi = arch_pci_intx_gsi(d->func.slot, pin - 1);
	d->cfg[0x3c] = (uint8_t)d->intx_gsi;
	return pt_intx_enable(d);
}

/* ---- MSI ---------------------------------------------------------------------------- */

static void msi_disable(struct pt_dev *d)
{
	struct vfio_irq_set s = { .argsz = sizeof(s), .index = VFIO_PCI_MSI_IRQ_INDEX,
				  .flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER };

	if (!d->msi_nvec)
		return;
	if (sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s) < 0)
		pt_warn(d, "MSI off at the device");
	pt_intx_restore(d);
	for (int i = 0; i < d->msi_nvec; i++) {
		if (irq_irqfd_remove(d->vm, d->msi_efd[i], (uint32_t)d->msi_gsi[i]) < 0)
			pt_warn(d, "MSI vector %d: irqfd not removed", i);
		if (irq_free_gsi(d->vm, (uint32_t)d->msi_gsi[i]) < 0)
			pt_warn(d, "MSI vector %d: route not removed", i);
		sys_close(d->msi_efd[i]);
	}
	d->msi_nvec = 0;
}

/* The guest's MSI address/data become KVM routes; the device itself gets eventfds that
 * KVM turns into those interrupts (irqfd): no exit to ptvm per interrupt. */
static void msi_update(struct pt_dev *d)
{
	uint8_t *c = d->cfg + d->msi_cap;
	uint16_t ctrl = (uint16_t)rd(c + 2, 2);
	bool is64 = ctrl & MSI_CTRL_64;
	uint64_t addr = rd(c + 4, 4) | (is64 ? (uint64_t)rd(c + 8, 4) << 32 : 0);
	uint32_t data = rd(c + (is64 ? 12 : 8), 2);
	int want = (ctrl & MSI_CTRL_ENABLE) ? 1 << ((ctrl >> 4) & 7) : 0;
	struct {
		struct vfio_irq_set s;
		int32_t fds[PT_MAX_VECTORS];
	} set;

	if (want > (1 << ((ctrl >> 1) & 7)))
		want = 1 << ((ctrl >> 1) & 7);
	if (want != d->msi_nvec)
		msi_disable(d);
	if (!want)
		return;
	for (int i = 0; i < want; i++) {
		if (i >= d->msi_nvec) {
			int gsi = irq_alloc_gsi(d->vm), efd = gsi < 0 ? -1 : sys_eventfd(0, 0);

			if (efd < 0) {
				if (gsi >= 0)
					irq_free_gsi(d->vm, (uint32_t)gsi);
				goto fail;
			}
			d->msi_gsi[i] = gsi;
			d->msi_efd[i] = efd;
		}
		/* multiple messages: the low bits of data carry the vector number */
		if (irq_route_msi(d->vm, (uint32_t)d->msi_gsi[i], addr,
				  (data & ~(uint32_t)(want - 1)) | (uint32_t)i) < 0 ||
		    (i >= d->msi_nvec && irq_irqfd(d->vm, d->msi_efd[i], (uint32_t)d->msi_gsi[i], -1) < 0)) {
			if (i >= d->msi_nvec) { /* not counted yet: msi_disable will not undo it */
				sys_close(d->msi_efd[i]);
				irq_free_gsi(d->vm, (uint32_t)d->msi_gsi[i]);
			}
			goto fail;
		}
		if (i >= d->msi_nvec)
			d->msi_nvec = i + 1;
	}
	if (d->msi_nvec == want) {
		pt_intx_disable(d);
		memset(&set, 0, sizeof(set));
		set.s.argsz = (uint32_t)(sizeof(set.s) + (size_t)want * sizeof(int32_t));
		set.s.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
		set.s.index = VFIO_PCI_MSI_IRQ_INDEX;
		set.s.count = (uint32_t)want;
		for (int i = 0; i < want; i++)
			set.fds[i] = d->msi_efd[i];
		if (sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set) == 0) {
			log_step("%s: guest enabled %d MSI vector(s)", d->name, want);
			return;
		}
	}
fail:
	/* The guest asked for something the host cannot give: leave MSI off, and say so. */
	pt_warn(d, "the guest's MSI (%d vectors) stays off", want);
	msi_disable(d);
}

/* ---- config space --------------------------------------------------------------- */

static uint32_t cfg_read(struct pci_func *f, uint32_t off, uint32_t len)
{
	struct pt_dev *d = f->opaque;
	uint8_t buf[4];

	if (off >= 256)
		return 0; /* extended capabilities hidden */
	if (off >= 0x10 && off < 0x28)
		return (uint32_t)(bar_reg_read(d, (int)(off - 0x10) / 4) >> (8 * (off & 3))) &
		       (uint32_t)(((uint64_t)1 << (8 * len)) - 1);
	if (dev_cfg_read(d, off, buf, len) < 0)
		pt_warn(d, "guest config read at 0x%x reads as all ones", off);
	for (uint32_t i = 0; i < len; i++)
		if (d->emul[off + i])
			buf[i] = d->cfg[off + i];
	return rd(buf, len);
}

static void cfg_write(struct pci_func *f, uint32_t off, uint32_t len, uint32_t val)
{
	struct pt_dev *d = f->opaque;
	uint8_t *v = (uint8_t *)&val;
	bool msi = false, msix = false;

	if (off >= 256)
		return;
	if (off >= 0x10 && off < 0x28) {
		int i = (int)(off - 0x10) / 4;
		uint32_t cur = bar_reg_read(d, i), shift = 8 * (off & 3);
		uint32_t mask = (uint32_t)(((uint64_t)1 << (8 * len)) - 1) << shift;

		bar_reg_write(d, i, (cur & ~mask) | ((val << shift) & mask));
		return;
	}
	for (uint32_t i = 0; i < len; i++) {
		uint32_t o = off + i;

		if (!d->emul[o]) {
			if (dev_cfg_write(d, o, &v[i], 1) < 0)
				pt_warn(d, "guest config write at 0x%x lost", o);
			continue;
		}
		if (d->msi_cap && o >= d->msi_cap + 2u && o < d->msi_cap + 24u) {
			if (o == d->msi_cap + 2u) /* control: MME and enable are the guest's */
				d->cfg[o] = (uint8_t)((d->cfg[o] & 0x8e) | (v[i] & 0x71));
			else if (o != d->msi_cap + 3u)
				d->cfg[o] = v[i];
			msi = true;
		} else if (d->msix && (o == d->msix->cap + 2u || o == d->msix->cap + 3u)) {
			if (o == d->msix->cap + 3u) /* enable and function mask are the guest's */
				d->cfg[o] = (uint8_t)((d->cfg[o] & 0x07) | (v[i] & 0xc0));
			msix = true;
		} else if (o == 0x3c) {
			d->cfg[o] = v[i]; /* interrupt line: the guest's note to itself */
		}
	}
	if (msix) {
		uint16_t ctrl;

		memcpy(&ctrl, d->cfg + d->msix->cap + 2, 2);
		pt_msix_control(d, ctrl);
	}
	if (off <= 0x04 && off + len > 0x04) { /* command: follow memory/IO decode */
		uint16_t cmd;

		if (dev_cfg_read(d, 0x04, &cmd, 2) < 0) {
			pt_warn(d, "command register unreadable: BAR decoding unchanged");
		} else {
			bars_map_all(d, false, cmd & CMD_MEM);
			bars_map_all(d, true, cmd & CMD_IO);
		}
	}
	if (msi) {
		pthread_mutex_lock(&d->lock);
		msi_update(d);
		pthread_mutex_unlock(&d->lock);
	}
}

static const struct pci_func_ops pt_ops = { cfg_read, cfg_write };

/* Rebuilds the capability chain with only the capabilities ptvm shows. */
static int caps_init(struct pt_dev *d)
{
	uint8_t status, ptr, last = 0x34, guard = 0;
	int r;

	emulate(d, 0x34, 1);
	d->cfg[0x34] = 0;
	CFG_READ_OR_FAIL(d, 0x06, &status, 1);
	if (!(status & 0x10))
		return 0;
	CFG_READ_OR_FAIL(d, 0x34, &ptr, 1);
	while (ptr >= 0x40 && ptr < 0xff && guard++ < 48) {
		uint8_t hdr[2];

		ptr &= 0xfc;
		CFG_READ_OR_FAIL(d, ptr, hdr, 2);
		if (hdr[0] == CAP_PM || hdr[0] == CAP_MSI || hdr[0] == CAP_EXP ||
		    (hdr[0] == CAP_MSIX && !d->msix && ptr <= 256 - 12)) {
			d->cfg[last] = ptr; /* link the previous shown capability to this one */
			emulate(d, ptr + 1u, 1);
			d->cfg[ptr + 1] = 0;
			last = (uint8_t)(ptr + 1);
			if (hdr[0] == CAP_MSI && !d->msi_cap && ptr <= 256 - 24) {
				uint16_t ctrl;

				d->msi_cap = ptr;
				CFG_READ_OR_FAIL(d, ptr + 2u, &ctrl, 2);
				ctrl &= (uint16_t)~(MSI_CTRL_PVM | MSI_CTRL_ENABLE | 0x70);
				memcpy(d->cfg + ptr + 2, &ctrl, 2);
				emulate(d, ptr + 2u, 22); /* control, address, data, masks */
				memset(d->cfg + ptr + 4, 0, 20);
			}
			if (hdr[0] == CAP_MSIX) {
				uint16_t ctrl;
				uint32_t tab, pba;

				CFG_READ_OR_FAIL(d, ptr + 2u, &ctrl, 2);
				CFG_READ_OR_FAIL(d, ptr + 4u, &tab, 4);
				CFG_READ_OR_FAIL(d, ptr + 8u, &pba, 4);
				if ((r = pt_msix_init(d, ptr, ctrl, tab, pba)) < 0) {
					pt_msix_free(d);
					return r;
				}
				/* The table and PBA always trap, even where VFIO would let them be
				 * mapped: the guest never reaches the physical table. */
				struct pt_msix *mx = d->msix;

				bar_exclude(&d->bars[mx->table_bar], mx->table_off,
					    mx->table_off + 16ull * mx->n);
				bar_exclude(&d->bars[mx->pba_bar], mx->pba_off,
					    mx->pba_off + (mx->n + 63ull) / 64 * 8);
				ctrl &= (uint16_t)~0xc000; /* disabled, unmasked at start */
				memcpy(d->cfg + ptr + 2, &ctrl, 2);
				emulate(d, ptr + 2u, 2);
			}
		}
		ptr = hdr[1];
	}
	return 0;
}

int pt_func_init(struct pt_dev *d)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	int r = sys_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	uint8_t pin;
	uint16_t cmd;

	if (r < 0)
		return err_ctx(r, "%s config space", d->name);
	d->cfg_off = ri.offset;
	for (int i = 0; i < PT_MAX_VECTORS; i++)
		d->msi_efd[i] = -1;
	if ((r = bars_init(d)) < 0)
		return r;
	log_step("%s: BARs mmapped and placed", d->name);
	emulate(d, 0x30, 4); /* expansion ROM: hidden */
	emulate(d, 0x3c, 1);
	pthread_mutex_init(&d->lock, NULL);
	if ((r = caps_init(d)) < 0)
		return r;
	d->func = (struct pci_func){ .ops = &pt_ops, .opaque = d, .name = d->name,
				     .slot = d->want_slot };
	if ((r = pci_add_func(d->vm->pci, &d->func)) < 0)
		return err_ctx(r, "%s", d->name);
	CFG_READ_OR_FAIL(d, 0x3d, &pin, 1);
	if ((r = intx_setup(d, pin)) < 0)
		return r;
	/* As firmware would: decode on, bus mastering off until the guest's driver asks. */
	CFG_READ_OR_FAIL(d, 0x04, &cmd, 2);
	cmd = (uint16_t)((cmd & ~0x4u) | CMD_MEM | (d->bars[0].io || d->bars[1].io ||
						    d->bars[2].io || d->bars[3].io ||
						    d->bars[4].io || d->bars[5].io ? CMD_IO : 0));
	if ((r = dev_cfg_write(d, 0x04, &cmd, 2)) < 0)
		return err_ctx(r, "%s: command register", d->name);
	bars_map_all(d, false, true);
	bars_map_all(d, true, cmd & CMD_IO);
	log_step("%s: guest PCI slot %u", d->name, d->func.slot);
	return 0;
}

void pt_func_teardown(struct pt_dev *d)
{
	msi_disable(d);
	pt_msix_free(d);
	pt_intx_disable(d);
	if (d->intx_efd >= 0)
		sys_close(d->intx_efd);
	if (d->intx_unmask_efd >= 0)
		sys_close(d->intx_unmask_efd);
	d->intx_efd = d->intx_unmask_efd = -1;
	for (int i = 0; i < 6; i++) {
		struct pt_bar *b = &d->bars[i];

		if (b->owner)
			bar_unmap(d, b);
		for (int k = 0; k < b->nmaps; k++)
			sys_munmap(b->map[k].base, b->map[k].size);
		b->nmaps = b->npieces = 0;
	}
}
