/* x86 boot pieces that need no KVM: ACPI tables, e820, the bzImage header, boot_params. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <elf.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/config.h"

static uint8_t sum(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n--)
		s = (uint8_t)(s + *p++);
	return s;
}

static uint32_t u32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static uint64_t u64(const uint8_t *p) { uint64_t v; memcpy(&v, p, 8); return v; }

/* With PTVM_ACPI_DUMP=DIR set, tables are written there for a disassembler (iasl -d). */
static void dump(const char *name, const uint8_t *t, size_t len)
{
	const char *dir = getenv("PTVM_ACPI_DUMP");
	char path[512];
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%s.dat", dir, name);
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(t, 1, len, f), len);
	fclose(f);
}

/* A table the guest would find at gpa, as a pointer into buf; checks its checksum. */
static const uint8_t *table(const uint8_t *buf, uint64_t base, uint64_t gpa, const char *sig)
{
	const uint8_t *t = buf + (gpa - base);

	assert_memory_equal(t, sig, 4);
	assert_int_equal(sum(t, u32(t + 4)), 0);
	return t;
}

static const struct vm_virtio_mmio virtio1 = { .base = X86_VIRTIO_MMIO, .size = 0x200, .gsi = 5 };
static const struct x86_acpi_info info3 = {
	.ncpus = 3, .ecam = X86_ECAM, .mmio32_base = X86_MMIO32_BASE, .mmio32_size = X86_MMIO32_SIZE,
	.mmio64_base = X86_MMIO64_MIN, .mmio64_size = 0x10000000000ull - X86_MMIO64_MIN,
	.virtio = &virtio1, .nvirtio = 1,
};

static struct x86_acpi_info with_cpus(int n)
{
	struct x86_acpi_info i = info3;

	i.ncpus = n;
	return i;
}

