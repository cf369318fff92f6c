/* Loading what boots: a bzImage through the Linux x86 boot protocol's 64-bit entry (the
 * kernel is entered in long mode with an identity map of the low 4 GiB), an uncompressed
 * vmlinux through its PVH entry (loaded by its ELF program headers, entered in 32-bit
 * protected mode with hvm_start_info), or a flat payload entered in 32-bit protected mode
 * at 1 MiB. All get the ACPI tables. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/loader.h"
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
		return err_msg(EINVAL, "neither a bzImage (no Linux boot header) nor an ELF "
				       "vmlinux; a raw binary goes with --payload");
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

/* The command line at X86_CMDLINE; max is what the kernel takes, terminator included. */
static int put_cmdline(struct vm *vm, uint64_t max)
{
	const char *cmdline = vm->cfg->cmdline;
	size_t len = strlen(cmdline);

	if (len >= max || len >= X86_CMDLINE_MAX)
		return err_msg(EINVAL, "--cmdline is %zu bytes; this kernel takes at most %llu", len,
			       (unsigned long long)(max ? max - 1 : 0));
	memcpy(gpa_to_hva(vm, X86_CMDLINE, len + 1), cmdline, len + 1);
	return 0;
}

/* The vmlinux's segments go straight from the file into guest RAM; only the headers and
 * notes pass through ptvm's memory. Nothing below 1 MiB is the kernel's (ptvm's tables and
 * the firmware area are there). */
/* Every segment of a PVH vmlinux in low RAM [1 MiB, low_end), as the loader puts them. */
static int pvh_segments_fit(const struct elf_kernel *k, uint64_t low_end)
{
	for (int i = 0; i < k->nseg; i++) {
		const struct elf_segment *s = &k->seg[i];
		char a[32];

		if (s->paddr < X86_HIGH_MEMORY)
			return err_msg(EINVAL, "segment %d at 0x%llx is below 1 MiB, where ptvm's "
					       "boot tables and the firmware area are", i,
				       (unsigned long long)s->paddr);
		if (s->paddr + s->memsz > low_end)
			return err_msg(ENOSPC, "segment %d [0x%llx, 0x%llx) is outside guest RAM "
					       "(low RAM ends at 0x%llx); the kernel needs %s: give "
					       "more --memory", i, (unsigned long long)s->paddr,
				       (unsigned long long)(s->paddr + s->memsz),
				       (unsigned long long)low_end, format_size(k->end, a, sizeof(a)));
	}
	return 0;
}

/* A bzImage's protected-mode kernel unpacks in place from 1 MiB: init_size of low RAM. */
static int bzimage_fits(const struct bzimage *bz, uint64_t low_end)
{
	uint64_t kernel_end = X86_HIGH_MEMORY + bz->init_size;
	char a[32];

	if (kernel_end > low_end)
		return err_msg(ENOSPC, "needs %s of RAM to unpack; give more --memory",
			       format_size(kernel_end, a, sizeof(a)));
	return 0;
}

