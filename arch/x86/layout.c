/* Where guest RAM goes: [0, min(RAM, 3 GiB)) and the rest from 4 GiB up, leaving the
 * 3-4 GiB hole for 32-bit PCI MMIO, the IOAPIC, the LAPIC and KVM's private pages. */
#include <errno.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"

#define E820_RAM 1
#define E820_RESERVED 2

int arch_ram_layout(uint64_t ram_size, struct mem_region *out, int max)
{
	uint64_t low = ram_size < X86_LOW_RAM_MAX ? ram_size : X86_LOW_RAM_MAX;
	int n = 0;

	if (max < 2)
		return -EINVAL;
	out[n++] = (struct mem_region){ .gpa = 0, .size = low };
	if (ram_size > low)
		out[n++] = (struct mem_region){ .gpa = X86_HIGH_RAM, .size = ram_size - low };
	return n;
}

int x86_e820(const struct mem_region *mem, int nmem, struct boot_e820_entry *out, int max)
{
	int n = 0;

#define ADD(a, s, t)                                                                       \
	do {                                                                               \
		if (n == max)                                                              \
			return -ENOSPC;                                                    \
		out[n++] = (struct boot_e820_entry){ .addr = (a), .size = (s), .type = (t) }; \
	} while (0)
	for (int i = 0; i < nmem; i++) {
		uint64_t start = mem[i].gpa, end = mem[i].gpa + mem[i].size;

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
		if (mem[i].gpa == 0) /* Linux uses ECAM only where the firmware reserved it */
			ADD(X86_ECAM, X86_ECAM_SIZE, E820_RESERVED);
	}
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
