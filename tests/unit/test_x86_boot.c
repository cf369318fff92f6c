/* x86 boot pieces that need no KVM: ACPI tables, e820, the bzImage header, boot_params. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"

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

static const struct x86_acpi_info info3 = {
	.ncpus = 3, .ecam = X86_ECAM, .mmio32_base = X86_MMIO32_BASE, .mmio32_size = X86_MMIO32_SIZE,
	.mmio64_base = X86_MMIO64_MIN, .mmio64_size = 0x10000000000ull - X86_MMIO64_MIN,
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
	int lapics = 0, ioapics = 0;

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
	assert_int_equal(u32(fadt + 64), X86_PM1A_CNT);  /* PM1a_CNT_BLK */
	assert_int_equal(fadt[89], 2);                   /* PM1_CNT_LEN */
	assert_int_equal(u32(fadt + 48), 0);             /* SMI_CMD: already in ACPI mode */
	assert_true(u32(fadt + 112) & (1u << 10));       /* RESET_REG_SUP */
	assert_false(u32(fadt + 112) & (1u << 20));      /* not hardware-reduced */
	assert_int_equal(fadt[116], 1);                  /* reset register in I/O space */
	assert_true(u64(fadt + 120) == X86_RESET_REG);
	assert_int_equal(fadt[128], X86_RESET_VALUE);
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
		}
	}
	assert_int_equal(lapics, 3);
	assert_int_equal(ioapics, 1);
	assert_true(e == madt + u32(madt + 4)); /* entries tile the table exactly */
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

	assert_int_equal(arch_ram_layout(256ull << 20, m, 4), 1);
	assert_true(m[0].gpa == 0 && m[0].size == 256ull << 20);
	n = x86_e820(m, 1, e, 8);
	assert_int_equal(n, 5);
	assert_true(e[4].addr == X86_ECAM && e[4].size == X86_ECAM_SIZE && e[4].type == 2);
	assert_true(e[0].addr == 0 && e[0].size == X86_EBDA && e[0].type == 1);
	assert_true(e[1].addr == X86_EBDA && e[1].type == 2);
	assert_true(e[2].addr == X86_ACPI && e[2].addr + e[2].size == 0x100000 && e[2].type == 2);
	assert_true(e[3].addr == 0x100000 && e[3].size == (256ull << 20) - 0x100000);

	/* 4 GiB: 3 GiB low, 1 GiB above 4 GiB; nothing in the hole */
	assert_int_equal(arch_ram_layout(4ull << 30, m, 4), 2);
	assert_true(m[0].size == X86_LOW_RAM_MAX);
	assert_true(m[1].gpa == X86_HIGH_RAM && m[1].size == 1ull << 30);
	n = x86_e820(m, 2, e, 8);
	assert_int_equal(n, 6);
	assert_true(e[3].addr + e[3].size == X86_LOW_RAM_MAX);
	assert_true(e[5].addr == X86_HIGH_RAM && e[5].size == 1ull << 30 && e[5].type == 1);
	assert_int_equal(x86_e820(m, 2, e, 3), -ENOSPC);

	/* exactly 3 GiB: no high region */
	assert_int_equal(arch_ram_layout(3ull << 30, m, 4), 1);
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
	assert_non_null(strstr(err_get(), "not a bzImage"));
	assert_int_equal(bzimage_parse(img, 100, len, &bz), -EINVAL); /* shorter than a header */
	free(img);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_acpi_tables),
		cmocka_unit_test(test_acpi_limits),
		cmocka_unit_test(test_layout_and_e820),
		cmocka_unit_test(test_bzimage),
	};
	return cmocka_run_group_tests_name("x86_boot", tests, NULL, NULL);
}