static int load_pvh(struct vm *vm, struct x86_vm *x, int fd, const uint8_t *head, size_t got,
		    uint64_t file_size, uint64_t rsdp)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t low_end = vm->mem[0].size, initrd = 0, initrd_size = 0;
	struct boot_e820_entry e820[X86_PVH_MEMMAP_MAX];
	struct pvh_start_info *si = gpa_to_hva(vm, X86_PVH_INFO, sizeof(*si));
	struct pvh_memmap_entry *mm;
	struct elf_kernel k;
	uint32_t entry = 0;
	bool entry_loaded = false;
	int r, found = 0, n;

	if ((r = elf_kernel_parse(head, got, file_size, &k)) < 0)
		return r;
	for (int i = 0; i < k.nnote && !found; i++) {
		static uint8_t notes[65536];

		if (k.note[i].size > sizeof(notes))
			return err_msg(EINVAL, "an ELF note segment of %llu bytes (at most %zu)",
				       (unsigned long long)k.note[i].size, sizeof(notes));
		if ((r = loader_read_into(fd, cfg->kernel, notes, k.note[i].offset, k.note[i].size)) < 0 ||
		    (found = pvh_note_entry(notes, (size_t)k.note[i].size, &entry)) < 0)
			return r < 0 ? r : found;
	}
	if (!found)
		return err_msg(EINVAL, "no PVH entry point (the XEN_ELFNOTE_PHYS32_ENTRY note): "
				       "build the kernel with CONFIG_PVH=y, or boot its bzImage");
	if ((r = pvh_segments_fit(&k, low_end)) < 0)
		return r;
	for (int i = 0; i < k.nseg; i++) {
		const struct elf_segment *s = &k.seg[i];
		uint8_t *dst = gpa_to_hva(vm, s->paddr, s->memsz);

		if (!dst)
			return err_msg(ENOSPC, "segment %d [0x%llx, 0x%llx) is outside guest RAM",
				       i, (unsigned long long)s->paddr,
				       (unsigned long long)(s->paddr + s->memsz));
		if ((r = loader_read_into(fd, cfg->kernel, dst, s->offset, s->filesz)) < 0)
			return r;
		memset(dst + s->filesz, 0, s->memsz - s->filesz);
		if (entry >= s->paddr && entry - s->paddr < s->filesz)
			entry_loaded = true;
	}
	if (!entry_loaded)
		return err_msg(EINVAL, "the PVH entry point 0x%x is in no loaded segment", entry);
	if ((r = put_cmdline(vm, X86_CMDLINE_MAX)) < 0)
		return r;
	if (cfg->initrd) {
		/* As high as possible below 2 GiB (Linux's initrd limit) and the 3 GiB hole. */
		uint64_t top = low_end < 0x80000000ull ? low_end : 0x80000000ull;
		struct pvh_module *mod = gpa_to_hva(vm, X86_PVH_MODLIST, sizeof(*mod));

		r = loader_load_file(vm, "initrd", cfg->initrd, (k.end + 0xfff) & ~0xfffull, top, true,
			      &initrd, &initrd_size);
		if (r < 0)
			return r;
		*mod = (struct pvh_module){ .paddr = initrd, .size = initrd_size };
	}
	n = x86_e820(vm->mem, vm->nmem, e820, X86_PVH_MEMMAP_MAX);
	if (n < 0)
		return n;
	mm = gpa_to_hva(vm, X86_PVH_MEMMAP, (uint64_t)n * sizeof(*mm));
	for (int i = 0; i < n; i++)
		mm[i] = (struct pvh_memmap_entry){ .addr = e820[i].addr, .size = e820[i].size,
						   .type = e820[i].type };
	*si = (struct pvh_start_info){
		.magic = PVH_START_MAGIC, .version = 1, .nr_modules = cfg->initrd ? 1 : 0,
		.modlist_paddr = cfg->initrd ? X86_PVH_MODLIST : 0, .cmdline_paddr = X86_CMDLINE,
		.rsdp_paddr = rsdp, .memmap_paddr = X86_PVH_MEMMAP, .memmap_entries = (uint32_t)n,
	};
	x->protected32 = true;
	x->entry = entry;
	x->ebx = (uint32_t)X86_PVH_INFO;
	return 0;
}

/* Only the header is read into ptvm's memory; the kernel goes straight into guest RAM. */
static int load_bzimage(struct vm *vm, struct x86_vm *x, int fd, const uint8_t *hdr,
			size_t got, uint64_t file_size, uint64_t rsdp)
{
	const struct vm_config *cfg = vm->cfg;
	uint64_t low_end = vm->mem[0].size, initrd = 0, initrd_size = 0, kernel_end;
	struct boot_params *bp;
	struct bzimage bz;
	uint8_t *dst;
	int r;

	if ((r = bzimage_parse(hdr, got, (size_t)file_size, &bz)) < 0)
		return r;
	kernel_end = X86_HIGH_MEMORY + bz.init_size;
	if ((r = bzimage_fits(&bz, low_end)) < 0)
		return r;
	if (!(dst = gpa_to_hva(vm, X86_HIGH_MEMORY, bz.kernel_bytes)))
		return err_msg(ENOSPC, "the kernel is outside guest RAM");
	r = loader_read_into(fd, cfg->kernel, dst, bz.setup_bytes, bz.kernel_bytes);
	if (r < 0)
		return r;

	if ((r = put_cmdline(vm, bz.cmdline_size)) < 0)
		return r;

	if (cfg->initrd) {
		/* As high as the kernel allows, below the 3 GiB hole, page aligned. */
		uint64_t top = low_end;

		if (bz.initrd_addr_max && top > (uint64_t)bz.initrd_addr_max + 1)
			top = (uint64_t)bz.initrd_addr_max + 1;
		r = loader_load_file(vm, "initrd", cfg->initrd, kernel_end, top, true, &initrd,
			      &initrd_size);
		if (r < 0)
			return r;
	}

	bp = gpa_to_hva(vm, X86_BOOT_PARAMS, sizeof(*bp));
	bzimage_boot_params(bp, hdr, &bz, X86_CMDLINE, initrd, initrd_size, rsdp);
	r = x86_e820(vm->mem, vm->nmem, bp->e820_table, E820_MAX_ENTRIES_ZEROPAGE);
	if (r < 0)
		return r;
	bp->e820_entries = (uint8_t)r;
	x->entry = X86_HIGH_MEMORY + 0x200; /* startup_64 */
	return setup_long_mode_tables(vm);
}

