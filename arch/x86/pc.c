/* The PC board's built-in devices: the console UART, ACPI power-management ports
 * (pm1.c: poweroff through PM1a control, reboot through the FADT reset register, the
 * fixed power button and its SCI), the old reset
 * paths (i8042 pulse, port 0x92), the ACPI PM timer, a CMOS clock that reads the host's
 * UTC time, and the POST-code port. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/pci.h"
#include "vmm/serial.h"
#include "vmm/util.h"

struct pc {
	struct device dev;
	struct vm *vm;
	pthread_mutex_t lock;
	struct x86_pm1 pm1;
	bool sci;          /* the level the SCI was last set to */
	uint8_t cmos_index;
	uint8_t cmos[128];
	uint64_t pm_timer_origin; /* CLOCK_MONOTONIC ns when the PM timer read 0 */
};

uint32_t x86_pm_timer_ticks(uint64_t ns)
{
	uint64_t s = ns / 1000000000ull, rest = ns % 1000000000ull;

	return (uint32_t)(s * X86_PM_TIMER_HZ + rest * X86_PM_TIMER_HZ / 1000000000ull);
}

/* Read-only; a read of any width at any of its 4 bytes gets those bytes of the count. */
static void pm_timer_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pc *pc = opaque;
	uint32_t v;
	uint8_t b[4];

	if (write)
		return;
	v = x86_pm_timer_ticks(monotonic_ns() - pc->pm_timer_origin);
	memcpy(b, &v, 4);
	for (uint32_t i = 0; i < len; i++)
		((uint8_t *)data)[i] = off + i < 4 ? b[off + i] : 0xff;
}

/* Sets the SCI to what the PM1 registers say; under pc->lock. */
static void update_sci(struct pc *pc)
{
	bool level = x86_pm1_sci(&pc->pm1);

	if (level != pc->sci) {
		pc->sci = level;
		vm_irq_line(pc->vm, X86_SCI_IRQ, level);
	}
}

static void acpi_pm_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pc *pc = opaque;
	enum x86_pm1_action act;

	pthread_mutex_lock(&pc->lock);
	act = x86_pm1_access(&pc->pm1, off, data, len, write);
	if (write)
		update_sci(pc);
	pthread_mutex_unlock(&pc->lock);
	if (act == X86_PM1_POWEROFF)
		vm_request_stop(pc->vm, VM_EXIT_OK, "guest powered off");
	else if (act == X86_PM1_RESET)
		vm_request_stop(pc->vm, VM_EXIT_OK, "guest rebooted");
}

const char arch_default_cmdline[] = "console=ttyS0";
const char arch_board_help[] =
	"The guest sees an 8250 UART on ttyS0 (port 0x3f8, IRQ 4) and ACPI tables; with\n"
	"--device virtio-console also hvc0 (boot with console=hvc0), which then takes\n"
	"the console's input.\n";

const char arch_kvm_hint[] =
	"load KVM (modprobe kvm_intel or kvm_amd) and enable VT-x/AMD-V in the firmware; "
	"inside a VM, enable nested virtualisation on the outer host";
const char arch_iommu_hint[] =
	"enable VT-d / AMD-Vi in the firmware and boot with intel_iommu=on (Intel) or "
	"amd_iommu=on (AMD); in a QEMU guest add -device intel-iommu";

int arch_power_button(struct vm *vm)
{
	struct x86_vm *x = vm->arch;
	bool listens;

	if (!x || !x->pc)
		return 0;
	pthread_mutex_lock(&x->pc->lock);
	listens = x86_pm1_power_button(&x->pc->pm1);
	update_sci(x->pc);
	pthread_mutex_unlock(&x->pc->lock);
	return listens;
}

static void i8042_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pc *pc = opaque;
	uint8_t *p = data;

	if (!write) {
		memset(data, 0, len); /* no data, input buffer empty */
		return;
	}
	if (off == 4 && p[0] == 0xfe) /* pulse the reset line */
		vm_request_stop(pc->vm, VM_EXIT_OK, "guest rebooted");
}

static void port92_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pc *pc = opaque;
	uint8_t *p = data;

	if (!write)
		memset(data, 0x02, len); /* A20 enabled */
	else if (p[0] & 1)
		vm_request_stop(pc->vm, VM_EXIT_OK, "guest rebooted");
}

static uint8_t bcd(int v) { return (uint8_t)((v / 10) << 4 | (v % 10)); }

static uint8_t cmos_read(struct pc *pc, uint8_t idx)
{
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	switch (idx) {
	case 0x00: return bcd(tm.tm_sec);
	case 0x02: return bcd(tm.tm_min);
	case 0x04: return bcd(tm.tm_hour);
	case 0x06: return bcd(tm.tm_wday + 1);
	case 0x07: return bcd(tm.tm_mday);
	case 0x08: return bcd(tm.tm_mon + 1);
	case 0x09: return bcd(tm.tm_year % 100);
	case 0x32: return bcd(19 + tm.tm_year / 100);
	case 0x0a: return 0x26; /* no update in progress, 32.768 kHz base */
	case 0x0b: return 0x02; /* 24-hour, BCD */
	case 0x0c: return 0x00;
	case 0x0d: return 0x80; /* battery good */
	default: return pc->cmos[idx];
	}
}

