/* The DSDT's AML, encoded by hand (the ACPI spec's opcodes; no compiler at build time):
 *   Name (\_S5, Package () { 5, 5, 0, 0 })
 *   Scope (\_SB) { Device (PCI0) { _HID PNP0A08, _CID PNP0A03, _SEG 0, _BBN 0, _UID 0,
 *       _CRS (bus 0, ports 0xcf8-0xcff, the I/O ranges around them, the 32-bit and 64-bit
 *       MMIO windows), _PRT (slot s, pin p -> GSI 16 + (s + p) % 8) }
 *     Device (VRn) { _HID "LNRO0005", _UID n, _CRS (registers, edge interrupt) } for each
 *       virtio-mmio device (Linux's virtio_mmio driver matches that ID) }
 * Linux scans PCI through this root bridge only: with ACPI on, no bridge means no PCI. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"

struct aml {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static void emit(struct aml *a, const void *data, size_t n)
{
	if (a->len + n > a->cap) {
		a->overflow = true;
		return;
	}
	memcpy(a->p + a->len, data, n);
	a->len += n;
}

static void byte(struct aml *a, uint8_t b) { emit(a, &b, 1); }

static void integer(struct aml *a, uint64_t v)
{
	if (v <= 1) {
		byte(a, (uint8_t)v); /* ZeroOp, OneOp */
	} else if (v <= 0xff) {
		byte(a, 0x0a);
		byte(a, (uint8_t)v);
	} else if (v <= 0xffff) {
		byte(a, 0x0b);
		emit(a, &v, 2);
	} else if (v <= 0xffffffffu) {
		byte(a, 0x0c);
		emit(a, &v, 4);
	} else {
		byte(a, 0x0e);
		emit(a, &v, 8);
	}
}

/* Opens a PkgLength-prefixed block: reserves 3 length bytes, returns where it starts. */
static size_t open_pkg(struct aml *a)
{
	size_t at = a->len;

	emit(a, "\0\0\0", 3);
	return at;
}

/* Closes it: the length includes its own bytes; shrink to the shortest encoding. */
static void close_pkg(struct aml *a, size_t at)
{
	size_t body, n, len;
	uint8_t enc[3];

	if (a->overflow)
		return;
	body = a->len - at - 3;
	n = body + 1 < 0x40 ? 1 : body + 2 < 0x1000 ? 2 : 3;
	len = body + n;
	if (n == 1) {
		enc[0] = (uint8_t)len;
	} else {
		enc[0] = (uint8_t)((n - 1) << 6 | (len & 0xf));
		enc[1] = (uint8_t)(len >> 4);
		enc[2] = (uint8_t)(len >> 12);
	}
	memmove(a->p + at + n, a->p + at + 3, body);
	memcpy(a->p + at, enc, n);
	a->len = at + n + body;
}

static void name(struct aml *a, const char *seg) /* NameOp + one 4-char NameSeg */
{
	byte(a, 0x08);
	emit(a, seg, 4);
}

/* Resource descriptors (ACPI 6.4.3 large items) */
static void word_space(struct aml *a, uint8_t type, uint8_t tflags, uint16_t min, uint16_t max)
{
	uint16_t f[5] = { 0, min, max, 0, (uint16_t)(max - min + 1) };

	emit(a, (uint8_t[]){ 0x88, 0x0d, 0x00, type, 0x0c, tflags }, 6);
	emit(a, f, sizeof(f));
}

static void dword_mem(struct aml *a, uint32_t min, uint32_t len)
{
	uint32_t f[5] = { 0, min, min + len - 1, 0, len };

	emit(a, (uint8_t[]){ 0x87, 0x17, 0x00, 0x00, 0x0c, 0x01 }, 6); /* read-write */
	emit(a, f, sizeof(f));
}

static void qword_mem(struct aml *a, uint64_t min, uint64_t len)
{
	uint64_t f[5] = { 0, min, min + len - 1, 0, len };

	emit(a, (uint8_t[]){ 0x8a, 0x2b, 0x00, 0x00, 0x0c, 0x01 }, 6);
	emit(a, f, sizeof(f));
}

