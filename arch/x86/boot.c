/* Loading what boots: a bzImage through the Linux x86 boot protocol's 64-bit entry (the
 * kernel is entered in long mode with an identity map of the low 4 GiB), or a flat payload
 * entered in 32-bit protected mode at 1 MiB. Both get the ACPI tables. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/pci.h"
#include "vmm/sys.h"
#include "vmm/util.h"

#define HDR_MAGIC 0x53726448u /* "HdrS" */
#define BOOT_FLAG 0xaa55u
#define MIN_PROTOCOL 0x020c   /* 2.12: xloadflags, 64-bit entry */

static uint32_t le32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint16_t le16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }

int bzimage_parse(const uint8_t *img, size_t hdr_len, size_t len, struct bzimage *bz)
{
	unsigned setup_sects;

	if (hdr_len > len || hdr_len < 0x1f1 + sizeof(struct setup_header) ||
	    le16(img + 0x1fe) != BOOT_FLAG || le32(img + 0x202) != HDR_MAGIC)
		return err_msg(EINVAL, "not a bzImage (no Linux boot header); a raw binary goes "
				       "with --payload");
	bz->version = le16(img + 0x206);
	if (bz->version < MIN_PROTOCOL)
		return err_msg(EINVAL, "boot protocol %u.%02u is too old; ptvm needs 2.12 "
				       "(Linux 3.8 or newer)", bz->version >> 8, bz->version & 0xff);
	if (!(le16(img + 0x236) & XLF_KERNEL_64))
		return err_msg(EINVAL, "this kernel has no 64-bit entry point (not an x86_64 "
				       "bzImage?)");
	setup_sects = img[0x1f1] ? img[0x1f1] : 4;
	bz->setup_bytes = (size_t)(setup_sects + 1) * 512;
	if (bz->setup_bytes >= len)
		return err_msg(EINVAL, "bzImage is truncated (setup of %zu bytes, file of %zu)",
			       bz->setup_bytes, len);
	bz->kernel_bytes = len - bz->setup_bytes;
	bz->init_size = le32(img + 0x260);
	bz->initrd_addr_max = le32(img + 0x22c);
	bz->cmdline_size = le32(img + 0x238);
	/* The header ends where its jump instruction at 0x200 lands. */
	bz->header_end = 0x202 + img[0x201];
	if (bz->header_end > 0x1f1 + sizeof(struct setup_header))
		bz->header_end = 0x1f1 + sizeof(struct setup_header);
	if (bz->init_size < bz->kernel_bytes)
		bz->init_size = (uint32_t)bz->kernel_bytes;
	return 0;
}

void bzimage_boot_params(struct boot_params *bp, const uint8_t *img, const struct bzimage *bz,
			 uint64_t cmdline, uint64_t initrd, uint64_t initrd_size, uint64_t rsdp)
{
	memset(bp, 0, sizeof(*bp));
	memcpy(&bp->hdr, img + 0x1f1, bz->header_end - 0x1f1);
	bp->hdr.type_of_loader = 0xff; /* undefined loader */
	bp->hdr.loadflags |= CAN_USE_HEAP | LOADED_HIGH;
	bp->hdr.heap_end_ptr = 0xfe00;
	bp->hdr.cmd_line_ptr = (uint32_t)cmdline;
	bp->ext_cmd_line_ptr = (uint32_t)(cmdline >> 32);
	bp->hdr.ramdisk_image = (uint32_t)initrd;
	bp->hdr.ramdisk_size = (uint32_t)initrd_size;
	bp->ext_ramdisk_image = (uint32_t)(initrd >> 32);
	bp->ext_ramdisk_size = (uint32_t)(initrd_size >> 32);
	bp->acpi_rsdp_addr = rsdp;
}