static void test_acpi_tables(void **state)
{
	static uint8_t buf[X86_ACPI_SIZE];
	const uint64_t base = X86_ACPI;
	const uint8_t *xsdt, *fadt, *madt, *dsdt, *mcfg, *e;
	int lapics = 0, ioapics = 0, overrides = 0;

	assert_int_equal(acpi_build(buf, sizeof(buf), base, &info3), 0);
	assert_memory_equal(buf, "RSD PTR ", 8);
	assert_int_equal(sum(buf, 20), 0);  /* ACPI 1.0 checksum */
	assert_int_equal(sum(buf, 36), 0);  /* extended checksum */
	assert_int_equal(buf[15], 2);       /* revision */
	xsdt = table(buf, base, u64(buf + 24), "XSDT");
	assert_int_equal(u32(xsdt + 4), 36 + 24); /* three entries */
	fadt = table(buf, base, u64(xsdt + 36), "FACP");
	madt = table(buf, base, u64(xsdt + 44), "APIC");
	mcfg = table(buf, base, u64(xsdt + 52), "MCFG");
	assert_int_equal(u32(mcfg + 4), 60);
	assert_true(u64(mcfg + 44) == X86_ECAM);
	assert_int_equal(mcfg[54], 0); /* bus 0 .. */
	assert_int_equal(mcfg[55], 0); /* .. 0 */
	assert_int_equal(u32(fadt + 4), 276);
	dsdt = table(buf, base, u64(fadt + 140), "DSDT"); /* X_DSDT */
	assert_true(u32(fadt + 40) == (uint32_t)(dsdt - buf + base)); /* 32-bit DSDT too */
	assert_non_null(memmem(dsdt + 36, u32(dsdt + 4) - 36, "_S5_", 4));
	assert_non_null(memmem(dsdt + 36, u32(dsdt + 4) - 36, "PCI0", 4));
	assert_non_null(memmem(dsdt + 36, u32(dsdt + 4) - 36, "_PRT", 4));
	dump("dsdt", dsdt, u32(dsdt + 4));
	{	/* the virtio-mmio device: its ID, then registers and an edge interrupt */
		const uint8_t *v = memmem(dsdt + 36, u32(dsdt + 4) - 36, "LNRO0005", 9);
		const uint8_t *res;

		assert_non_null(v);
		res = memmem(v, u32(dsdt + 4) - (size_t)(v - dsdt), "\x86\x09\x00\x01", 4);
		assert_non_null(res);
		assert_true(u32(res + 4) == X86_VIRTIO_MMIO && u32(res + 8) == 0x200);
		assert_memory_equal(res + 12, "\x89\x06\x00\x03\x01", 5);
		assert_int_equal(u32(res + 17), 5);
		assert_memory_equal(res + 21, "\x79\x00", 2);
	}
	assert_int_equal(u32(fadt + 64), X86_PM1A_CNT);  /* PM1a_CNT_BLK */
	assert_int_equal(fadt[89], 2);                   /* PM1_CNT_LEN */
	assert_int_equal(u32(fadt + 48), 0);             /* SMI_CMD: already in ACPI mode */
	assert_true(u32(fadt + 112) & (1u << 10));       /* RESET_REG_SUP */
	assert_false(u32(fadt + 112) & (1u << 20));      /* not hardware-reduced */
	assert_int_equal(fadt[116], 1);                  /* reset register in I/O space */
	assert_true(u64(fadt + 120) == X86_RESET_REG);
	assert_int_equal(fadt[128], X86_RESET_VALUE);
	assert_int_equal(u32(fadt + 76), X86_PM_TIMER);  /* PM_TMR_BLK */
	assert_int_equal(fadt[91], 4);                   /* PM_TMR_LEN */
	assert_true(u32(fadt + 112) & (1u << 8));        /* TMR_VAL_EXT: 32 bits */
	assert_false(u32(fadt + 112) & (1u << 4));       /* a fixed power button, */
	assert_int_equal(u32(fadt + 56), X86_PM1A_EVT);  /* its PM1a_EVT_BLK, */
	assert_int_equal(fadt[88], 4);                   /* PM1_EVT_LEN, */
	assert_int_equal(fadt[46] | fadt[47] << 8, X86_SCI_IRQ); /* and the SCI */
	assert_int_equal(fadt[208], 1);                  /* X_PM_TMR_BLK: I/O space, */
	assert_int_equal(fadt[209], 32);                 /* 32 bits wide, */
	assert_true(u64(fadt + 212) == X86_PM_TIMER);    /* at the same port */
	assert_true(u32(madt + 36) == X86_LAPIC);
	for (e = madt + 44; e < madt + u32(madt + 4); e += e[1]) {
		assert_true(e[1] >= 2);
		if (e[0] == 0) {
			assert_int_equal(e[3], lapics); /* APIC ID = vCPU index */
			assert_int_equal(u32(e + 4), 1);
			lapics++;
		} else if (e[0] == 1) {
			assert_true(u32(e + 4) == X86_IOAPIC);
			ioapics++;
		} else if (e[0] == 2 && e[3] == 0) { /* ISA IRQ 0 on GSI 2, edge, active high */
			assert_int_equal(e[1], 10);
			assert_int_equal(e[2], 0);
			assert_int_equal(u32(e + 4), 2);
			assert_int_equal(e[8] | e[9] << 8, 0);
			overrides++;
		} else if (e[0] == 2) { /* the SCI: IRQ 9 on GSI 9, level, active high */
			assert_int_equal(e[1], 10);
			assert_int_equal(e[3], X86_SCI_IRQ);
			assert_int_equal(u32(e + 4), X86_SCI_IRQ);
			assert_int_equal(e[8] | e[9] << 8, 0x000d);
			overrides++;
		}
	}
	assert_int_equal(lapics, 3);
	assert_int_equal(ioapics, 1);
	assert_int_equal(overrides, 2);
	assert_true(e == madt + u32(madt + 4)); /* entries tile the table exactly */
}

/* APIC IDs from the topology: 2 sockets of 3 cores (2 bits) of 2 threads (1 bit). */
static void test_acpi_topology(void **state)
{
	static uint8_t buf[X86_ACPI_SIZE];
	static const uint8_t want[12] = { 0, 1, 2, 3, 4, 5, 8, 9, 10, 11, 12, 13 };
	struct x86_acpi_info i = with_cpus(12);
	const uint8_t *xsdt, *madt, *e;
	int n = 0;

	i.topology = (struct cpu_topology){ .sockets = 2, .cores = 3, .threads = 2 };
	assert_int_equal(acpi_build(buf, sizeof(buf), X86_ACPI, &i), 0);
	xsdt = table(buf, X86_ACPI, u64(buf + 24), "XSDT");
	madt = table(buf, X86_ACPI, u64(xsdt + 44), "APIC");
	for (e = madt + 44; e < madt + u32(madt + 4); e += e[1])
		if (e[0] == 0) {
			assert_int_equal(e[2], n);        /* ACPI UID = vCPU index */
			assert_int_equal(e[3], want[n]);  /* APIC ID = socket.core.thread */
			n++;
		}
	assert_int_equal(n, 12);
	for (n = 0; n < 12; n++)
		assert_int_equal(x86_apic_id(&i.topology, n), want[n]);
}