static void crs(struct aml *a, const struct x86_acpi_info *info)
{
	size_t buf, sz_at;

	name(a, "_CRS");
	byte(a, 0x11); /* BufferOp */
	buf = open_pkg(a);
	byte(a, 0x0b); /* BufferSize as a WordConst, patched below */
	sz_at = a->len;
	emit(a, "\0\0", 2);
	word_space(a, 2, 0, 0, 0);                              /* bus numbers 0-0 */
	emit(a, (uint8_t[]){ 0x47, 0x01, 0xf8, 0x0c, 0xf8, 0x0c, 0x01, 0x08 }, 8); /* 0xcf8+8 */
	word_space(a, 1, 0x03, 0x0000, 0x0cf7);                 /* I/O below and above */
	word_space(a, 1, 0x03, 0x0d00, 0xffff);
	dword_mem(a, (uint32_t)info->mmio32_base, (uint32_t)info->mmio32_size);
	if (info->mmio64_size)
		qword_mem(a, info->mmio64_base, info->mmio64_size);
	emit(a, (uint8_t[]){ 0x79, 0x00 }, 2); /* end tag, no checksum */
	if (!a->overflow) {
		uint16_t sz = (uint16_t)(a->len - sz_at - 2);

		memcpy(a->p + sz_at, &sz, 2);
	}
	close_pkg(a, buf);
}

static void prt(struct aml *a)
{
	size_t pkg;

	name(a, "_PRT");
	byte(a, 0x12); /* PackageOp */
	pkg = open_pkg(a);
	byte(a, 31 * 4);
	for (int slot = 1; slot < 32; slot++)
		for (int pin = 0; pin < 4; pin++) {
			size_t e;

			byte(a, 0x12);
			e = open_pkg(a);
			byte(a, 4);
			integer(a, (uint64_t)slot << 16 | 0xffff); /* any function of the slot */
			integer(a, (uint64_t)pin);
			integer(a, 0); /* source: none, the next field is a GSI */
			integer(a, (uint64_t)x86_pci_intx_gsi(slot, pin));
			close_pkg(a, e);
		}
	close_pkg(a, pkg);
}

/* A virtio-mmio device: Memory32Fixed for its registers, an extended interrupt
 * descriptor (consumer, edge, active high, exclusive) for its GSI. */
static void virtio_mmio_device(struct aml *a, int n, const struct vm_virtio_mmio *v)
{
	size_t dev, buf;
	char seg[5];

	snprintf(seg, sizeof(seg), "VR%02d", n);
	emit(a, (uint8_t[]){ 0x5b, 0x82 }, 2); /* DeviceOp */
	dev = open_pkg(a);
	emit(a, seg, 4);
	name(a, "_HID");
	byte(a, 0x0d); /* StringPrefix */
	emit(a, "LNRO0005", 9);
	name(a, "_UID");
	integer(a, (uint64_t)n);
	name(a, "_CRS");
	byte(a, 0x11); /* BufferOp */
	buf = open_pkg(a);
	integer(a, 12 + 9 + 2);
	emit(a, (uint8_t[]){ 0x86, 0x09, 0x00, 0x01 }, 4); /* Memory32Fixed, read-write */
	emit(a, &(uint32_t){ (uint32_t)v->base }, 4);
	emit(a, &v->size, 4);
	emit(a, (uint8_t[]){ 0x89, 0x06, 0x00, 0x03, 0x01 }, 5); /* Interrupt, 1 GSI */
	emit(a, &v->gsi, 4);
	emit(a, (uint8_t[]){ 0x79, 0x00 }, 2);
	close_pkg(a, buf);
	close_pkg(a, dev);
}

int x86_pci_intx_gsi(int slot, int pin) { return 16 + (slot + pin) % 8; }
int arch_pci_intx_gsi(int slot, int pin) { return x86_pci_intx_gsi(slot, pin); }

int aml_dsdt_body(uint8_t *out, size_t cap, const struct x86_acpi_info *info)
{
	struct aml a = { .p = out, .cap = cap };
	size_t scope, dev, pkg;

	name(&a, "_S5_");
	byte(&a, 0x12);
	pkg = open_pkg(&a);
	byte(&a, 4);
	integer(&a, X86_SLP_TYP_S5);
	integer(&a, X86_SLP_TYP_S5);
	integer(&a, 0);
	integer(&a, 0);
	close_pkg(&a, pkg);

	byte(&a, 0x10); /* ScopeOp */
	scope = open_pkg(&a);
	emit(&a, "\\_SB_", 5);
	emit(&a, (uint8_t[]){ 0x5b, 0x82 }, 2); /* DeviceOp */
	dev = open_pkg(&a);
	emit(&a, "PCI0", 4);
	name(&a, "_HID");
	integer(&a, 0x080ad041); /* EISA ID PNP0A08 (PCI Express root bridge) */
	name(&a, "_CID");
	integer(&a, 0x030ad041); /* PNP0A03 (PCI root bridge) */
	name(&a, "_SEG");
	integer(&a, 0);
	name(&a, "_BBN");
	integer(&a, 0);
	name(&a, "_UID");
	integer(&a, 0);
	crs(&a, info);
	prt(&a);
	close_pkg(&a, dev);
	for (int i = 0; i < info->nvirtio; i++)
		virtio_mmio_device(&a, i, &info->virtio[i]);
	close_pkg(&a, scope);
	return a.overflow ? -ENOSPC : (int)a.len;
}
