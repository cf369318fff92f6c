/* arm64 boot inputs, built on any host: the Image header (every refusal says why) and the
 * guest device tree ptvm writes, checked with libfdt against the nodes and properties
 * Linux needs, and by dtc, which must read it back without a warning. */
#include <errno.h>
#include <libfdt.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "arch/arm64/fdt.h"
#include "arch/arm64/image.h"
#include "vmm/err.h"

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The header of a little-endian Image, 4 KiB pages, placed anywhere. */
static void image_header(uint8_t *h, uint64_t text_offset, uint64_t image_size, uint64_t flags)
{
	memset(h, 0, 64);
	h[0] = 0x4d; h[1] = 0x5a; /* the EFI stub's "MZ" */
	put64(h + 8, text_offset);
	put64(h + 16, image_size);
	put64(h + 24, flags);
	memcpy(h + 0x38, "ARM\x64", 4);
}

static void assert_refused(const uint8_t *h, size_t len, uint64_t file, const char *why)
{
	struct arm64_image img;

	assert_int_equal(arm64_image_parse(h, len, file, &img), -EINVAL);
	if (!strstr(err_get(), why))
		fail_msg("expected '%s' in: %s", why, err_get());
}

static void test_image_header(void **state)
{
	uint8_t h[0x300];
	struct arm64_image img;

	(void)state;
	image_header(h, 0, 20 << 20, 0xa); /* 4K pages, anywhere */
	assert_int_equal(arm64_image_parse(h, 64, 18 << 20, &img), 0);
	assert_true(img.text_offset == 0 && img.image_size == 20 << 20 && img.anywhere);
	/* before 3.17: no size, text offset 0x80000 */
	image_header(h, 0, 0, 0);
	assert_int_equal(arm64_image_parse(h, 64, 9 << 20, &img), 0);
	assert_true(img.text_offset == 0x80000 && img.image_size == 9 << 20 && !img.anywhere);

	image_header(h, 0, 20 << 20, 1);
	assert_refused(h, 64, 18 << 20, "big-endian");
	image_header(h, 0x1234, 20 << 20, 0);
	assert_refused(h, 64, 18 << 20, "text offset");
	image_header(h, 0x200000, 20 << 20, 0);
	assert_refused(h, 64, 18 << 20, "text offset");
	image_header(h, 0, 2ull << 30, 0);
	assert_refused(h, 64, 18 << 20, "corrupt header");
	image_header(h, 0, 20 << 20, 0);
	assert_refused(h, 64, 30 << 20, "larger than the image");
	assert_refused(h, 64, 3 << 20, "truncated");
	assert_refused(h, 40, 40, "too short");
	h[0x38] = 'X';
	assert_refused(h, 64, 18 << 20, "not an arm64 Linux Image");

	/* the other architecture's kernel, an ELF, a gzip */
	memset(h, 0, sizeof(h));
	h[0x1fe] = 0x55; h[0x1ff] = 0xaa; memcpy(h + 0x202, "HdrS", 4);
	assert_refused(h, sizeof(h), 8 << 20, "x86 bzImage");
	memcpy(h, "\x7f" "ELF", 4);
	assert_refused(h, 64, 8 << 20, "ELF");
	h[0] = 0x1f; h[1] = 0x8b;
	assert_refused(h, 64, 8 << 20, "gzip");
}

static void test_image_place(void **state)
{
	struct arm64_image img = { .text_offset = 0x80000, .image_size = 30 << 20 };
	uint64_t load, end;

	(void)state;
	assert_int_equal(arm64_image_place(&img, 0x40000000, 64 << 20, &load, &end), 0);
	assert_true(load == 0x40080000 && end == 0x40080000 + (30 << 20));
	/* RAM that starts off a 2 MiB boundary: the base rounds up */
	assert_int_equal(arm64_image_place(&img, 0x8100000, 64 << 20, &load, &end), 0);
	assert_true(load == 0x8200000 + 0x80000);
	assert_int_equal(arm64_image_place(&img, 0x40000000, 30 << 20, &load, &end), -ENOSPC);
	assert_non_null(strstr(err_get(), "needs 31 MiB"));
	assert_int_equal(arm64_image_place(&img, 0x100000, 1 << 20, &load, &end), -ENOSPC);
}

/* A board like the one the arm64 build lays out: RAM split around the SMMU's software MSI
 * window, 4 vCPUs, GICv3 + ITS, a PL011, an ECAM host with three windows. */