/* 3.579545 MHz from the origin, wrapping at 32 bits */
static void test_pm_timer(void **state)
{
	assert_int_equal(x86_pm_timer_ticks(0), 0);
	assert_int_equal(x86_pm_timer_ticks(1000000000ull), 3579545);
	assert_int_equal(x86_pm_timer_ticks(1000), 3);            /* 3.58 ticks per us */
	assert_int_equal(x86_pm_timer_ticks(1500000000ull), 5369317);
	/* 2^32 ticks are 1199.9 s: the count wraps, and goes on from there */
	assert_int_equal(x86_pm_timer_ticks(1200000000000ull), (uint32_t)(1200ull * 3579545));
}

/* The PM1a block: the power button raises the SCI only once the guest enabled it; writing
 * 1 to its status bit clears it; S5 powers off, the reset value resets; any access width. */
static void test_pm1(void **state)
{
	struct x86_pm1 pm = { 0 };
	uint8_t b[4];
	uint16_t w;

	(void)state;
	assert_false(x86_pm1_power_button(&pm)); /* nothing listens yet */
	assert_false(x86_pm1_sci(&pm));
	assert_int_equal(pm.sts, 0);
	w = X86_PM1_PWRBTN; /* the guest enables the event (a 16-bit write) */
	assert_int_equal(x86_pm1_access(&pm, 2, (uint8_t *)&w, 2, true), X86_PM1_NONE);
	assert_false(x86_pm1_sci(&pm));
	assert_true(x86_pm1_power_button(&pm));
	assert_true(x86_pm1_sci(&pm));
	assert_int_equal(x86_pm1_access(&pm, 0, b, 4, false), X86_PM1_NONE); /* sts and en */
	assert_int_equal(b[0] | b[1] << 8, X86_PM1_PWRBTN);
	assert_int_equal(b[2] | b[3] << 8, X86_PM1_PWRBTN);
	b[0] = 0xff; /* writing 0 to the byte that holds the bit changes nothing */
	b[1] = 0x00;
	x86_pm1_access(&pm, 0, b, 2, true);
	assert_true(x86_pm1_sci(&pm));
	b[0] = 0x01; /* a 1 clears it: a byte write at offset 1 */
	x86_pm1_access(&pm, 1, b, 1, true);
	assert_false(x86_pm1_sci(&pm));
	assert_int_equal(pm.sts, 0);
	assert_true(x86_pm1_power_button(&pm)); /* pressed again, then disabled: SCI low */
	w = 0;
	x86_pm1_access(&pm, 2, (uint8_t *)&w, 2, true);
	assert_false(x86_pm1_sci(&pm));
	/* control: SCI_EN always reads 1, SLP_EN reads 0; S5 with SLP_EN powers off, the
	 * sleep type alone does not, another sleep type does not */
	w = 5 << 10;
	assert_int_equal(x86_pm1_access(&pm, 4, (uint8_t *)&w, 2, true), X86_PM1_NONE);
	x86_pm1_access(&pm, 4, (uint8_t *)&w, 2, false);
	assert_int_equal(w, 5 << 10 | 1);
	w = 1 << 10 | 0x2000;
	assert_int_equal(x86_pm1_access(&pm, 4, (uint8_t *)&w, 2, true), X86_PM1_NONE);
	b[0] = (5 << 10 | 0x2000) >> 8; /* S5 + SLP_EN by a byte write to the high byte */
	assert_int_equal(x86_pm1_access(&pm, 5, b, 1, true), X86_PM1_POWEROFF);
	x86_pm1_access(&pm, 4, (uint8_t *)&w, 2, false);
	assert_int_equal(w & 0x2000, 0);
	b[0] = 0x02; /* the reset register: only its value resets */
	assert_int_equal(x86_pm1_access(&pm, 6, b, 1, true), X86_PM1_NONE);
	b[0] = X86_RESET_VALUE;
	assert_int_equal(x86_pm1_access(&pm, 6, b, 1, true), X86_PM1_RESET);
	assert_int_equal(x86_pm1_access(&pm, 6, b, 4, false), X86_PM1_NONE); /* past the end */
	assert_int_equal(b[0], X86_RESET_VALUE);
	assert_int_equal(b[1], 0xff);
	assert_int_equal(b[3], 0xff);
}

