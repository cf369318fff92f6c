/* x86_64 board: guest-physical layout, fixed addresses, and arch-internal interfaces. */
#ifndef PTVM_ARCH_X86_H
#define PTVM_ARCH_X86_H

#include <asm/bootparam.h>
#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/topology.h"
#include "vmm/vm.h"

/* Low guest memory, below 1 MiB */
#define X86_GDT          0x500ull
#define X86_BOOT_PARAMS  0x7000ull
#define X86_PML4         0x9000ull   /* + PDPT at 0xa000, 4 page directories 0xb000-0xefff */
#define X86_PVH_INFO     0x7000ull   /* PVH: hvm_start_info, its memory map, the initrd entry */
#define X86_PVH_MEMMAP   0x7100ull
#define X86_PVH_MEMMAP_MAX 64
#define X86_PVH_MODLIST  0x7800ull
#define X86_STACK        0x8ff0ull
#define X86_CMDLINE      0x20000ull
#define X86_CMDLINE_MAX  0x10000ull
#define X86_EBDA         0x9fc00ull
#define X86_ACPI         0xe0000ull  /* RSDP here (the BIOS area Linux scans), tables after */
#define X86_ACPI_SIZE    0x20000ull
#define X86_HIGH_MEMORY  0x100000ull /* bzImage's protected-mode kernel, or a payload */

/* The hole below 4 GiB: 32-bit PCI MMIO, IOAPIC, LAPIC, KVM's private pages */
#define X86_LOW_RAM_MAX  0xc0000000ull
#define X86_MMIO32_BASE  0xc0000000ull /* 512 MiB of 32-bit BARs */
#define X86_MMIO32_SIZE  0x20000000ull
#define X86_ECAM         0xe0000000ull /* PCI ECAM, bus 0 only: 1 MiB */
#define X86_ECAM_SIZE    0x100000ull
#define X86_MMIO64_MIN   0x1000000000ull /* 64-bit BARs from 64 GiB (or above RAM) */
#define X86_PHYS_BITS_MAX 46            /* the 64-bit window ends below 64 TiB */
#define X86_VIRTIO_MMIO  0xfea00000ull /* virtio-mmio devices, 4 KiB apart */
#define X86_IOAPIC       0xfec00000ull
#define X86_LAPIC        0xfee00000ull
#define X86_IDENTITY_MAP 0xfffbc000ull
#define X86_TSS          0xfffbd000ull
#define X86_HIGH_RAM     0x100000000ull

/* Board I/O ports */
#define X86_PORT_SERIAL  0x3f8
#define X86_IRQ_SERIAL   4
#define X86_PORT_ACPI_PM 0x600       /* PM1a event (4), PM1a control (2), reset (1) */
#define X86_PM1A_EVT     (X86_PORT_ACPI_PM + 0)
#define X86_PM1A_CNT     (X86_PORT_ACPI_PM + 4)
#define X86_RESET_REG    (X86_PORT_ACPI_PM + 6)
#define X86_PM_TIMER     (X86_PORT_ACPI_PM + 8) /* 32 bits at 3.579545 MHz, as ICH9's */
#define X86_PM_TIMER_HZ  3579545u
#define X86_RESET_VALUE  0x01
#define X86_SCI_IRQ      9
#define X86_SLP_TYP_S5   5

struct pc;

struct x86_vm {
	bool protected32;             /* entered in 32-bit protected mode (a payload, or PVH), not
					 in long mode (a bzImage) */
	uint64_t entry;               /* first instruction of the boot vCPU */
	uint32_t ebx;                 /* PVH: where hvm_start_info is */
	struct kvm_cpuid2 *cpuid;     /* what KVM supports, filtered per vCPU */
	bool tsc_deadline;            /* KVM emulates the LAPIC's TSC-deadline mode */
	bool amd;                     /* an AMD (or Hygon) CPU: KVM runs on SVM */
	struct pc *pc;                /* the board's built-in devices (pc.c) */
};

/* The ACPI PM1a block at X86_PORT_ACPI_PM (pm1.c): event status and enable, control,
 * and the reset register after them. */
#define X86_PM1_BLOCK  7
#define X86_PM1_PWRBTN 0x0100 /* PWRBTN_STS in the status, PWRBTN_EN in the enable */
struct x86_pm1 {
	uint16_t sts, en, cnt;
	uint8_t reset;
};
enum x86_pm1_action { X86_PM1_NONE, X86_PM1_POWEROFF, X86_PM1_RESET };
/* A guest access of LEN bytes at offset OFF of the block; says whether it asked to power
 * off (S5) or reset. */
enum x86_pm1_action x86_pm1_access(struct x86_pm1 *pm, uint64_t off, uint8_t *data,
				   uint32_t len, bool write);
/* The SCI's level: an enabled event is pending. */
bool x86_pm1_sci(const struct x86_pm1 *pm);
/* Presses the fixed power button: false (nothing changes) while the guest has not enabled
 * its event, as nothing would listen. */
bool x86_pm1_power_button(struct x86_pm1 *pm);

/* The ACPI PM timer's count NS nanoseconds after it read 0 (wrapping at 32 bits). */
uint32_t x86_pm_timer_ticks(uint64_t ns);

/* e820: the guest's memory map, derived from the RAM regions. */
int x86_e820(const struct mem_region *mem, int nmem, struct boot_e820_entry *out, int max);