static struct arm64_board board(void)
{
	struct arm64_board b = {
		.mem = { { 0, 0x8000000 }, { 0x8200000, 0x18000000 } },
		.nmem = 2,
		.ncpus = 4,
		.mpidr = { 0, 1, 2, 3 },
		.topology = { .sockets = 2, .cores = 1, .threads = 2 },
		.gicd = { 0xfe000000, 0x10000 },
		.gicr = { 0xfe0a0000, 4 * 0x20000 },
		.its = { 0xfe020000, 0x20000 },
		.timer_ppi = { 13, 14, 11, 10 },
		.uart = { 0xfd000000, 0x1000 },
		.uart_spi = 1,
		.uart_clock_hz = 24000000,
		.gpio = { 0xfd010000, 0x1000 },
		.gpio_spi = 6,
		.power_gpio = 3,
		.ecam = { 0xe0000000, 1 << 20 },
		.mmio32 = { 0xc0000000, 0x20000000 },
		.mmio64 = { 0x1000000000ull, 0x1000000000ull },
		.pio = { 0xfc000000, 0x10000 },
		.intx_spi = { 4, 5, 6, 7 },
		.virtio = { { 0xe3000000, 0x1000 } },
		.virtio_spi = { 2 },
		.nvirtio = 1,
		.bootargs = "console=ttyAMA0 quiet",
		.initrd_start = 0x10000000,
		.initrd_end = 0x10400000,
	};
	return b;
}

static const void *prop(const void *fdt, const char *path, const char *name, int *len)
{
	int node = fdt_path_offset(fdt, path), l;
	const void *p;

	if (node < 0)
		fail_msg("no node %s", path);
	p = fdt_getprop(fdt, node, name, &l);
	if (!p)
		fail_msg("%s has no %s", path, name);
	if (len)
		*len = l;
	return p;
}

static uint32_t cell(const void *p, int i)
{
	return fdt32_to_cpu(((const fdt32_t *)p)[i]);
}

static void test_device_tree(void **state)
{
	static uint8_t fdt[65536];
	struct arm64_board b = board();
	const void *p;
	int size, len, node, gic, its, n;

	(void)state;
	size = arm64_fdt_build(fdt, sizeof(fdt), &b);
	assert_true(size > 0);
	assert_int_equal(fdt_check_full(fdt, (size_t)size), 0);

	/* chosen: the command line, the initrd, and a console path that leads to the UART */
	assert_string_equal(prop(fdt, "/chosen", "bootargs", NULL), "console=ttyAMA0 quiet");
	assert_true(fdt_path_offset(fdt, prop(fdt, "/chosen", "stdout-path", NULL)) >= 0);
	p = prop(fdt, "/chosen", "linux,initrd-start", &len);
	assert_true(len == 8 && fdt64_to_cpu(*(const fdt64_t *)p) == 0x10000000);
	/* memory: both regions, none over the window */
	p = prop(fdt, "/memory@8200000", "reg", &len);
	assert_true(len == 16 && cell(p, 1) == 0x8200000 && cell(p, 3) == 0x18000000);
	assert_string_equal(prop(fdt, "/memory@0", "device_type", NULL), "memory");
	/* cpus: four, each started through PSCI (hvc) */
	n = 0;
	fdt_for_each_subnode(node, fdt, fdt_path_offset(fdt, "/cpus")) {
		if (!strcmp(fdt_get_name(fdt, node, NULL), "cpu-map"))
			continue;
		assert_string_equal(fdt_getprop(fdt, node, "enable-method", NULL), "psci");
		n++;
	}
	assert_int_equal(n, 4);
	assert_string_equal(prop(fdt, "/psci", "method", NULL), "hvc");
	/* their topology, as --cpus 4,sockets=2,threads=2 gives it: socket 1's core 0's
	 * second thread is vCPU 3, and nothing more in socket 1 */
	p = prop(fdt, "/cpus/cpu-map/socket1/cluster0/core0/thread1", "cpu", &len);
	assert_int_equal(len, 4);
	node = fdt_node_offset_by_phandle(fdt, cell(p, 0));
	assert_string_equal(fdt_get_name(fdt, node, NULL), "cpu@3");
	assert_true(fdt_path_offset(fdt, "/cpus/cpu-map/socket0/cluster0/core0/thread0") >= 0);
	assert_true(fdt_path_offset(fdt, "/cpus/cpu-map/socket1/cluster0/core1") < 0);
	assert_true(fdt_path_offset(fdt, "/cpus/cpu-map/socket2") < 0);
	/* the GIC is everyone's interrupt parent; the ITS is the PCI host's MSI controller */
	gic = fdt_node_offset_by_phandle(fdt, cell(prop(fdt, "/", "interrupt-parent", NULL), 0));
	assert_true(gic >= 0);
	assert_int_equal(fdt_node_check_compatible(fdt, gic, "arm,gic-v3"), 0);
	assert_non_null(fdt_getprop(fdt, gic, "interrupt-controller", NULL));
	p = prop(fdt, "/pcie@e0000000", "msi-map", &len);
	assert_int_equal(len, 16);
	its = fdt_node_offset_by_phandle(fdt, cell(p, 1));
	assert_true(its >= 0 && fdt_parent_offset(fdt, its) == gic);
	assert_int_equal(fdt_node_check_compatible(fdt, its, "arm,gic-v3-its"), 0);
	assert_true(cell(p, 0) == 0 && cell(p, 2) == 0 && cell(p, 3) == 0x10000);
	/* timer: four PPIs; UART: a PL011 on SPI 1 */
	prop(fdt, "/timer", "interrupts", &len);
	assert_int_equal(len, 4 * 12);
	p = prop(fdt, "/pl011@fd000000", "interrupts", &len);
	assert_true(len == 12 && cell(p, 0) == 0 && cell(p, 1) == 1);
	/* the power button: gpio-keys, KEY_POWER on line 3 of the PL061 (SPI 6) */
	p = prop(fdt, "/pl061@fd010000", "interrupts", &len);
	assert_true(len == 12 && cell(p, 0) == 0 && cell(p, 1) == 6);
	assert_non_null(prop(fdt, "/pl061@fd010000", "gpio-controller", NULL));
	assert_int_equal(cell(prop(fdt, "/gpio-keys/poweroff", "linux,code", NULL), 0), 116);
	p = prop(fdt, "/gpio-keys/poweroff", "gpios", &len);
	assert_int_equal(len, 12);
	assert_int_equal(fdt_node_offset_by_phandle(fdt, cell(p, 0)),
			 fdt_path_offset(fdt, "/pl061@fd010000"));
	assert_true(cell(p, 1) == 3 && cell(p, 2) == 0);
	/* PCI: ECAM, three windows, INTx of slot 1 pin A swizzled to the second SPI */
	assert_string_equal(prop(fdt, "/pcie@e0000000", "compatible", NULL), "pci-host-ecam-generic");
	prop(fdt, "/pcie@e0000000", "ranges", &len);
	assert_int_equal(len, 3 * 7 * 4);
	p = prop(fdt, "/pcie@e0000000", "bus-range", NULL);
	assert_true(cell(p, 0) == 0 && cell(p, 1) == 0);
	p = prop(fdt, "/pcie@e0000000", "interrupt-map", &len);
	assert_int_equal(len, 32 * 4 * 10 * 4);
	assert_true(cell(p, 40) == 1 << 11 && cell(p, 43) == 1 && cell(p, 48) == 5);

	/* virtio-mmio: its window and its edge-triggered SPI */
	assert_string_equal(prop(fdt, "/virtio_mmio@e3000000", "compatible", NULL), "virtio,mmio");
	p = prop(fdt, "/virtio_mmio@e3000000", "interrupts", &len);
	assert_true(len == 12 && cell(p, 0) == 0 && cell(p, 1) == 2 && cell(p, 2) == 1);

	/* dtc reads it back, with no warning */
	{
		char path[] = "/tmp/ptvm-test-dtb.XXXXXX", cmd[256], out[4096];
		int fd = mkstemp(path);
		FILE *f;
		size_t got;

		assert_true(fd >= 0);
		assert_int_equal(write(fd, fdt, (size_t)size), size);
		close(fd);
		snprintf(cmd, sizeof(cmd), "dtc -q -I dtb -O dts -o /dev/null %s 2>&1 && "
			 "dtc -I dtb -O dts -o /dev/null %s 2>&1", path, path);
		f = popen(cmd, "r");
		assert_non_null(f);
		got = fread(out, 1, sizeof(out) - 1, f);
		out[got] = '\0';
		assert_int_equal(pclose(f), 0);
		unlink(path);
		if (got)
			fail_msg("dtc: %s", out);
	}
}