static void test_acpi_limits(void **state)
{
	static uint8_t buf[X86_ACPI_SIZE];
	struct x86_acpi_info none = with_cpus(0), many = with_cpus(256), max = with_cpus(64);

	assert_int_equal(acpi_build(buf, sizeof(buf), X86_ACPI, &none), -EINVAL);
	assert_int_equal(acpi_build(buf, sizeof(buf), X86_ACPI, &many), -EINVAL);
	assert_int_equal(acpi_build(buf, 200, X86_ACPI, &info3), -EINVAL);
	assert_int_equal(acpi_build(buf, 1024, X86_ACPI, &info3), -EINVAL); /* AML does not fit */
	assert_int_equal(acpi_build(buf, sizeof(buf), X86_ACPI, &max), 0);
}

static void test_layout_and_e820(void **state)
{
	struct mem_region m[4];
	struct boot_e820_entry e[8];
	int n;

	assert_int_equal(arch_ram_layout(256ull << 20, 2u << 20, NULL, 0, m, 4), 1);
	assert_true(m[0].gpa == 0 && m[0].size == 256ull << 20);
	n = x86_e820(m, 1, e, 8);
	assert_int_equal(n, 5);
	assert_true(e[4].addr == X86_ECAM && e[4].size == X86_ECAM_SIZE && e[4].type == 2);
	assert_true(e[0].addr == 0 && e[0].size == X86_EBDA && e[0].type == 1);
	assert_true(e[1].addr == X86_EBDA && e[1].type == 2);
	assert_true(e[2].addr == X86_ACPI && e[2].addr + e[2].size == 0x100000 && e[2].type == 2);
	assert_true(e[3].addr == 0x100000 && e[3].size == (256ull << 20) - 0x100000);

	/* 4 GiB: 3 GiB low, 1 GiB above 4 GiB; nothing in the hole */
	assert_int_equal(arch_ram_layout(4ull << 30, 2u << 20, NULL, 0, m, 4), 2);
	assert_true(m[0].size == X86_LOW_RAM_MAX);
	assert_true(m[1].gpa == X86_HIGH_RAM && m[1].size == 1ull << 30);
	n = x86_e820(m, 2, e, 8);
	assert_int_equal(n, 6);
	assert_true(e[3].addr + e[3].size == X86_LOW_RAM_MAX);
	assert_true(e[5].addr == X86_HIGH_RAM && e[5].size == 1ull << 30 && e[5].type == 1);
	assert_int_equal(x86_e820(m, 2, e, 3), -ENOSPC);

	/* exactly 3 GiB: no high region */
	assert_int_equal(arch_ram_layout(3ull << 30, 2u << 20, NULL, 0, m, 4), 1);
}

/* RAM laid out around what the IOMMU reserves: the x86 MSI window costs nothing (it is in
 * the hole); a range in the middle of low RAM splits it, and e820 stays in address order
 * with the ECAM entry between the RAM below and above it. */
static void test_layout_around_reserved(void **state)
{
	const struct gpa_range msi = { 0xfee00000, 0xfeefffff },
			       mid[2] = { { 0xfee00000, 0xfeefffff }, { 0x10000000, 0x100fffff } };
	struct mem_region m[4];
	struct boot_e820_entry e[10];
	int n;

	(void)state;
	assert_int_equal(arch_ram_layout(1ull << 30, 2u << 20, &msi, 1, m, 4), 1);
	assert_true(m[0].gpa == 0 && m[0].size == 1ull << 30);

	/* 1 GiB around [256 MiB, 257 MiB): two regions, 2 MiB-aligned, 1 GiB in all */
	assert_int_equal(arch_ram_layout(1ull << 30, 2u << 20, mid, 2, m, 4), 2);
	assert_true(m[0].gpa == 0 && m[0].size == 0x10000000);
	assert_true(m[1].gpa == 0x10200000 && m[1].size == (1ull << 30) - 0x10000000);
	n = x86_e820(m, 2, e, 10);
	assert_int_equal(n, 6);
	assert_true(e[3].addr == 0x100000 && e[3].addr + e[3].size == 0x10000000);
	assert_true(e[4].addr == 0x10200000 && e[4].type == 1);
	assert_true(e[5].addr == X86_ECAM && e[5].type == 2);
	for (int i = 1; i < n; i++)
		assert_true(e[i].addr >= e[i - 1].addr + e[i - 1].size);

	/* 1 GiB huge pages: pieces are whole pages, so the first GiB is lost to the range
	 * and RAM would start at 1 GiB; an x86 guest needs it from 0 */
	assert_int_equal(arch_ram_layout(2ull << 30, 1ull << 30, mid, 2, m, 4), -ERANGE);
	/* a range at 2.5 GiB: 2 GiB below it, the rest from 4 GiB */
	{
		const struct gpa_range r = { 0xa0000000, 0xa00fffff };

		assert_int_equal(arch_ram_layout(3ull << 30, 1ull << 30, &r, 1, m, 4), 2);
		assert_true(m[0].gpa == 0 && m[0].size == 2ull << 30);
		assert_true(m[1].gpa == X86_HIGH_RAM && m[1].size == 1ull << 30);
	}
}

