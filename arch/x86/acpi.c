/* Minimal ACPI: enough for Linux to find the CPUs and the IOAPIC (MADT) and to power off
 * and reboot through ports ptvm traps (FADT PM1a control + reset register; the DSDT holds
 * \_S5 and the PCI root bridge), and to hear the fixed-feature power button (PM1a event
 * block, SCI). Poweroff must reach the monitor: with an in-kernel LAPIC a guest that merely
 * halts never exits to user space. */
#include <errno.h>
#include <string.h>

#include "arch/x86/x86.h"

struct acpi_header {
	char signature[4];
	uint32_t length;
	uint8_t revision, checksum;
	char oem_id[6], oem_table_id[8];
	uint32_t oem_revision;
	char creator_id[4];
	uint32_t creator_revision;
} __attribute__((packed));

struct acpi_rsdp {
	char signature[8];
	uint8_t checksum;
	char oem_id[6];
	uint8_t revision;
	uint32_t rsdt_address, length;
	uint64_t xsdt_address;
	uint8_t extended_checksum, reserved[3];
} __attribute__((packed));

struct acpi_gas { /* generic address structure */
	uint8_t space_id, bit_width, bit_offset, access_size;
	uint64_t address;
} __attribute__((packed));

struct acpi_fadt {
	struct acpi_header h;
	uint32_t firmware_ctrl, dsdt;
	uint8_t reserved0, preferred_pm_profile;
	uint16_t sci_int;
	uint32_t smi_cmd;
	uint8_t acpi_enable, acpi_disable, s4bios_req, pstate_cnt;
	uint32_t pm1a_evt_blk, pm1b_evt_blk, pm1a_cnt_blk, pm1b_cnt_blk, pm2_cnt_blk,
		pm_tmr_blk, gpe0_blk, gpe1_blk;
	uint8_t pm1_evt_len, pm1_cnt_len, pm2_cnt_len, pm_tmr_len, gpe0_blk_len, gpe1_blk_len,
		gpe1_base, cst_cnt;
	uint16_t p_lvl2_lat, p_lvl3_lat, flush_size, flush_stride;
	uint8_t duty_offset, duty_width, day_alrm, mon_alrm, century;
	uint16_t iapc_boot_arch;
	uint8_t reserved1;
	uint32_t flags;
	struct acpi_gas reset_reg;
	uint8_t reset_value;
	uint16_t arm_boot_arch;
	uint8_t minor_version;
	uint64_t x_firmware_ctrl, x_dsdt;
	struct acpi_gas x_pm1a_evt_blk, x_pm1b_evt_blk, x_pm1a_cnt_blk, x_pm1b_cnt_blk,
		x_pm2_cnt_blk, x_pm_tmr_blk, x_gpe0_blk, x_gpe1_blk, sleep_control, sleep_status;
	uint64_t hypervisor_id;
} __attribute__((packed));

_Static_assert(sizeof(struct acpi_header) == 36, "ACPI header");
_Static_assert(sizeof(struct acpi_rsdp) == 36, "RSDP");
_Static_assert(sizeof(struct acpi_fadt) == 276, "FADT (ACPI 6)");

#define FADT_WBINVD        (1u << 0)
#define FADT_SLP_BUTTON    (1u << 5)  /* no fixed sleep button */
#define FADT_TMR_VAL_EXT   (1u << 8)  /* the PM timer counts 32 bits */
#define FADT_RESET_REG_SUP (1u << 10)
#define IAPC_NO_VGA        (1u << 2)
#define ACPI_SPACE_IO      1
#define ACPI_ACCESS_BYTE   1
#define ACPI_ACCESS_WORD   2
#define ACPI_ACCESS_DWORD  3
#define MADT_PCAT_COMPAT   1u

static uint8_t checksum(const void *p, size_t len)
{
	const uint8_t *b = p;
	uint8_t sum = 0;

	while (len--)
		sum = (uint8_t)(sum + *b++);
	return (uint8_t)-sum;
}