/* Reads up to len bytes from the start of a file; returns the file's size in *size. */
static int read_head(int fd, const char *path, uint8_t *buf, size_t len, size_t *got,
		     uint64_t *size)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return err_msg(EINVAL, "kernel %s is not a regular file", path);
	*size = (uint64_t)st.st_size;
	n = sys_pread(fd, buf, len, 0);
	if (n < 0)
		return err_ctx((int)n, "read kernel %s", path);
	*got = (size_t)n;
	return 0;
}

/* Reads [off, off+len) of a file into guest memory at dst. */
static int read_into(int fd, const char *path, uint8_t *dst, uint64_t off, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		ssize_t n = sys_pread(fd, dst + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return n < 0 ? err_ctx((int)n, "read %s", path)
				     : err_msg(EIO, "%s shrank while being read", path);
		done += (uint64_t)n;
	}
	return 0;
}

/* Reads a whole file into guest memory at gpa, checking that it fits below limit. */
/* Reads a whole file into guest RAM within [lo, hi): at lo, or (at_top) as high as it fits,
 * page aligned. One open decides both the size and the place. */
static int load_file(struct vm *vm, const char *what, const char *path, uint64_t lo,
		     uint64_t hi, bool at_top, uint64_t *gpa_out, uint64_t *size)
{
	struct stat st;
	uint8_t *dst;
	uint64_t gpa = lo;
	int fd = sys_open(path, O_RDONLY), r = 0;

	if (fd < 0)
		return err_ctx(fd, "%s", what);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		r = err_msg(EINVAL, "%s %s is not a regular file", what, path);
		goto out;
	}
	*size = (uint64_t)st.st_size;
	if (at_top && hi > lo && *size <= hi - lo)
		gpa = (hi - *size) & ~0xfffull;
	if (gpa < lo || gpa > hi || *size > hi - gpa || !(dst = gpa_to_hva(vm, gpa, *size))) {
		char a[32], b[32];

		r = err_msg(ENOSPC, "%s %s (%s) does not fit in guest RAM (%s free there); give "
				    "more --memory", what, path, format_size(*size, a, sizeof(a)),
			    format_size(hi > lo ? hi - lo : 0, b, sizeof(b)));
		goto out;
	}
	r = read_into(fd, path, dst, 0, *size);
	*gpa_out = gpa;
out:
	sys_close(fd);
	return r;
}

/* Identity map of the low 4 GiB with 2 MiB pages, and a flat GDT. */
static int setup_long_mode_tables(struct vm *vm)
{
	uint64_t *pml4 = gpa_to_hva(vm, X86_PML4, 4096), *pdpt = gpa_to_hva(vm, X86_PML4 + 0x1000, 4096);
	uint64_t *pd = gpa_to_hva(vm, X86_PML4 + 0x2000, 4 * 4096);
	uint64_t *gdt = gpa_to_hva(vm, X86_GDT, 4 * 8);

	if (!pml4 || !pdpt || !pd || !gdt)
		return err_msg(ENOSPC, "guest RAM too small for the boot page tables");
	memset(pml4, 0, 6 * 4096);
	pml4[0] = (X86_PML4 + 0x1000) | 0x03; /* present, writable */
	for (uint64_t i = 0; i < 4; i++)
		pdpt[i] = (X86_PML4 + 0x2000 + i * 0x1000) | 0x03;
	for (uint64_t i = 0; i < 4 * 512; i++)
		pd[i] = (i << 21) | 0x83; /* present, writable, 2 MiB page */
	gdt[0] = 0;
	gdt[1] = 0;
	gdt[2] = 0x00af9b000000ffffull; /* 0x10: 64-bit code */
	gdt[3] = 0x00cf93000000ffffull; /* 0x18: data */
	return 0;
}