/* What cannot be laid out is refused with a reason: low memory reserved, an IOMMU whose
 * aperture ends at 4 GiB with more RAM than fits below, more pieces than memslots. */
static void test_layout_refused(void **state)
{
	const struct gpa_range low = { 0x80000, 0x8ffff }, high = { 0x100000000ull, UINT64_MAX };
	struct gpa_range comb[8];
	struct mem_region m[4];

	(void)state;
	assert_int_equal(arch_ram_layout(256ull << 20, 2u << 20, &low, 1, m, 4), -ERANGE);
	assert_non_null(strstr(err_get(), "boot memory"));
	assert_int_equal(arch_ram_layout(4ull << 30, 2u << 20, &high, 1, m, 4), -ERANGE);
	assert_non_null(strstr(err_get(), "does not fit"));
	assert_int_equal(arch_ram_layout(2ull << 30, 2u << 20, &high, 1, m, 4), 1);
	for (int i = 0; i < 8; i++) /* a 1 MiB hole every 64 MiB */
		comb[i] = (struct gpa_range){ (uint64_t)(i + 1) << 26, ((uint64_t)(i + 1) << 26) + 0xfffff };
	assert_int_equal(arch_ram_layout(1ull << 30, 2u << 20, comb, 8, m, 4), -ENOSPC);
	assert_non_null(strstr(err_get(), "pieces"));
}

/* A synthetic bzImage: just the header fields ptvm reads. */
static uint8_t *fake_bzimage(size_t *len, uint16_t version, uint16_t xlf)
{
	uint8_t *img;

	*len = 8192;
	img = calloc(1, *len);
	img[0x1f1] = 3;                               /* setup_sects: (3 + 1) * 512 */
	memcpy(img + 0x1fe, (uint16_t[]){ 0xaa55 }, 2);
	img[0x201] = 0x66;                            /* jump: header ends at 0x268 */
	memcpy(img + 0x202, "HdrS", 4);
	memcpy(img + 0x206, &version, 2);
	memcpy(img + 0x211, (uint8_t[]){ 0x01 }, 1);  /* loadflags: LOADED_HIGH */
	memcpy(img + 0x22c, (uint32_t[]){ 0x7fffffff }, 4);
	memcpy(img + 0x236, &xlf, 2);
	memcpy(img + 0x238, (uint32_t[]){ 2048 }, 4);
	memcpy(img + 0x260, (uint32_t[]){ 0x1000000 }, 4);
	return img;
}

