/* An assigned function's BARs: their registers as the guest sees them (ptvm places them as
 * firmware would; sizing works), and their mappings. A BAR VFIO lets ptvm mmap becomes
 * KVM memslots (no exits); the whole BAR is also a trapped range beneath them, so what no
 * memslot covers (the MSI-X table and PBA, I/O BARs, what VFIO will not map) is forwarded
 * to the device's region, or emulated. A BAR is mapped only while the function decodes
 * it (command register, power state D0) and only where the guest's PCI windows are: a
 * BAR being sized, or put over RAM or the interrupt controllers, decodes nowhere. */
#include <string.h>
#include <sys/mman.h>

#include "passthrough/passthrough.h"
#include "vmm/log.h"
#include "vmm/sys.h"

static int index_of(const struct pt_bar *b)
{
	return (int)(b - b->owner->bars);
}

static void bar_trap(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pt_bar *b = opaque;

	if (pt_msix_access(b->owner, index_of(b), off, data, len, write))
		return;
	if (write) {
		if (sys_pwrite(b->owner->fd, data, len, (off_t)(b->region_off + off)) < 0)
			pt_warn(b->owner, "guest write to BAR %d at 0x%llx lost", index_of(b),
				(unsigned long long)off);
	} else if (sys_pread(b->owner->fd, data, len, (off_t)(b->region_off + off)) != (ssize_t)len) {
		memset(data, 0xff, len);
		pt_warn(b->owner, "guest read of BAR %d at 0x%llx reads as all ones", index_of(b),
			(unsigned long long)off);
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
	b->mapped_gpa = 0;
}

static bool bar_mapped(const struct pt_bar *b)
{
	return b->mapped_gpa != 0;
}

static void bar_map(struct pt_dev *d, struct pt_bar *b)
{
	bar_unmap(d, b);
	if (!b->gpa || !pci_bar_fits(d->vm->pci, b->io, b->gpa, b->size))
		return;
	for (int i = 0; i < b->npieces; i++) {
		int r = vm_map_memory(d->vm, b->gpa + b->piece[i].off, b->piece[i].size,
				      b->piece[i].hva);

		b->piece[i].slot = r >= 0 ? r : -1;
		if (r < 0)
			pt_warn(d, "BAR %d: accesses at 0x%llx trap instead (slower)", index_of(b),
				(unsigned long long)(b->gpa + b->piece[i].off));
	}
	b->trapped = !bus_add(b->io ? &d->vm->pio : &d->vm->mmio, b->gpa, b->size, bar_trap, b,
			      d->name);
	b->mapped_gpa = b->gpa;
}

void pt_bar_exclude(struct pt_bar *b, uint64_t start, uint64_t end)
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

/* Whether the function decodes b now (it may have moved: a register write). */
static bool decoding(struct pt_dev *d, const struct pt_bar *b)
{
	uint16_t cmd, pmcsr = 0;

	if (pt_dev_cfg_read(d, 0x04, &cmd, 2) < 0) {
		pt_warn(d, "command register unreadable: BAR %d stays where it was", index_of(b));
		return bar_mapped(b);
	}
	if (d->cfg.pm_cap && pt_dev_cfg_read(d, d->cfg.pm_cap + 4u, &pmcsr, 2) < 0) {
		pt_warn(d, "power state unreadable: taken as D0");
		pmcsr = 0;
	}
	return (cmd & (b->io ? 0x1 : 0x2)) && !(pmcsr & 3);
}

static void bar_reg_write(struct pt_dev *d, int i, uint32_t v)
{
	bool high = i > 0 && d->bars[i - 1].is64 && d->bars[i - 1].size;
	struct pt_bar *b = &d->bars[high ? i - 1 : i];
	uint64_t mask;

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
	if (b->gpa != b->mapped_gpa && decoding(d, b))
		bar_map(d, b);
}

static uint32_t bar_reg_read(struct pt_dev *d, int i)
{
	if (i > 0 && d->bars[i - 1].is64 && d->bars[i - 1].size)
		return d->bars[i - 1].reg[1];
	return d->bars[i].size ? d->bars[i].reg[0] : 0;
}

void pt_bars_cfg_after(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	for (int i = 0; i < 6; i++) {
		uint32_t reg = 0x10 + 4u * (uint32_t)i;

		if (len && off < reg + 4 && off + len > reg)
			bar_reg_write(d, i, pt_vcfg_get(d, reg, 4));
	}
	for (int i = 0; i < 6; i++) /* what the guest reads back: the masked value */
		pt_vcfg_set(d, 0x10 + 4u * (uint32_t)i, 4, bar_reg_read(d, i));
	(void)val;
}

int pt_bars_init(struct pt_dev *d)
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
		if ((r = pt_dev_cfg_read(d, 0x10 + 4 * (uint32_t)i, &reg, 4)) < 0)
			return err_ctx(r, "%s: BAR %d register", d->name, i);
		b->size = ri.size;
		b->region_off = ri.offset;
		b->io = reg & 1;
		b->is64 = !b->io && (reg & 0x6) == 0x4 && i < 5;
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

void pt_bars_update(struct pt_dev *d, uint16_t cmd, bool d0)
{
	for (int i = 0; i < 6; i++) {
		struct pt_bar *b = &d->bars[i];
		bool on = d0 && (cmd & (b->io ? 0x1 : 0x2));

		if (!b->size)
			continue;
		if (on && (!bar_mapped(b) || b->mapped_gpa != b->gpa))
			bar_map(d, b);
		else if (!on && bar_mapped(b))
			bar_unmap(d, b);
	}
}

void pt_bars_free(struct pt_dev *d)
{
	for (int i = 0; i < 6; i++) {
		struct pt_bar *b = &d->bars[i];

		if (b->owner)
			bar_unmap(d, b);
		for (int k = 0; k < b->nmaps; k++)
			sys_munmap(b->map[k].base, b->map[k].size);
		b->nmaps = b->npieces = 0;
	}
}
