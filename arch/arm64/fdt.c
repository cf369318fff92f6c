/* The guest's device tree on arm64: memory, CPUs started through PSCI, the GICv3 with its
 * ITS, the architected timer, a PL011 console, and the generic ECAM PCI host whose MSIs go
 * to the ITS (msi-map: device ID = requester ID) and whose INTx go to four SPIs. Written
 * with libfdt's sequential writer; the bindings are Linux's (Documentation/devicetree). */
#include <errno.h>
#include <libfdt.h>
#include <stdio.h>
#include <string.h>

#include "arch/arm64/fdt.h"
#include "vmm/err.h"

#define PH_GIC 1
#define PH_ITS 2
#define PH_CLK 3
#define PH_GPIO 4
#define PH_CPU 0x100 /* + the vCPU's index */

#define GIC_SPI 0
#define GIC_PPI 1
#define IRQ_EDGE_RISING 1
#define IRQ_LEVEL_HIGH 4

/* A libfdt call failed: out of room (the only failure the sequential writer has for a
 * well-formed sequence). */
#define TRY(call)                                                                          \
	do {                                                                               \
		int r_ = (call);                                                           \
		if (r_ < 0)                                                                \
			return r_ == -FDT_ERR_NOSPACE ? -ENOSPC : -EINVAL;                 \
	} while (0)

static int prop_cells(void *fdt, const char *name, const uint32_t *cells, int n)
{
	fdt32_t be[1536];

	if (n > 1536)
		return -FDT_ERR_BADVALUE;
	for (int i = 0; i < n; i++)
		be[i] = cpu_to_fdt32(cells[i]);
	return fdt_property(fdt, name, be, n * (int)sizeof(be[0]));
}

/* reg = <base size> with two cells each */
static int prop_reg(void *fdt, const struct arm64_fdt_range *r, int n)
{
	uint32_t c[4 * ARM64_FDT_MAX_MEM];

	for (int i = 0; i < n; i++) {
		c[4 * i] = (uint32_t)(r[i].base >> 32);
		c[4 * i + 1] = (uint32_t)r[i].base;
		c[4 * i + 2] = (uint32_t)(r[i].size >> 32);
		c[4 * i + 3] = (uint32_t)r[i].size;
	}
	return prop_cells(fdt, "reg", c, 4 * n);
}

static int begin_at(void *fdt, const char *name, uint64_t addr)
{
	char node[64];

	snprintf(node, sizeof(node), "%s@%llx", name, (unsigned long long)addr);
	return fdt_begin_node(fdt, node);
}

/* The topology as Linux reads it (Documentation/devicetree/bindings/cpu/cpu-topology.txt,
 * drivers/base/arch_topology.c): socketN / cluster0 / coreN [/ threadN], each leaf naming
 * its CPU; one cluster per socket, as ptvm's topology has no clusters. */
static int write_cpu_map(void *fdt, const struct cpu_topology *t)
{
	char name[24];
	int cpu = 0;

	TRY(fdt_begin_node(fdt, "cpu-map"));
	for (int s = 0; s < t->sockets; s++) {
		snprintf(name, sizeof(name), "socket%d", s);
		TRY(fdt_begin_node(fdt, name));
		TRY(fdt_begin_node(fdt, "cluster0"));
		for (int c = 0; c < t->cores; c++) {
			snprintf(name, sizeof(name), "core%d", c);
			TRY(fdt_begin_node(fdt, name));
			if (t->threads == 1) {
				TRY(fdt_property_u32(fdt, "cpu", PH_CPU + (uint32_t)cpu++));
			} else {
				for (int th = 0; th < t->threads; th++) {
					snprintf(name, sizeof(name), "thread%d", th);
					TRY(fdt_begin_node(fdt, name));
					TRY(fdt_property_u32(fdt, "cpu", PH_CPU + (uint32_t)cpu++));
					TRY(fdt_end_node(fdt));
				}
			}
			TRY(fdt_end_node(fdt));
		}
		TRY(fdt_end_node(fdt));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));
	return 0;
}

static int write_cpus(void *fdt, const struct arm64_board *b)
{
	TRY(fdt_begin_node(fdt, "cpus"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 0));
	for (int i = 0; i < b->ncpus; i++) {
		uint32_t reg[2] = { (uint32_t)(b->mpidr[i] >> 32), (uint32_t)b->mpidr[i] };

		TRY(begin_at(fdt, "cpu", b->mpidr[i]));
		TRY(fdt_property_string(fdt, "device_type", "cpu"));
		TRY(fdt_property_string(fdt, "compatible", "arm,arm-v8"));
		TRY(fdt_property_string(fdt, "enable-method", "psci"));
		TRY(prop_cells(fdt, "reg", reg, 2));
		TRY(fdt_property_u32(fdt, "phandle", PH_CPU + (uint32_t)i));
		TRY(fdt_end_node(fdt));
	}
	TRY(write_cpu_map(fdt, &b->topology));
	TRY(fdt_end_node(fdt));
	return 0;
}

