/* Where guest RAM goes: [0, min(RAM, 3 GiB)) and the rest from 4 GiB up, leaving the
 * 3-4 GiB hole for 32-bit PCI MMIO, the IOAPIC, the LAPIC and KVM's private pages; and
 * around whatever the IOMMU reserves for the assigned devices (the x86 MSI window is in
 * the hole already). */
#include <errno.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/layout.h"

#define E820_RAM 1
#define E820_RESERVED 2

int arch_ram_layout(uint64_t ram_size, uint64_t align, const struct gpa_range *reserved,
		    int nreserved, struct mem_region *out, int max)
{
	static const struct gpa_range windows[] = {
		{ 0, X86_LOW_RAM_MAX - 1 },
		{ X86_HIGH_RAM, (1ull << X86_PHYS_BITS_MAX) - 1 },
	};
	int n = layout_board_ram(ram_size, align, windows, 2, reserved, nreserved, out, max,
				 "46 bits of guest-physical address");

	if (n < 0)
		return n;
	/* Boot data, the kernel and the EBDA live in low memory, from 0. */
	for (int i = 0; out[0].gpa != 0 && i < nreserved; i++)
		if (reserved[i].start < out[0].gpa)
			return err_msg(ERANGE, "the IOMMU reserves [0x%llx, 0x%llx] for an assigned "
					       "device, where an x86 guest's boot memory must be (RAM "
					       "from address 0)",
				       (unsigned long long)reserved[i].start,
				       (unsigned long long)reserved[i].last);
	return n;
}

int x86_e820(const struct mem_region *mem, int nmem, struct boot_e820_entry *out, int max)
{
	bool ecam = false; /* its entry is in, in address order among the RAM */
	int n = 0;

#define ADD(a, s, t)                                                                       \
	do {                                                                               \
		if (n == max)                                                              \
			return -ENOSPC;                                                    \
		out[n++] = (struct boot_e820_entry){ .addr = (a), .size = (s), .type = (t) }; \
	} while (0)
	for (int i = 0; i < nmem; i++) {
		uint64_t start = mem[i].gpa, end = mem[i].gpa + mem[i].size;

		/* Linux uses ECAM only where the firmware reserved it */
		if (!ecam && start > X86_ECAM) {
			ADD(X86_ECAM, X86_ECAM_SIZE, E820_RESERVED);
			ecam = true;
		}
		if (start == 0) {
			/* Conventional memory up to the EBDA; the BIOS area (ACPI tables) is
			 * reserved; then RAM from 1 MiB. */
			ADD(0, X86_EBDA, E820_RAM);
			ADD(X86_EBDA, 0xa0000 - X86_EBDA, E820_RESERVED);
			ADD(X86_ACPI, X86_HIGH_MEMORY - X86_ACPI, E820_RESERVED);
			start = X86_HIGH_MEMORY;
		}
		if (end > start)
			ADD(start, end - start, E820_RAM);
	}
	if (!ecam)
		ADD(X86_ECAM, X86_ECAM_SIZE, E820_RESERVED);
#undef ADD
	return n;
}

/* virtio-mmio devices: 4 KiB apart from X86_VIRTIO_MMIO, in the hole below the IOAPIC; each
 * on an ISA IRQ that no board device uses (the UART has 4, the SCI 9), edge-triggered. */
int arch_virtio_mmio_slot(int index, uint64_t *base, uint32_t *gsi)
{
	static const uint32_t gsis[] = { 5, 6, 7, 10 };

	if (index < 0 || index >= (int)(sizeof(gsis) / sizeof(gsis[0])))
		return -ENOSPC;
	*base = X86_VIRTIO_MMIO + (uint64_t)index * 0x1000;
	*gsi = gsis[index];
	return 0;
}