/* A vCPU's initial APIC ID (also its KVM vCPU id): its thread, core and socket numbers
 * packed into fields just wide enough for the counts (the layout CPUID 0xb, 0x1f,
 * 0x80000008 and 0x8000001e describe). A topology of zeros: 1 socket of cores. */
static inline uint32_t x86_apic_id(const struct cpu_topology *t, int index)
{
	int s, c, th, tb, cb;

	if (!t->threads || !t->cores)
		return (uint32_t)index;
	topology_place(t, index, &s, &c, &th);
	tb = topology_bits(t->threads);
	cb = topology_bits(t->cores);
	return (uint32_t)s << (tb + cb) | (uint32_t)c << tb | (uint32_t)th;
}

/* Edits KVM's supported CPUID list C in place into what vCPU INDEX sees (the edits are
 * listed in cpuid.c); C must have room for X86_CPUID_ADDED more entries. */
#define X86_CPUID_ADDED 8
/* The vendor in leaf 0 is AMD's (or Hygon's): KVM runs on SVM. */
bool x86_cpuid_is_amd(struct kvm_cpuid2 *c);
void x86_guest_cpuid(struct kvm_cpuid2 *c, const struct cpu_topology *t, int index,
		     bool tsc_deadline);

struct x86_acpi_info {
	int ncpus;
	struct cpu_topology topology; /* the APIC IDs (x86_apic_id) */
	uint64_t ecam;
	uint64_t mmio32_base, mmio32_size, mmio64_base, mmio64_size;
	const struct vm_virtio_mmio *virtio; /* described as LNRO0005 devices */
	int nvirtio;
};

/* ACPI: RSDP, XSDT, FADT, DSDT (\_S5 and the PCI root bridge), MADT, MCFG, built into
 * buf, which the guest sees at gpa; the RSDP comes first. 0 or -errno. */
int acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct x86_acpi_info *info);
/* The DSDT's AML (without its header); returns its length or -ENOSPC. */
int aml_dsdt_body(uint8_t *out, size_t cap, const struct x86_acpi_info *info);
/* The GSI that INTx pin (0 = INTA) of a slot on bus 0 is routed to (the DSDT's _PRT). */
int x86_pci_intx_gsi(int slot, int pin);
/* The 64-bit MMIO window for this VM: from above RAM (64 GiB at the least) to the top of
 * the guest-physical address space the CPU offers. */
int x86_mmio64_window(struct vm *vm, uint64_t *base, uint64_t *size);
/* KVM_GET_SUPPORTED_CPUID, fetched once and kept in x->cpuid. */
int x86_supported_cpuid(struct vm *vm, struct x86_vm *x);

/* bzImage header facts needed to load it. */
struct bzimage {
	size_t setup_bytes;        /* boot sector + real-mode setup */
	size_t kernel_bytes;       /* the protected-mode kernel that follows */
	uint16_t version;
	uint32_t init_size;        /* memory the kernel needs from its load address */
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
	size_t header_end;         /* end of the setup header in the file */
};
/* hdr holds the file's first hdr_len bytes (BZIMAGE_HDR_READ is enough); file_len is the
 * file's size. */
#define BZIMAGE_HDR_READ 0x1000
int bzimage_parse(const uint8_t *hdr, size_t hdr_len, size_t file_len, struct bzimage *bz);
/* Fills boot_params from the image's header plus the loader's choices. */
void bzimage_boot_params(struct boot_params *bp, const uint8_t *img, const struct bzimage *bz,
			 uint64_t cmdline, uint64_t initrd, uint64_t initrd_size, uint64_t rsdp);

/* PVH boot (Xen's direct-boot ABI that Linux implements with CONFIG_PVH): the uncompressed
 * vmlinux is loaded by its ELF program headers and entered in 32-bit protected mode at the
 * address its XEN_ELFNOTE_PHYS32_ENTRY note gives, with EBX pointing at hvm_start_info.
 * Layouts as Xen's public header arch-x86/hvm/start_info.h defines them (version 1). */
#define PVH_START_MAGIC 0x336ec578u
#define PVH_NOTE_PHYS32_ENTRY 18
struct pvh_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};
struct pvh_module { uint64_t paddr, size, cmdline_paddr, reserved; };
struct pvh_memmap_entry { uint64_t addr, size; uint32_t type, reserved; };

#define ELF_MAX_SEGMENTS 16
struct elf_segment { uint64_t offset, filesz, paddr, memsz; };
struct elf_kernel {
	struct elf_segment seg[ELF_MAX_SEGMENTS];
	int nseg;
	uint64_t end;           /* the highest guest-physical byte any segment occupies, + 1 */
	struct { uint64_t offset, size; } note[ELF_MAX_SEGMENTS]; /* PT_NOTE, in the file */
	int nnote;
};
/* True when the file starts as an ELF image does. */
bool elf_is_elf(const uint8_t *head, size_t len);
/* The ELF header and program headers, from the file's first head_len bytes (the program
 * headers must be among them); file_len is the file's size. Checks class, byte order,
 * machine, type and that every segment lies within the file. 0 or -EINVAL with a message. */
int elf_kernel_parse(const uint8_t *head, size_t head_len, uint64_t file_len,
		     struct elf_kernel *k);
/* The PVH entry point from the contents of one PT_NOTE segment: 1 and *entry when the
 * note is there, 0 when not, -EINVAL for a malformed note list. */
int pvh_note_entry(const uint8_t *notes, size_t len, uint32_t *entry);

#endif