static void test_bzimage(void **state)
{
	struct boot_params bp;
	struct bzimage bz;
	size_t len;
	uint8_t *img = fake_bzimage(&len, 0x020f, XLF_KERNEL_64);

	assert_int_equal(bzimage_parse(img, len, len, &bz), 0);
	assert_int_equal(bz.setup_bytes, 4 * 512);
	assert_int_equal(bz.kernel_bytes, len - 4 * 512);
	assert_int_equal(bz.cmdline_size, 2048);
	assert_int_equal(bz.init_size, 0x1000000);
	assert_int_equal(bz.header_end, 0x268);
	bzimage_boot_params(&bp, img, &bz, 0x20000, 0x5000000, 0x123456, 0xe0000);
	assert_int_equal(bp.hdr.type_of_loader, 0xff);
	assert_true(bp.hdr.loadflags & CAN_USE_HEAP);
	assert_int_equal(bp.hdr.cmd_line_ptr, 0x20000);
	assert_int_equal(bp.hdr.ramdisk_image, 0x5000000);
	assert_int_equal(bp.hdr.ramdisk_size, 0x123456);
	assert_true(bp.acpi_rsdp_addr == 0xe0000);
	assert_int_equal(bp.hdr.version, 0x020f);
	assert_int_equal(bp.hdr.boot_flag, 0xaa55);
	free(img);

	img = fake_bzimage(&len, 0x020b, XLF_KERNEL_64);
	assert_int_equal(bzimage_parse(img, len, len, &bz), -EINVAL);
	assert_string_equal(err_get(), "boot protocol 2.11 is too old; ptvm needs 2.12 (Linux 3.8 "
				       "or newer)");
	free(img);
	img = fake_bzimage(&len, 0x020f, 0);
	assert_int_equal(bzimage_parse(img, len, len, &bz), -EINVAL);
	assert_non_null(strstr(err_get(), "no 64-bit entry point"));
	img[0x1f1] = 20; /* setup larger than the file */
	memcpy(img + 0x236, (uint16_t[]){ XLF_KERNEL_64 }, 2);
	assert_int_equal(bzimage_parse(img, 4096, 4096, &bz), -EINVAL);
	assert_non_null(strstr(err_get(), "truncated"));
	memcpy(img + 0x202, "HdrX", 4);
	assert_int_equal(bzimage_parse(img, len, len, &bz), -EINVAL);
	assert_non_null(strstr(err_get(), "neither a bzImage"));
	assert_int_equal(bzimage_parse(img, 100, len, &bz), -EINVAL); /* shorter than a header */
	free(img);
}

/* A synthetic vmlinux: an ELF header, a PT_LOAD at 16 MiB (4 KiB in the file, 8 KiB in
 * memory), a PT_NOTE holding another note and then the PVH entry (16 MiB + 0x40). */
#define FAKE_PADDR 0x1000000ull
#define FAKE_ENTRY (FAKE_PADDR + 0x40)
static uint8_t *fake_vmlinux(size_t *len)
{
	uint8_t *f = calloc(1, 0x3000);
	Elf64_Ehdr eh = { .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_version = EV_CURRENT,
			  .e_entry = 0xffffffff81000000ull, .e_phoff = sizeof(Elf64_Ehdr),
			  .e_ehsize = sizeof(Elf64_Ehdr), .e_phentsize = sizeof(Elf64_Phdr),
			  .e_phnum = 3 };
	Elf64_Phdr ph[3] = {
		{ .p_type = PT_LOAD, .p_offset = 0x1000, .p_vaddr = 0xffffffff81000000ull,
		  .p_paddr = FAKE_PADDR, .p_filesz = 0x1000, .p_memsz = 0x2000 },
		{ .p_type = PT_GNU_STACK },
		{ .p_type = PT_NOTE, .p_offset = 0x2000, .p_filesz = 0x2c },
	};
	uint32_t notes[] = {
		4, 4, 1, 0x00554e47 /* "GNU" */, 0xdeadbeef,
		4, 4, PVH_NOTE_PHYS32_ENTRY, 0x006e6558 /* "Xen" */, (uint32_t)FAKE_ENTRY,
		4, 0,
	};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	memcpy(f, &eh, sizeof(eh));
	memcpy(f + sizeof(eh), ph, sizeof(ph));
	memset(f + 0x1000, 0x90, 0x1000);
	memcpy(f + 0x2000, notes, 40);
	*len = 0x3000;
	return f;
}

