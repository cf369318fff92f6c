/* PCI addresses and sysfs discovery, on a fake tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "passthrough/pci_sysfs.h"
#include "tests/unit/fake_sysfs.h"
#include "vmm/util.h"

static void test_bdf_parse_valid(void **state)
{
	struct pci_bdf b;
	char s[PCI_BDF_STRLEN];

	assert_int_equal(pci_bdf_parse("0000:03:00.0", &b), 0);
	assert_int_equal(b.domain, 0);
	assert_int_equal(b.bus, 3);
	assert_int_equal(b.dev, 0);
	assert_int_equal(b.fn, 0);
	assert_int_equal(pci_bdf_parse("ffff:FF:1f.7", &b), 0);
	pci_bdf_format(&b, s);
	assert_string_equal(s, "ffff:ff:1f.7");
	assert_int_equal(pci_bdf_parse("1a:02.3", &b), 0); /* domain defaults to 0 */
	pci_bdf_format(&b, s);
	assert_string_equal(s, "0000:1a:02.3");
}

static void test_bdf_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"",           "0",             "03:00",         "0000:03:00.8", "0000:03:20.0",
		"0000:03:00", "00000:03:00.0", "0000-03:00.0",  "0000:03:00:0", "0000:0g:00.0",
		"03:00.0 ",   " 03:00.0",      "0000:03:00.00", "+0000:3:00.0", "0x00:03:00.0",
	};
	struct pci_bdf b;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		if (pci_bdf_parse(bad[i], &b) != -EINVAL)
			fail_msg("'%s' should be rejected", bad[i]);
	}
	assert_int_equal(pci_bdf_parse(NULL, &b), -EINVAL);
}

static const struct fake_pci nic = {
	.bdf = "0000:03:00.0", .vendor = "0x8086", .device = "0x10d3", .class_ = "0x020000",
	.driver = "vfio-pci", .group = 7, .cdev = "vfio3", .reset = "flr bus",
};
static const struct fake_pci loose = {
	.bdf = "0000:04:00.0", .vendor = "0x1234", .device = "0x11e8", .class_ = "0x00ff00",
	.driver = NULL, .group = -1, .cdev = NULL, .reset = NULL,
};

static int setup(void **state)
{
	const char *root = fake_root_new();

	fake_pci_add(root, &nic);
	fake_pci_add(root, &loose);
	*state = strdup(root);
	return 0;
}

static int teardown(void **state)
{
	fake_root_free(*state);
	free(*state);
	return 0;
}

static void test_sysfs_bound_device(void **state)
{
	const char *root = *state;
	struct pci_bdf b;
	char buf[64];

	assert_int_equal(pci_bdf_parse(nic.bdf, &b), 0);
	assert_true(pci_exists(root, &b));
	assert_int_equal(pci_driver(root, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio-pci");
	assert_int_equal(pci_ids(root, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "8086:10d3 class 020000");
	assert_int_equal(pci_vfio_cdev(root, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "vfio3");
	assert_int_equal(pci_iommu_group(root, &b), 7);
	assert_int_equal(pci_reset_method(root, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "flr bus");
}

static void test_sysfs_unbound_device(void **state)
{
	const char *root = *state;
	struct pci_bdf b;
	char buf[64] = "junk";

	assert_int_equal(pci_bdf_parse(loose.bdf, &b), 0);
	assert_true(pci_exists(root, &b));
	assert_int_equal(pci_driver(root, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(pci_vfio_cdev(root, &b, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(pci_iommu_group(root, &b), -ENOENT);
	assert_int_equal(pci_reset_method(root, &b, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "");
	assert_int_equal(pci_bdf_parse("0000:05:00.0", &b), 0);
	assert_false(pci_exists(root, &b));
}

static void test_resolve_device(void **state)
{
	const char *root = *state;
	struct pci_bdf b;
	char s[PCI_BDF_STRLEN];

	assert_int_equal(pci_resolve_device(root, "/dev/vfio/devices/vfio3", &b), 0);
	pci_bdf_format(&b, s);
	assert_string_equal(s, "0000:03:00.0");
	assert_int_equal(pci_resolve_device(root, "03:00.0", &b), 0);
	assert_int_equal(pci_resolve_device(root, "/dev/vfio/devices/vfio9", &b), -ENOENT);
	assert_int_equal(pci_resolve_device(root, "/dev/vfio/devices/", &b), -EINVAL);
	assert_int_equal(pci_resolve_device(root, "/dev/sda", &b), -EINVAL);
	assert_int_equal(pci_resolve_device(root, "eth0", &b), -EINVAL);
}

static void test_dma_safe_drivers(void **state)
{
	assert_true(pci_driver_is_dma_safe(""));
	assert_true(pci_driver_is_dma_safe("vfio-pci"));
	assert_true(pci_driver_is_dma_safe("pcieport"));
	assert_false(pci_driver_is_dma_safe("e1000e"));
	assert_false(pci_driver_is_dma_safe("vfio-pcie"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bdf_parse_valid),
		cmocka_unit_test(test_bdf_parse_invalid),
		cmocka_unit_test_setup_teardown(test_sysfs_bound_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sysfs_unbound_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_device, setup, teardown),
		cmocka_unit_test(test_dma_safe_drivers),
	};
	return cmocka_run_group_tests_name("pci_sysfs", tests, NULL, NULL);
}