/* Only the header is read into ptvm's memory; the kernel goes straight into guest RAM. */
static int load_bzimage(struct vm *vm, struct x86_vm *x, uint64_t rsdp)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t low_end = vm->mem[0].size, initrd = 0, initrd_size = 0, kernel_end, file_size = 0;
	size_t cmdlen = strlen(cfg->cmdline), got = 0;
	static uint8_t hdr[BZIMAGE_HDR_READ];
	struct boot_params *bp;
	struct bzimage bz;
	uint8_t *dst;
	char *cl;
	int fd, r;

	fd = sys_open(cfg->kernel, O_RDONLY);
	if (fd < 0)
		return err_ctx(fd, "kernel");
	r = read_head(fd, cfg->kernel, hdr, sizeof(hdr), &got, &file_size);
	if (r == 0 && (r = bzimage_parse(hdr, got, (size_t)file_size, &bz)) < 0)
		err_ctx(r, "kernel %s", cfg->kernel);
	if (r < 0)
		goto out;
	kernel_end = X86_HIGH_MEMORY + bz.init_size;
	if (kernel_end > low_end || !(dst = gpa_to_hva(vm, X86_HIGH_MEMORY, bz.kernel_bytes))) {
		char a[32];

		r = err_msg(ENOSPC, "kernel %s needs %s of RAM to unpack; give more --memory",
			    cfg->kernel, format_size(kernel_end, a, sizeof(a)));
		goto out;
	}
	r = read_into(fd, cfg->kernel, dst, bz.setup_bytes, bz.kernel_bytes);
	if (r < 0)
		goto out;

	if (cmdlen >= bz.cmdline_size || cmdlen >= X86_CMDLINE_MAX) {
		r = err_msg(EINVAL, "--cmdline is %zu bytes; this kernel takes at most %u", cmdlen,
			    bz.cmdline_size ? bz.cmdline_size - 1 : 0);
		goto out;
	}
	cl = gpa_to_hva(vm, X86_CMDLINE, cmdlen + 1);
	memcpy(cl, cfg->cmdline, cmdlen + 1);

	if (cfg->initrd) {
		/* As high as the kernel allows, below the 3 GiB hole, page aligned. */
		uint64_t top = low_end;

		if (bz.initrd_addr_max && top > (uint64_t)bz.initrd_addr_max + 1)
			top = (uint64_t)bz.initrd_addr_max + 1;
		r = load_file(vm, "initrd", cfg->initrd, kernel_end, top, true, &initrd,
			      &initrd_size);
		if (r < 0)
			goto out;
	}

	bp = gpa_to_hva(vm, X86_BOOT_PARAMS, sizeof(*bp));
	bzimage_boot_params(bp, hdr, &bz, X86_CMDLINE, initrd, initrd_size, rsdp);
	r = x86_e820(vm->mem, vm->nmem, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (r < 0)
		goto out;
	bp->e820_entries = (uint8_t)r;
	r = setup_long_mode_tables(vm);
	x->entry = X86_HIGH_MEMORY + 0x200; /* startup_64 */
out:
	sys_close(fd);
	return r;
}

int arch_load(struct vm *vm)
{
	struct x86_vm *x = vm->arch;
	uint8_t *acpi = gpa_to_hva(vm, X86_ACPI, X86_ACPI_SIZE);
	uint64_t gpa, size;
	int r;

	if (!acpi)
		return err_msg(ENOSPC, "guest RAM too small for the firmware tables");
	struct x86_acpi_info info = {
		.ncpus = vm->cfg->cpus, .ecam = X86_ECAM,
		.mmio32_base = X86_MMIO32_BASE, .mmio32_size = X86_MMIO32_SIZE,
		.mmio64_base = vm->pci ? vm->pci->mmio64.base : 0,
		.mmio64_size = vm->pci ? vm->pci->mmio64.size : 0,
	};

	r = acpi_build(acpi, X86_ACPI_SIZE, X86_ACPI, &info);
	if (r < 0)
		return err_msg(r, "cannot build ACPI tables for %d vCPUs", vm->cfg->cpus);
	if (vm->cfg->kernel)
		return load_bzimage(vm, x, X86_ACPI);
	x->payload = true;
	x->entry = X86_HIGH_MEMORY;
	return load_file(vm, "payload", vm->cfg->payload, X86_HIGH_MEMORY, vm->mem[0].size, false,
			 &gpa, &size);
}