static void test_elf_parse(void **state)
{
	struct elf_kernel k;
	uint32_t entry = 0;
	size_t len;
	uint8_t *f = fake_vmlinux(&len);

	assert_true(elf_is_elf(f, len));
	assert_int_equal(elf_kernel_parse(f, len, len, &k), 0);
	assert_int_equal(k.nseg, 1); /* PT_GNU_STACK is not loaded */
	assert_true(k.seg[0].paddr == FAKE_PADDR && k.seg[0].memsz == 0x2000);
	assert_true(k.end == FAKE_PADDR + 0x2000);
	assert_int_equal(k.nnote, 1);
	assert_int_equal(pvh_note_entry(f + 0x2000, 0x2c, &entry), 1);
	assert_true(entry == FAKE_ENTRY);
	/* the note list ends before the last, partial header: not found, not an error */
	assert_int_equal(pvh_note_entry(f + 0x2000, 20, &entry), 0);
	/* a name size pointing past the end */
	memcpy(f + 0x2000, (uint32_t[]){ 0x1000 }, 4);
	assert_int_equal(pvh_note_entry(f + 0x2000, 0x2c, &entry), -EINVAL);
	assert_non_null(strstr(err_get(), "malformed ELF note"));
	/* truncated: the segment needs the file up to 0x2000 */
	assert_int_equal(elf_kernel_parse(f, len, 0x1800, &k), -EINVAL);
	assert_non_null(strstr(err_get(), "truncated: segment 0"));
	/* the program headers beyond what was read */
	assert_int_equal(elf_kernel_parse(f, 100, len, &k), -EINVAL);
	assert_non_null(strstr(err_get(), "program headers"));
	/* memory smaller than the file's part */
	memcpy(f + sizeof(Elf64_Ehdr) + offsetof(Elf64_Phdr, p_memsz), (uint64_t[]){ 0x10 }, 8);
	assert_int_equal(elf_kernel_parse(f, len, len, &k), -EINVAL);
	assert_non_null(strstr(err_get(), "impossible sizes"));
	/* another machine, another class */
	memcpy(f + offsetof(Elf64_Ehdr, e_machine), (uint16_t[]){ EM_AARCH64 }, 2);
	assert_int_equal(elf_kernel_parse(f, len, len, &k), -EINVAL);
	assert_string_equal(err_get(), "an ELF for arm64, not x86_64");
	f[EI_CLASS] = ELFCLASS32;
	assert_int_equal(elf_kernel_parse(f, len, len, &k), -EINVAL);
	assert_non_null(strstr(err_get(), "32-bit ELF"));
	free(f);
}

/* A VM without KVM: guest RAM is plain memory, enough for arch_load. */
struct fake_vm {
	struct vm vm;
	struct vm_config cfg;
	struct x86_vm x;
	char path[64];
};

static void fake_vm_init(struct fake_vm *f, uint64_t ram, const uint8_t *kernel, size_t len)
{
	FILE *fp;
	int fd;

	memset(f, 0, sizeof(*f));
	config_init(&f->cfg);
	f->cfg.cmdline = "console=hvc0 quiet";
	f->vm.cfg = &f->cfg;
	f->vm.arch = &f->x;
	f->vm.nmem = arch_ram_layout(ram, 2u << 20, NULL, 0, f->vm.mem, VM_MAX_MEM);
	f->vm.mem[0].hva = calloc(1, f->vm.mem[0].size);
	strcpy(f->path, "/tmp/ptvm-test-kernel.XXXXXX");
	fd = mkstemp(f->path);
	assert_true(fd >= 0);
	fp = fdopen(fd, "wb");
	assert_int_equal(fwrite(kernel, 1, len, fp), len);
	fclose(fp);
	f->cfg.kernel = f->path;
}

static void fake_vm_free(struct fake_vm *f)
{
	unlink(f->path);
	free(f->vm.mem[0].hva);
}