/* An arm64 Image says so at offset 0x38 ("ARM\x64"). */
static bool is_arm64_image(const uint8_t *head, size_t len)
{
	return len >= 0x40 && !memcmp(head + 0x38, "ARM\x64", 4);
}

int arch_check_kernel(const struct vm_config *cfg)
{
	static uint8_t head[BZIMAGE_HDR_READ];
	struct mem_region mem[VM_MAX_MEM];
	const char *path = cfg->kernel ? cfg->kernel : cfg->payload;
	uint64_t file_size = 0;
	size_t got = 0;
	int fd, r, n;

	if (!path)
		return 0;
	/* low RAM as laid out with nothing reserved (the IOMMU can only take more of it;
	 * arch_load checks again once the layout is final) */
	n = arch_ram_layout(cfg->memory, 2u << 20, NULL, 0, mem, VM_MAX_MEM);
	if (n < 0)
		return n;
	if ((fd = sys_open(path, O_RDONLY)) < 0)
		return err_ctx(fd, "%s %s", cfg->kernel ? "kernel" : "payload", path);
	r = loader_read_head(fd, path, head, sizeof(head), &got, &file_size);
	sys_close(fd);
	if (r < 0)
		return r;
	if (!cfg->kernel) {
		if (X86_HIGH_MEMORY + file_size > mem[0].size)
			r = err_msg(ENOSPC, "%llu bytes from 1 MiB do not fit in guest RAM; give more "
					    "--memory", (unsigned long long)file_size);
		return r < 0 ? err_ctx(r, "payload %s", path) : 0;
	}
	if (is_arm64_image(head, got)) {
		r = err_msg(EINVAL, "an arm64 Image; this ptvm runs x86_64 guests");
	} else if (elf_is_elf(head, got)) {
		struct elf_kernel k;

		if ((r = elf_kernel_parse(head, got, file_size, &k)) == 0)
			r = pvh_segments_fit(&k, mem[0].size);
	} else {
		struct bzimage bz;

		if ((r = bzimage_parse(head, got, (size_t)file_size, &bz)) == 0)
			r = bzimage_fits(&bz, mem[0].size);
	}
	return r < 0 ? err_ctx(r, "kernel %s", path) : 0;
}

/* --kernel: a bzImage or an ELF vmlinux, told apart by the file's first bytes. Errors name
 * the file; all of them come before any vCPU exists. */
static int load_kernel(struct vm *vm, struct x86_vm *x, uint64_t rsdp)
{
	const char *path = vm->cfg->kernel;
	static uint8_t head[BZIMAGE_HDR_READ];
	uint64_t file_size = 0;
	size_t got = 0;
	int fd = sys_open(path, O_RDONLY), r;

	if (fd < 0)
		return err_ctx(fd, "kernel");
	r = loader_read_head(fd, path, head, sizeof(head), &got, &file_size);
	if (r == 0 && is_arm64_image(head, got))
		r = err_msg(EINVAL, "an arm64 Image; this ptvm runs x86_64 guests");
	else if (r == 0 && elf_is_elf(head, got))
		r = load_pvh(vm, x, fd, head, got, file_size, rsdp);
	else if (r == 0)
		r = load_bzimage(vm, x, fd, head, got, file_size, rsdp);
	sys_close(fd);
	return r < 0 ? err_ctx(r, "kernel %s", path) : 0;
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
		.ncpus = vm->cfg->cpus, .topology = vm->cfg->topology, .ecam = X86_ECAM,
		.mmio32_base = X86_MMIO32_BASE, .mmio32_size = X86_MMIO32_SIZE,
		.mmio64_base = vm->pci ? vm->pci->mmio64.base : 0,
		.mmio64_size = vm->pci ? vm->pci->mmio64.size : 0,
		.virtio = vm->virtio_mmio, .nvirtio = vm->nvirtio_mmio,
	};

	r = acpi_build(acpi, X86_ACPI_SIZE, X86_ACPI, &info);
	if (r < 0)
		return err_msg(r, "cannot build ACPI tables for %d vCPUs", vm->cfg->cpus);
	if (vm->cfg->kernel)
		return load_kernel(vm, x, X86_ACPI);
	x->protected32 = true;
	x->entry = X86_HIGH_MEMORY;
	return loader_load_file(vm, "payload", vm->cfg->payload, X86_HIGH_MEMORY, vm->mem[0].size, false,
			 &gpa, &size);
}