static void header(struct acpi_header *h, const char *sig, uint32_t len, uint8_t rev)
{
	memcpy(h->signature, sig, 4);
	h->length = len;
	h->revision = rev;
	memcpy(h->oem_id, "PTVM  ", 6);
	memcpy(h->oem_table_id, "PTVMBRD ", 8);
	h->oem_revision = 1;
	memcpy(h->creator_id, "PTVM", 4);
	h->creator_revision = 1;
	h->checksum = 0;
	h->checksum = checksum(h, len);
}

static struct acpi_gas io_gas(uint64_t port, uint8_t bytes)
{
	return (struct acpi_gas){ .space_id = ACPI_SPACE_IO, .bit_width = (uint8_t)(bytes * 8),
				  .access_size = bytes == 1 ? ACPI_ACCESS_BYTE
					       : bytes == 2 ? ACPI_ACCESS_WORD : ACPI_ACCESS_DWORD,
				  .address = port };
}


/* Table fields sit at any offset: store them byte-wise, never through a cast pointer. */
static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static uint32_t align8(uint32_t v) { return (v + 7) & ~7u; }

enum { XSDT_ENTRIES = 3 }; /* FADT, MADT, MCFG */

int acpi_build(uint8_t *buf, size_t size, uint64_t gpa, const struct x86_acpi_info *info)
{
	int ncpus = info->ncpus;
	uint32_t off_xsdt = align8(sizeof(struct acpi_rsdp));
	uint32_t off_fadt = align8(off_xsdt + (uint32_t)sizeof(struct acpi_header) + XSDT_ENTRIES * 8);
	uint32_t off_dsdt = align8(off_fadt + (uint32_t)sizeof(struct acpi_fadt));
	uint32_t dsdt_len, off_madt, madt_len, off_mcfg, mcfg_len = 36 + 8 + 16;
	int aml;
	struct acpi_rsdp *rsdp = (void *)buf;
	struct acpi_header *xsdt = (void *)(buf + off_xsdt);
	struct acpi_fadt *fadt = (void *)(buf + off_fadt);
	uint8_t *madt, *mcfg, *e;
	uint64_t ptrs[XSDT_ENTRIES];

	if (ncpus < 1 || ncpus > 255 || off_dsdt + sizeof(struct acpi_header) > size)
		return -EINVAL;
	memset(buf, 0, size);

	/* DSDT */
	aml = aml_dsdt_body(buf + off_dsdt + sizeof(struct acpi_header),
			    size - off_dsdt - sizeof(struct acpi_header), info);
	if (aml < 0)
		return -EINVAL;
	dsdt_len = (uint32_t)(sizeof(struct acpi_header) + (size_t)aml);
	header((void *)(buf + off_dsdt), "DSDT", dsdt_len, 2);
	off_madt = align8(off_dsdt + dsdt_len);
	madt_len = 36 + 8 + 8u * (uint32_t)ncpus + 12 + 2 * 10 + 6;
	off_mcfg = align8(off_madt + madt_len);
	if (off_mcfg + mcfg_len > size)
		return -EINVAL;
	madt = buf + off_madt;
	mcfg = buf + off_mcfg;
	ptrs[0] = gpa + off_fadt;
	ptrs[1] = gpa + off_madt;
	ptrs[2] = gpa + off_mcfg;

	/* FADT: a full (not hardware-reduced) PC, so Linux keeps the legacy PIC and ISA IRQs
	 * for the UART. SMI_CMD = 0 says "already in ACPI mode". A 32-bit PM timer, no GPEs. */
	fadt->dsdt = (uint32_t)(gpa + off_dsdt);
	fadt->x_dsdt = gpa + off_dsdt;
	fadt->sci_int = X86_SCI_IRQ;
	fadt->pm1a_evt_blk = X86_PM1A_EVT;
	fadt->pm1a_cnt_blk = X86_PM1A_CNT;
	fadt->pm1_evt_len = 4;
	fadt->pm1_cnt_len = 2;
	fadt->pm_tmr_blk = X86_PM_TIMER;
	fadt->pm_tmr_len = 4;
	fadt->x_pm_tmr_blk = io_gas(X86_PM_TIMER, 4);
	fadt->x_pm1a_evt_blk = io_gas(X86_PM1A_EVT, 4);
	fadt->x_pm1a_cnt_blk = io_gas(X86_PM1A_CNT, 2);
	fadt->p_lvl2_lat = 101; /* > 100: C2 not supported */
	fadt->p_lvl3_lat = 1001; /* > 1000: C3 not supported */
	fadt->iapc_boot_arch = IAPC_NO_VGA;
	/* PWR_BUTTON clear: a fixed-feature power button (pm1.c), pressed to ask the guest to
	 * power off */
	fadt->flags = FADT_WBINVD | FADT_SLP_BUTTON | FADT_TMR_VAL_EXT | FADT_RESET_REG_SUP;
	fadt->reset_reg = io_gas(X86_RESET_REG, 1);
	fadt->reset_value = X86_RESET_VALUE;
	fadt->minor_version = 0;
	header(&fadt->h, "FACP", sizeof(*fadt), 6);

	/* MADT: one LAPIC per vCPU (ACPI UID = vCPU index, APIC ID from the topology), the
	 * IOAPIC at GSI 0, ISA IRQ 0 (the PIT) on GSI 2 as on every PC (vmm/irq.c routes it
	 * there), the SCI (IRQ 9) level-triggered and active high as on QEMU's PCs, LINT1 =
	 * NMI. The other ISA IRQs n are GSI n. */
	put32(madt + 36, (uint32_t)X86_LAPIC);
	put32(madt + 40, MADT_PCAT_COMPAT);
	e = madt + 44;
	for (int i = 0; i < ncpus; i++, e += 8) {
		e[0] = 0; /* processor local APIC */
		e[1] = 8;
		e[2] = (uint8_t)i; /* ACPI processor UID */
		e[3] = (uint8_t)x86_apic_id(&info->topology, i); /* APIC ID */
		put32(e + 4, 1); /* enabled */
	}
	e[0] = 1; /* I/O APIC */
	e[1] = 12;
	e[2] = 0; /* IOAPIC ID (KVM's reset value) */
	put32(e + 4, (uint32_t)X86_IOAPIC);
	put32(e + 8, 0); /* GSI base */
	e += 12;
	e[0] = 2; /* interrupt source override */
	e[1] = 10;
	e[2] = 0; /* ISA */
	e[3] = 0; /* IRQ 0 */
	put32(e + 4, 2); /* GSI 2 */
	put16(e + 8, 0); /* flags: conforms to the bus (edge, active high) */
	e += 10;
	e[0] = 2; /* interrupt source override: the SCI, level-triggered and active high */
	e[1] = 10;
	e[2] = 0;
	e[3] = X86_SCI_IRQ;
	put32(e + 4, X86_SCI_IRQ);
	put16(e + 8, 0x000d); /* polarity 01 (high), trigger mode 11 (level) */
	e += 10;
	e[0] = 4; /* local APIC NMI */
	e[1] = 6;
	e[2] = 0xff; /* all processors */
	put16(e + 3, 0); /* flags: conforms to the bus */
	e[5] = 1; /* LINT1 */
	header((void *)madt, "APIC", madt_len, 3);

	/* MCFG: one ECAM window for segment 0, bus 0 */
	memcpy(mcfg + 44, &info->ecam, 8);
	mcfg[54] = 0; /* start bus */
	mcfg[55] = 0; /* end bus */
	header((void *)mcfg, "MCFG", mcfg_len, 1);

	/* XSDT */
	memcpy(buf + off_xsdt + sizeof(struct acpi_header), ptrs, sizeof(ptrs));
	header(xsdt, "XSDT", (uint32_t)(sizeof(struct acpi_header) + sizeof(ptrs)), 1);

	/* RSDP (ACPI 2.0+: points at the XSDT only) */
	memcpy(rsdp->signature, "RSD PTR ", 8);
	memcpy(rsdp->oem_id, "PTVM  ", 6);
	rsdp->revision = 2;
	rsdp->length = sizeof(*rsdp);
	rsdp->xsdt_address = gpa + off_xsdt;
	rsdp->checksum = checksum(rsdp, 20);
	rsdp->extended_checksum = checksum(rsdp, sizeof(*rsdp));
	return 0;
}