static int write_gic(void *fdt, const struct arm64_board *b)
{
	struct arm64_fdt_range reg[2] = { b->gicd, b->gicr };

	TRY(begin_at(fdt, "intc", b->gicd.base));
	TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3"));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 3));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property(fdt, "ranges", NULL, 0));
	TRY(prop_reg(fdt, reg, 2));
	TRY(fdt_property_u32(fdt, "phandle", PH_GIC));
	if (b->its.size) {
		TRY(begin_at(fdt, "msi-controller", b->its.base));
		TRY(fdt_property_string(fdt, "compatible", "arm,gic-v3-its"));
		TRY(fdt_property(fdt, "msi-controller", NULL, 0));
		TRY(fdt_property_u32(fdt, "#msi-cells", 1));
		TRY(prop_reg(fdt, &b->its, 1));
		TRY(fdt_property_u32(fdt, "phandle", PH_ITS));
		TRY(fdt_end_node(fdt));
	}
	TRY(fdt_end_node(fdt));
	return 0;
}

static int write_timer_psci_clock(void *fdt, const struct arm64_board *b)
{
	uint32_t irqs[12];
	static const char psci[] = "arm,psci-1.0\0arm,psci-0.2";

	for (int i = 0; i < 4; i++) {
		irqs[3 * i] = GIC_PPI;
		irqs[3 * i + 1] = b->timer_ppi[i];
		irqs[3 * i + 2] = IRQ_LEVEL_HIGH;
	}
	TRY(fdt_begin_node(fdt, "timer"));
	TRY(fdt_property_string(fdt, "compatible", "arm,armv8-timer"));
	TRY(prop_cells(fdt, "interrupts", irqs, 12));
	TRY(fdt_property(fdt, "always-on", NULL, 0));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "psci"));
	TRY(fdt_property(fdt, "compatible", psci, sizeof(psci)));
	TRY(fdt_property_string(fdt, "method", "hvc"));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "apb-pclk"));
	TRY(fdt_property_string(fdt, "compatible", "fixed-clock"));
	TRY(fdt_property_u32(fdt, "#clock-cells", 0));
	TRY(fdt_property_u32(fdt, "clock-frequency", b->uart_clock_hz));
	TRY(fdt_property_string(fdt, "clock-output-names", "clk24mhz"));
	TRY(fdt_property_u32(fdt, "phandle", PH_CLK));
	TRY(fdt_end_node(fdt));
	return 0;
}

static int write_uart(void *fdt, const struct arm64_board *b)
{
	static const char compat[] = "arm,pl011\0arm,primecell";
	static const char clocks[] = "uartclk\0apb_pclk";
	uint32_t irq[3] = { GIC_SPI, b->uart_spi, IRQ_LEVEL_HIGH }, clk[2] = { PH_CLK, PH_CLK };

	TRY(begin_at(fdt, "pl011", b->uart.base));
	TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	TRY(prop_reg(fdt, &b->uart, 1));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(prop_cells(fdt, "clocks", clk, 2));
	TRY(fdt_property(fdt, "clock-names", clocks, sizeof(clocks)));
	TRY(fdt_end_node(fdt));
	return 0;
}

/* The PL061 and, on its power line, a gpio-keys power button (KEY_POWER, 116): what
 * Linux's gpio-pl061 and gpio-keys drivers bind to; the button is active high. */