/* Writes LEN bytes to a temporary file; returns its path (static). */
static const char *temp_kernel(const uint8_t *data, size_t len)
{
	static char path[64];
	int fd;

	strcpy(path, "/tmp/ptvm-test-check.XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	return path;
}

static void assert_check(struct vm_config *cfg, const char *want)
{
	int r = arch_check_kernel(cfg);

	if (!want) {
		if (r != 0)
			fail_msg("refused: %s", err_get());
		return;
	}
	assert_true(r < 0);
	if (!strstr(err_get(), want))
		fail_msg("expected '%s' in: %s", want, err_get());
}

/* What ptvm run refuses with exit 2 before any VM exists: an arm64 Image, a truncated or
 * foreign file, a kernel or payload larger than guest RAM; a good one passes. */
static void test_check_kernel(void **state)
{
	struct vm_config cfg;
	uint8_t arm[4096] = { 0 };
	size_t len, bz_len;
	uint8_t *bz = fake_bzimage(&bz_len, 0x020f, XLF_KERNEL_64), *elf;
	const char *path;

	(void)state;
	config_init(&cfg);
	cfg.memory = 64ull << 20;
	cfg.kernel = path = temp_kernel(bz, bz_len);
	assert_check(&cfg, NULL);                          /* 1 MiB + 16 MiB in 64 MiB */
	cfg.memory = 16ull << 20;
	assert_check(&cfg, "needs 17 MiB of RAM to unpack; give more --memory");
	unlink(path);
	cfg.memory = 64ull << 20;
	cfg.kernel = path = temp_kernel(bz, 1024);         /* cut inside its setup */
	assert_check(&cfg, "truncated");
	unlink(path);
	memcpy(arm + 0x38, "ARM\x64", 4);
	cfg.kernel = path = temp_kernel(arm, sizeof(arm));
	assert_check(&cfg, "an arm64 Image; this ptvm runs x86_64 guests");
	unlink(path);
	cfg.kernel = path = temp_kernel((const uint8_t *)"#!/bin/sh\n", 10);
	assert_check(&cfg, "neither a bzImage");
	unlink(path);
	elf = fake_vmlinux(&len);
	cfg.kernel = path = temp_kernel(elf, len);
	assert_check(&cfg, NULL);
	cfg.memory = 4ull << 20;                           /* its segment is at 16 MiB */
	assert_check(&cfg, "is outside guest RAM");
	unlink(path);
	cfg.kernel = "/nonexistent/bzImage";
	assert_check(&cfg, "kernel /nonexistent/bzImage: open");
	/* a payload: its size from 1 MiB */
	cfg.kernel = NULL;
	cfg.payload = path = temp_kernel(bz, bz_len);
	cfg.memory = 4ull << 20;
	assert_check(&cfg, NULL);
	unlink(path);
	free(bz);
	free(elf);
}

static void test_pvh_load(void **state)
{
	struct fake_vm *f = calloc(1, sizeof(*f));
	const struct pvh_start_info *si;
	const struct pvh_memmap_entry *mm;
	size_t len;
	uint8_t *img = fake_vmlinux(&len), *ram;

	fake_vm_init(f, 64ull << 20, img, len);
	ram = f->vm.mem[0].hva;
	assert_int_equal(arch_load(&f->vm), 0);
	assert_true(f->x.protected32);
	assert_true(f->x.entry == FAKE_ENTRY);
	assert_true(f->x.ebx == X86_PVH_INFO);
	assert_memory_equal(ram + FAKE_PADDR, img + 0x1000, 0x1000); /* the file's part */
	for (int i = 0x1000; i < 0x2000; i++)                        /* zeroed to memsz */
		assert_int_equal(ram[FAKE_PADDR + i], 0);
	si = (const void *)(ram + X86_PVH_INFO);
	assert_true(si->magic == PVH_START_MAGIC && si->version == 1);
	assert_int_equal(si->nr_modules, 0);
	assert_string_equal((const char *)ram + si->cmdline_paddr, "console=hvc0 quiet");
	assert_memory_equal(ram + si->rsdp_paddr, "RSD PTR ", 8);
	assert_int_equal(si->memmap_entries, 5);
	mm = (const void *)(ram + si->memmap_paddr);
	assert_true(mm[3].addr == X86_HIGH_MEMORY && mm[3].addr + mm[3].size == 64ull << 20);
	assert_int_equal(mm[3].type, 1);
	assert_true(mm[4].addr == X86_ECAM && mm[4].type == 2);

	/* 16 MiB of RAM cannot hold a segment that ends at 16 MiB + 8 KiB */
	fake_vm_free(f);
	fake_vm_init(f, 16ull << 20, img, len);
	assert_int_equal(arch_load(&f->vm), -ENOSPC);
	assert_non_null(strstr(err_get(), "is outside guest RAM"));
	assert_non_null(strstr(err_get(), f->path));

	/* no PVH note: the notes segment emptied */
	fake_vm_free(f);
	memset(img + 0x2000, 0, 0x2c);
	fake_vm_init(f, 64ull << 20, img, len);
	assert_int_equal(arch_load(&f->vm), -EINVAL);
	assert_non_null(strstr(err_get(), "no PVH entry point"));
	fake_vm_free(f);

	/* an arm64 Image */
	memset(img, 0, len);
	memcpy(img + 0x38, "ARM\x64", 4);
	fake_vm_init(f, 64ull << 20, img, len);
	assert_int_equal(arch_load(&f->vm), -EINVAL);
	assert_non_null(strstr(err_get(), "an arm64 Image"));
	fake_vm_free(f);
	free(img);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_tables),
		cmocka_unit_test(test_acpi_limits),
		cmocka_unit_test(test_pm1),
		cmocka_unit_test(test_acpi_topology),
		cmocka_unit_test(test_pm_timer),
		cmocka_unit_test(test_layout_and_e820),
		cmocka_unit_test(test_layout_around_reserved),
		cmocka_unit_test(test_layout_refused),
		cmocka_unit_test(test_check_kernel),
		cmocka_unit_test(test_bzimage),
		cmocka_unit_test(test_elf_parse),
		cmocka_unit_test(test_pvh_load),
	};
	return cmocka_run_group_tests_name("x86_boot", tests, NULL, NULL);
}