/* What cannot be written is refused: no room, no vCPU, too many, no RAM, a bad ECAM. */
static void test_device_tree_refused(void **state)
{
	static uint8_t fdt[65536];
	struct arm64_board b = board();

	(void)state;
	assert_int_equal(arm64_fdt_build(fdt, 2048, &b), -ENOSPC);
	b.ncpus = 0;
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	b.ncpus = 65;
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	b = board();
	b.topology.cores = 2; /* 2 x 2 x 2 is not 4 */
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	assert_string_equal(err_get(), "device tree: 2 socket(s) x 2 core(s) x 2 thread(s) is "
				       "not 4 vCPUs");
	b.topology.cores = 0;
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	b = board();
	b.topology = (struct cpu_topology){ .sockets = 1, .cores = 4, .threads = 1 };
	assert_true(arm64_fdt_build(fdt, sizeof(fdt), &b) > 0); /* cores without threads */
	assert_non_null(fdt_getprop(fdt, fdt_path_offset(fdt, "/cpus/cpu-map/socket0/cluster0/core3"),
				    "cpu", NULL));
	assert_true(fdt_path_offset(fdt, "/cpus/cpu-map/socket0/cluster0/core0/thread0") < 0);
	b = board();
	b.nmem = 0;
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	b = board();
	b.ecam.size = 0x1800;
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	b = board();
	b.nvirtio = 5;
	assert_int_equal(arm64_fdt_build(fdt, sizeof(fdt), &b), -EINVAL);
	b = board();
	b.its.size = 0; /* no ITS: no msi-map */
	assert_true(arm64_fdt_build(fdt, sizeof(fdt), &b) > 0);
	assert_int_equal(fdt_check_full(fdt, fdt_totalsize(fdt)), 0);
	assert_null(fdt_getprop(fdt, fdt_path_offset(fdt, "/pcie@e0000000"), "msi-map", NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_header),
		cmocka_unit_test(test_image_place),
		cmocka_unit_test(test_device_tree),
		cmocka_unit_test(test_device_tree_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