static int write_gpio(void *fdt, const struct arm64_board *b)
{
	static const char compat[] = "arm,pl061\0arm,primecell";
	uint32_t irq[3] = { GIC_SPI, b->gpio_spi, IRQ_LEVEL_HIGH };
	uint32_t gpios[3] = { PH_GPIO, b->power_gpio, 0 };

	if (!b->gpio.size)
		return 0;
	TRY(begin_at(fdt, "pl061", b->gpio.base));
	TRY(fdt_property(fdt, "compatible", compat, sizeof(compat)));
	TRY(prop_reg(fdt, &b->gpio, 1));
	TRY(prop_cells(fdt, "interrupts", irq, 3));
	TRY(fdt_property(fdt, "gpio-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#gpio-cells", 2));
	TRY(fdt_property(fdt, "interrupt-controller", NULL, 0));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 2));
	TRY(fdt_property_u32(fdt, "#address-cells", 0));
	TRY(fdt_property_u32(fdt, "clocks", PH_CLK));
	TRY(fdt_property_string(fdt, "clock-names", "apb_pclk"));
	TRY(fdt_property_u32(fdt, "phandle", PH_GPIO));
	TRY(fdt_end_node(fdt));

	TRY(fdt_begin_node(fdt, "gpio-keys"));
	TRY(fdt_property_string(fdt, "compatible", "gpio-keys"));
	TRY(fdt_begin_node(fdt, "poweroff"));
	TRY(fdt_property_string(fdt, "label", "GPIO Key Poweroff"));
	TRY(fdt_property_u32(fdt, "linux,code", 116));
	TRY(prop_cells(fdt, "gpios", gpios, 3));
	TRY(fdt_end_node(fdt));
	TRY(fdt_end_node(fdt));
	return 0;
}

/* One ranges entry: PCI space code, PCI address, CPU address, size. */
static void pci_range(uint32_t *c, uint32_t space, uint64_t pci, uint64_t cpu, uint64_t size)
{
	c[0] = space;
	c[1] = (uint32_t)(pci >> 32);
	c[2] = (uint32_t)pci;
	c[3] = (uint32_t)(cpu >> 32);
	c[4] = (uint32_t)cpu;
	c[5] = (uint32_t)(size >> 32);
	c[6] = (uint32_t)size;
}

static int write_pci(void *fdt, const struct arm64_board *b)
{
	uint32_t ranges[21], map[ARM64_FDT_SLOTS * 4 * 10], n = 0;
	uint32_t mask[4] = { 0xf800, 0, 0, 7 }, busr[2] = { 0, (uint32_t)(b->ecam.size >> 20) - 1 };
	uint32_t msi[4] = { 0, PH_ITS, 0, 0x10000 };

	if (b->pio.size)
		pci_range(ranges + 7 * n++, 0x01000000, 0, b->pio.base, b->pio.size);
	if (b->mmio32.size)
		pci_range(ranges + 7 * n++, 0x02000000, b->mmio32.base, b->mmio32.base,
			  b->mmio32.size);
	if (b->mmio64.size)
		pci_range(ranges + 7 * n++, 0x03000000, b->mmio64.base, b->mmio64.base,
			  b->mmio64.size);
	TRY(begin_at(fdt, "pcie", b->ecam.base));
	TRY(fdt_property_string(fdt, "compatible", "pci-host-ecam-generic"));
	TRY(fdt_property_string(fdt, "device_type", "pci"));
	TRY(fdt_property_u32(fdt, "#address-cells", 3));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "#interrupt-cells", 1));
	TRY(fdt_property_u32(fdt, "linux,pci-domain", 0));
	TRY(prop_cells(fdt, "bus-range", busr, 2));
	TRY(prop_reg(fdt, &b->ecam, 1));
	TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
	TRY(prop_cells(fdt, "ranges", ranges, (int)(7 * n)));
	/* INTx: pin P (1-4) of slot S reaches SPI intx_spi[(S + P - 1) % 4], the swizzle of
	 * a PCI bridge, as the board wires bus 0 */
	for (uint32_t s = 0, *e = map; s < ARM64_FDT_SLOTS; s++)
		for (uint32_t p = 1; p <= 4; p++, e += 10) {
			uint32_t entry[10] = { s << 11, 0, 0, p, PH_GIC, 0, 0, GIC_SPI,
					       b->intx_spi[(s + p - 1) % 4], IRQ_LEVEL_HIGH };

			memcpy(e, entry, sizeof(entry));
		}
	TRY(prop_cells(fdt, "interrupt-map-mask", mask, 4));
	TRY(prop_cells(fdt, "interrupt-map", map, ARM64_FDT_SLOTS * 4 * 10));
	if (b->its.size)
		TRY(prop_cells(fdt, "msi-map", msi, 4));
	TRY(fdt_end_node(fdt));
	return 0;
}

static int write_virtio(void *fdt, const struct arm64_board *b)
{
	for (int i = 0; i < b->nvirtio; i++) {
		uint32_t irq[3] = { GIC_SPI, b->virtio_spi[i], IRQ_EDGE_RISING };

		TRY(begin_at(fdt, "virtio_mmio", b->virtio[i].base));
		TRY(fdt_property_string(fdt, "compatible", "virtio,mmio"));
		TRY(prop_reg(fdt, &b->virtio[i], 1));
		TRY(prop_cells(fdt, "interrupts", irq, 3));
		TRY(fdt_property(fdt, "dma-coherent", NULL, 0));
		TRY(fdt_end_node(fdt));
	}
	return 0;
}

