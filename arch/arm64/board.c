/* The arm64 board: guest RAM from address 0 around the device hole below 4 GiB and around
 * what the IOMMU reserves; a PL011 console, a PL061 whose line 3 is the power button
 * (gpio-keys, KEY_POWER), the generic ECAM PCI host (its I/O space through MMIO),
 * virtio-mmio slots; interrupt lines that are the vGIC's SPIs, MSIs that are writes to
 * the ITS. */
#include <errno.h>

#include "arch/arm64/arm64.h"
#include "vmm/arch.h"
#include "vmm/layout.h"
#include "vmm/pci.h"
#include "vmm/pl011.h"

const char arch_default_cmdline[] = "console=ttyAMA0";
const char arch_board_help[] =
	"The guest sees a PL011 UART on ttyAMA0 and a device tree (GICv3 with an ITS, PSCI,\n"
	"the architected timer, a generic ECAM PCI host, a power button: gpio-keys on a\n"
	"PL061); with --device virtio-console also hvc0 (boot with console=hvc0), which\n"
	"then takes the console's input.\n";

const char arch_kvm_hint[] =
	"boot the host kernel at EL2 (KVM needs the virtualisation extensions: firmware that "
	"enters Linux at EL2); inside a VM, give it EL2 (QEMU: -M virt,virtualization=on)";
const char arch_iommu_hint[] =
	"enable the SMMU in the firmware (ACPI IORT or the device tree) and build the kernel "
	"with ARM_SMMU_V3 (or ARM_SMMU); in QEMU use -M virt,iommu=smmuv3";

int arch_ram_layout(uint64_t ram_size, uint64_t align, const struct gpa_range *reserved,
		    int nreserved, struct mem_region *out, int max)
{
	static const struct gpa_range windows[] = {
		{ 0, ARM64_LOW_RAM_END - 1 },
		{ ARM64_HIGH_RAM, ARM64_MMIO64_BASE - 1 },
	};

	return layout_board_ram(ram_size, align, windows, 2, reserved, nreserved, out, max,
				"the 64-bit PCI window at 512 GiB");
}

int arch_create_devices(struct vm *vm)
{
	struct arm64_vm *a = vm->arch;
	int r;

	if ((r = pl011_create(vm, &vm->mmio, ARM64_UART, ARM64_SPI_UART)) < 0 ||
	    (r = pl061_create(vm, &vm->mmio, ARM64_GPIO, ARM64_SPI_GPIO, &a->gpio)) < 0 ||
	    (r = pci_host_create(vm, ARM64_ECAM, ARM64_MMIO32_BASE, ARM64_MMIO32_SIZE,
				 ARM64_MMIO64_BASE, ARM64_MMIO64_SIZE)) < 0)
		return r;
	return pci_host_map_io(vm, ARM64_PCI_IO);
}

/* A press: line 3 goes low, then high, and stays high (the button held down; the guest's
 * gpio-keys reports KEY_POWER on the edge). Whether the guest listens: it has unmasked
 * the line's interrupt, as gpio-keys does when it probes. */
int arch_power_button(struct vm *vm)
{
	struct arm64_vm *a = vm->arch;

	pl061_set_input(a->gpio, ARM64_GPIO_POWER, false);
	return pl061_set_input(a->gpio, ARM64_GPIO_POWER, true) ? 1 : 0;
}

/* GSI n is SPI n, for the SPIs the vGIC has; MSIs carry the function's requester ID,
 * which the ITS takes as the device ID (the device tree's msi-map is one to one). */
int arch_irq_base_routes(struct kvm_irq_routing_entry *out, int max, uint32_t *first_msi,
			 bool *devid)
{
	if (max < ARM64_SPIS)
		return -ENOSPC;
	for (uint32_t spi = 0; spi < ARM64_SPIS; spi++)
		out[spi] = (struct kvm_irq_routing_entry){
			.gsi = spi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = 0, .pin = spi } };
	*first_msi = ARM64_SPIS;
	*devid = true;
	return ARM64_SPIS;
}

uint32_t arch_irq_line(uint32_t line)
{
	/* KVM_IRQ_LINE on arm64 names the interrupt itself: its type and its INTID */
	return KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT | (32 + line);
}

bool arch_msi_address_ok(uint64_t addr)
{
	return addr == ARM64_GITS_TRANSLATER;
}

int arch_pci_intx_gsi(int slot, int pin)
{
	/* the device tree's interrupt-map: pin P of slot S on SPI INTX + (S + P) % 4 */
	return ARM64_SPI_INTX + (slot + pin) % 4;
}

int arch_virtio_mmio_slot(int index, uint64_t *base, uint32_t *gsi)
{
	if (index < 0 || index >= 4)
		return -ENOSPC;
	*base = ARM64_VIRTIO_MMIO + (uint64_t)index * 0x1000;
	*gsi = ARM64_SPI_VIRTIO + (uint32_t)index;
	return 0;
}