static void cmos_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pc *pc = opaque;
	uint8_t *p = data;

	pthread_mutex_lock(&pc->lock);
	for (uint32_t i = 0; i < len; i++) {
		if (off + i == 0) {
			if (write)
				pc->cmos_index = p[i] & 0x7f; /* bit 7 masks NMIs */
			else
				p[i] = 0xff;
		} else if (write) {
			if (pc->cmos_index >= 0x0e) /* the clock itself is read-only */
				pc->cmos[pc->cmos_index] = p[i];
		} else {
			p[i] = cmos_read(pc, pc->cmos_index);
		}
	}
	pthread_mutex_unlock(&pc->lock);
}

static void post_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	if (!write)
		memset(data, 0xff, len);
}

static void pc_teardown(struct device *d)
{
	struct pc *pc = (struct pc *)d;

	((struct x86_vm *)pc->vm->arch)->pc = NULL;
	pthread_mutex_destroy(&pc->lock);
	free(pc);
}

/* 64-bit BARs go above RAM, from 64 GiB at the least, on a 1 GiB boundary, up to the end
 * of the guest-physical address space (CPUID 0x80000008's physical address bits), so that
 * large BARs fit: a 64 GiB BAR, naturally aligned, at 64 GiB. */
int x86_mmio64_window(struct vm *vm, uint64_t *base, uint64_t *size)
{
	uint64_t top = vm->mem[vm->nmem - 1].gpa + vm->mem[vm->nmem - 1].size, end;
	struct x86_vm *x = vm->arch;
	unsigned bits = 36; /* what every x86-64 CPU has */
	int r;

	if ((r = x86_supported_cpuid(vm, x)) < 0)
		return err_ctx(r, "the guest's physical address size");
	for (uint32_t i = 0; i < x->cpuid->nent; i++)
		if (x->cpuid->entries[i].function == 0x80000008 && (x->cpuid->entries[i].eax & 0xff))
			bits = x->cpuid->entries[i].eax & 0xff;
	if (bits > X86_PHYS_BITS_MAX)
		bits = X86_PHYS_BITS_MAX;
	end = 1ull << bits;
	top = (top + (1ull << 30) - 1) & ~((1ull << 30) - 1);
	*base = top > X86_MMIO64_MIN ? top : X86_MMIO64_MIN;
	*size = end > *base ? end - *base : 0;
	return 0;
}

int arch_create_devices(struct vm *vm)
{
	struct pc *pc = calloc(1, sizeof(*pc));
	uint64_t base64, size64;
	int r;

	if (!pc)
		return err_msg(ENOMEM, "out of memory");
	pc->dev.name = "pc";
	pc->dev.teardown = pc_teardown;
	pc->vm = vm;
	pc->pm_timer_origin = monotonic_ns();
	pthread_mutex_init(&pc->lock, NULL);
	vm_add_device(vm, &pc->dev);
	((struct x86_vm *)vm->arch)->pc = pc;
	if ((r = bus_add(&vm->pio, X86_PORT_ACPI_PM, X86_PM1_BLOCK, acpi_pm_io, pc, "acpi-pm")) ||
	    (r = bus_add(&vm->pio, X86_PM_TIMER, 4, pm_timer_io, pc, "acpi-pm-timer")) ||
	    (r = bus_add(&vm->pio, 0x60, 1, i8042_io, pc, "i8042-data")) ||
	    (r = bus_add(&vm->pio, 0x64, 1, i8042_io, pc, "i8042-cmd")) ||
	    (r = bus_add(&vm->pio, 0x70, 2, cmos_io, pc, "cmos")) ||
	    (r = bus_add(&vm->pio, 0x80, 1, post_io, pc, "post")) ||
	    (r = bus_add(&vm->pio, 0x92, 1, port92_io, pc, "port92")))
		return r;
	if ((r = serial_create(vm, &vm->pio, X86_PORT_SERIAL, X86_IRQ_SERIAL)) < 0)
		return r;
	if ((r = x86_mmio64_window(vm, &base64, &size64)) < 0)
		return r;
	if ((r = pci_host_create(vm, X86_ECAM, X86_MMIO32_BASE, X86_MMIO32_SIZE, base64, size64)) < 0)
		return r;
	return pci_host_add_conf1(vm);
}

const bool arch_has_dtb = false;
const char arch_no_dtb[] = "the x86_64 board describes the guest with ACPI tables, not a device tree";

int arch_dump_dtb(struct vm *vm, const char *path)
{
	(void)vm;
	return err_msg(ENOTSUP, "--dump-dtb %s: %s", path, arch_no_dtb);
}