static int write_chosen(void *fdt, const struct arm64_board *b)
{
	char path[64];

	snprintf(path, sizeof(path), "/pl011@%llx", (unsigned long long)b->uart.base);
	TRY(fdt_begin_node(fdt, "chosen"));
	if (b->bootargs)
		TRY(fdt_property_string(fdt, "bootargs", b->bootargs));
	TRY(fdt_property_string(fdt, "stdout-path", path));
	if (b->initrd_end > b->initrd_start) {
		TRY(fdt_property_u64(fdt, "linux,initrd-start", b->initrd_start));
		TRY(fdt_property_u64(fdt, "linux,initrd-end", b->initrd_end));
	}
	TRY(fdt_end_node(fdt));
	return 0;
}

static int write_memory(void *fdt, const struct arm64_board *b)
{
	for (int i = 0; i < b->nmem; i++) {
		TRY(begin_at(fdt, "memory", b->mem[i].base));
		TRY(fdt_property_string(fdt, "device_type", "memory"));
		TRY(prop_reg(fdt, &b->mem[i], 1));
		TRY(fdt_end_node(fdt));
	}
	return 0;
}

/* The whole tree: 0, -ENOSPC or -EINVAL. */
static int write_tree(void *fdt, int size, const struct arm64_board *b)
{
	int r;

	TRY(fdt_create(fdt, size));
	TRY(fdt_finish_reservemap(fdt));
	TRY(fdt_begin_node(fdt, ""));
	TRY(fdt_property_string(fdt, "compatible", "linux,dummy-virt"));
	TRY(fdt_property_u32(fdt, "#address-cells", 2));
	TRY(fdt_property_u32(fdt, "#size-cells", 2));
	TRY(fdt_property_u32(fdt, "interrupt-parent", PH_GIC));
	if ((r = write_chosen(fdt, b)) < 0 || (r = write_memory(fdt, b)) < 0 ||
	    (r = write_cpus(fdt, b)) < 0 || (r = write_gic(fdt, b)) < 0 ||
	    (r = write_timer_psci_clock(fdt, b)) < 0 || (r = write_uart(fdt, b)) < 0 ||
	    (r = write_gpio(fdt, b)) < 0 ||
	    (r = write_pci(fdt, b)) < 0 || (r = write_virtio(fdt, b)) < 0)
		return r;
	TRY(fdt_end_node(fdt));
	TRY(fdt_finish(fdt));
	return 0;
}

int arm64_fdt_build(void *buf, size_t size, const struct arm64_board *b)
{
	int r;

	if (b->ncpus < 1 || b->ncpus > ARM64_FDT_MAX_CPUS)
		return err_msg(EINVAL, "device tree: %d vCPUs (1 to %d)", b->ncpus,
			       ARM64_FDT_MAX_CPUS);
	if (b->topology.sockets < 1 || b->topology.sockets > b->ncpus ||
	    b->topology.cores < 1 || b->topology.cores > b->ncpus ||
	    b->topology.threads < 1 || b->topology.threads > b->ncpus ||
	    b->topology.sockets * b->topology.cores * b->topology.threads != b->ncpus)
		return err_msg(EINVAL, "device tree: %d socket(s) x %d core(s) x %d thread(s) "
				       "is not %d vCPUs", b->topology.sockets, b->topology.cores,
			       b->topology.threads, b->ncpus);
	if (b->nvirtio < 0 || b->nvirtio > ARM64_FDT_VIRTIO)
		return err_msg(EINVAL, "device tree: %d virtio-mmio devices (at most %d)",
			       b->nvirtio, ARM64_FDT_VIRTIO);
	if (b->nmem < 1 || b->nmem > ARM64_FDT_MAX_MEM)
		return err_msg(EINVAL, "device tree: %d RAM regions (1 to %d)", b->nmem,
			       ARM64_FDT_MAX_MEM);
	if (b->ecam.size < (1u << 20) || b->ecam.size > (256u << 20) || (b->ecam.size & 0xfffff))
		return err_msg(EINVAL, "device tree: an ECAM window of 0x%llx bytes (1 to 256 "
				       "MiB, whole buses)", (unsigned long long)b->ecam.size);
	if ((r = write_tree(buf, size > INT32_MAX ? INT32_MAX : (int)size, b)) < 0)
		return err_msg(-r, "device tree: %s", r == -ENOSPC ? "larger than the room for it"
								 : "libfdt refused a node");
	return (int)fdt_totalsize(buf);
}
