/* "ptvm check" logic against a fake host: statuses, hints, text and JSON output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "tests/unit/fake_sysfs.h"
#include "vmm/check.h"

static const char *root;

static int setup(void **state)
{
	static const struct fake_pci devs[] = {
		/* ready: vfio-pci, alone in group 1, cdev, FLR */
		{ "0000:01:00.0", "0x8086", "0x10d3", "0x020000", "vfio-pci", 1, "vfio0", "flr" },
		/* still on its native driver */
		{ "0000:02:00.0", "0x8086", "0x10d3", "0x020000", "e1000e", 2, NULL, "flr" },
		/* vfio-pci, but shares group 3 with a device a kernel driver uses */
		{ "0000:03:00.0", "0x1234", "0x11e8", "0x00ff00", "vfio-pci", 3, "vfio1", NULL },
		{ "0000:03:00.1", "0x1234", "0x11e8", "0x00ff00", "ahci", 3, NULL, NULL },
		/* vfio-pci without a cdev (kernel without CONFIG_VFIO_DEVICE_CDEV) */
		{ "0000:04:00.0", "0x1234", "0x11e8", "0x00ff00", "vfio-pci", 4, NULL, "bus" },
		/* shares group 5 with a PCIe port: viable */
		{ "0000:05:00.0", "0x1234", "0x11e8", "0x00ff00", "vfio-pci", 5, "vfio2", "bus" },
		{ "0000:00:1c.0", "0x8086", "0x2934", "0x060400", "pcieport", 5, NULL, NULL },
	};

	root = strdup(fake_root_new());
	for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
		fake_pci_add(root, &devs[i]);
	fake_mkdir(root, "sys/class/iommu/dmar0");
	fake_write(root, "proc/self/status", "Name:\tptvm\nCapEff:\t0000000000000000\n");
	return 0;
}

static int teardown(void **state)
{
	fake_root_free(root);
	free((void *)root);
	return 0;
}

static const struct check_result *find(const struct check_ctx *ctx, const char *subject,
				       const char *name)
{
	for (int i = 0; i < ctx->nresults; i++)
		if (!strcmp(ctx->results[i].subject, subject) && !strcmp(ctx->results[i].name, name))
			return &ctx->results[i];
	fail_msg("no result %s/%s", subject, name);
	return NULL;
}

static void test_device_ready(void **state)
{
	struct check_ctx ctx = { .root = root };
	const struct check_result *r;

	check_vfio_device(&ctx, "0000:01:00.0");
	for (int i = 0; i < ctx.nresults; i++)
		assert_int_equal(ctx.results[i].status, CHECK_PASS);
	assert_int_equal(ctx.nresults, 5); /* device, driver, iommu-group, cdev, reset */
	r = find(&ctx, "0000:01:00.0", "cdev");
	assert_string_equal(r->message, "/dev/vfio/devices/vfio0 opens");
	r = find(&ctx, "0000:01:00.0", "iommu-group");
	assert_string_equal(r->message, "group 1 (alone)");
	check_free(&ctx);
}

static void test_device_by_cdev_path(void **state)
{
	struct check_ctx ctx = { .root = root };

	check_vfio_device(&ctx, "/dev/vfio/devices/vfio2");
	assert_int_equal(find(&ctx, "0000:05:00.0", "driver")->status, CHECK_PASS);
	assert_string_equal(find(&ctx, "0000:05:00.0", "iommu-group")->message,
			    "group 5, shared with 0000:00:1c.0 (pcieport)");
	assert_int_equal(find(&ctx, "0000:05:00.0", "iommu-group")->status, CHECK_PASS);
	check_free(&ctx);
}

static void test_device_native_driver(void **state)
{
	struct check_ctx ctx = { .root = root };
	const struct check_result *r;

	check_vfio_device(&ctx, "02:00.0");
	r = find(&ctx, "0000:02:00.0", "driver");
	assert_int_equal(r->status, CHECK_FAIL);
	assert_string_equal(r->message, "bound to e1000e, not vfio-pci");
	assert_string_equal(r->hint,
			    "echo vfio-pci > /sys/bus/pci/devices/0000:02:00.0/driver_override; "
			    "echo 0000:02:00.0 > /sys/bus/pci/devices/0000:02:00.0/driver/unbind; "
			    "echo 0000:02:00.0 > /sys/bus/pci/drivers_probe");
	for (int i = 0; i < ctx.nresults; i++) /* no cdev check without vfio-pci */
		assert_string_not_equal(ctx.results[i].name, "cdev");
	check_free(&ctx);
}

static void test_group_not_viable(void **state)
{
	struct check_ctx ctx = { .root = root };
	const struct check_result *r;

	check_vfio_device(&ctx, "0000:03:00.0");
	r = find(&ctx, "0000:03:00.0", "iommu-group");
	assert_int_equal(r->status, CHECK_FAIL);
	assert_string_equal(r->message, "group 3 is not viable: 0000:03:00.1 (ahci)");
	assert_non_null(strstr(r->hint, "bind those devices to vfio-pci"));
	r = find(&ctx, "0000:03:00.0", "reset");
	assert_int_equal(r->status, CHECK_WARN);
	check_free(&ctx);
}

static void test_no_cdev(void **state)
{
	struct check_ctx ctx = { .root = root };
	const struct check_result *r;

	check_vfio_device(&ctx, "0000:04:00.0");
	r = find(&ctx, "0000:04:00.0", "cdev");
	assert_int_equal(r->status, CHECK_FAIL);
	assert_non_null(strstr(r->hint, "CONFIG_VFIO_DEVICE_CDEV"));
	check_free(&ctx);
}

static void test_bad_arguments(void **state)
{
	struct check_ctx ctx = { .root = root };

	check_vfio_device(&ctx, "eth0");
	check_vfio_device(&ctx, "0000:09:00.0");
	check_vfio_device(&ctx, "/dev/vfio/devices/vfio7");
	assert_int_equal(ctx.nresults, 3);
	assert_string_equal(find(&ctx, "eth0", "device")->message,
			    "'eth0' is neither a PCI address nor a VFIO cdev path");
	assert_string_equal(find(&ctx, "0000:09:00.0", "device")->message,
			    "no PCI device 0000:09:00.0 on this host");
	assert_string_equal(find(&ctx, "/dev/vfio/devices/vfio7", "device")->message,
			    "'/dev/vfio/devices/vfio7' is not a VFIO cdev this host knows");
	for (int i = 0; i < 3; i++)
		assert_int_equal(ctx.results[i].status, CHECK_FAIL);
	check_free(&ctx);
}

static void test_host_without_kvm_and_iommufd(void **state)
{
	struct check_ctx ctx = { .root = root };
	const struct check_result *r;

	check_host_kvm(&ctx);
	check_vfio_host(&ctx);
	r = find(&ctx, "host", "kvm");
	assert_int_equal(r->status, CHECK_FAIL);
	assert_non_null(strstr(r->message, "/dev/kvm: No such file or directory"));
	assert_non_null(strstr(r->hint, "modprobe kvm_intel"));
	r = find(&ctx, "host", "iommu");
	assert_int_equal(r->status, CHECK_PASS);
	assert_string_equal(r->message, "1 IOMMU(s) active: dmar0");
	r = find(&ctx, "host", "iommufd");
	assert_int_equal(r->status, CHECK_FAIL);
	assert_non_null(strstr(r->hint, "CONFIG_IOMMUFD"));
	check_free(&ctx);
}

static void test_memlock(void **state)
{
	struct rlimit rl;
	struct check_ctx ctx = { .root = root, .memory = 1ull << 30 };
	const struct check_result *r;
	char *dev = "0000:01:00.0";

	/* Lower this process's limit (always allowed) below 1 GiB; CapEff in the fake
	 * /proc says no CAP_IPC_LOCK. */
	assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
	if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > (64u << 10)) {
		rl.rlim_cur = 64u << 10;
		assert_int_equal(setrlimit(RLIMIT_MEMLOCK, &rl), 0);
	}
	check_host_memlock(&ctx); /* no devices: only a warning */
	assert_int_equal(find(&ctx, "host", "memlock")->status, CHECK_WARN);
	check_free(&ctx);

	ctx.devices = &dev;
	ctx.ndevices = 1;
	check_host_memlock(&ctx);
	r = find(&ctx, "host", "memlock");
	assert_int_equal(r->status, CHECK_FAIL);
	assert_non_null(strstr(r->message, "assigned devices pin all 1 GiB of guest RAM"));
	assert_non_null(strstr(r->hint, "ulimit -l 1048576"));
	check_free(&ctx);

	ctx.memory = 32u << 10; /* fits */
	check_host_memlock(&ctx);
	assert_int_equal(find(&ctx, "host", "memlock")->status, CHECK_PASS);
	check_free(&ctx);

	fake_write(root, "proc/self/status", "CapEff:\t0000000000004000\n"); /* CAP_IPC_LOCK */
	ctx.memory = 1ull << 40;
	check_host_memlock(&ctx);
	assert_int_equal(find(&ctx, "host", "memlock")->status, CHECK_PASS);
	check_free(&ctx);
	fake_write(root, "proc/self/status", "CapEff:\t0000000000000000\n");
	/* this host's kernel filters system calls (test_seccomp shows it does) */
	check_host_seccomp(&ctx);
	r = find(&ctx, "host", "seccomp");
	assert_int_equal(r->status, CHECK_PASS);
	assert_non_null(strstr(r->message, "confines itself after setup"));
	check_free(&ctx);
}

static char *render(const struct check_ctx *ctx, bool json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	if (json)
		check_print_json(f, ctx);
	else
		check_print_text(f, ctx);
	fclose(f);
	return buf;
}

static void test_output(void **state)
{
	struct check_ctx ctx = { .root = root };
	char *text, *json;

	check_report(&ctx, CHECK_PASS, "host", "kvm", NULL, "fine");
	check_report(&ctx, CHECK_FAIL, "0000:02:00.0", "driver", "do \"this\"\\now",
		     "bad\tvalue\n");
	check_report(&ctx, CHECK_WARN, "0000:02:00.0", "reset", "later", "meh");
	text = render(&ctx, false);
	assert_string_equal(text, "host:\n"
				  "  PASS  kvm          fine\n"
				  "\n0000:02:00.0:\n"
				  "  FAIL  driver       bad\tvalue\n\n"
				  "        hint: do \"this\"\\now\n"
				  "  WARN  reset        meh\n"
				  "        hint: later\n"
				  "\n1 passed, 1 warnings, 1 failed\n");
	json = render(&ctx, true);
	assert_string_equal(json,
			    "{\"checks\":[\n"
			    " {\"subject\":\"host\",\"check\":\"kvm\",\"status\":\"PASS\","
			    "\"message\":\"fine\",\"hint\":\"\"},\n"
			    " {\"subject\":\"0000:02:00.0\",\"check\":\"driver\",\"status\":\"FAIL\","
			    "\"message\":\"bad\\u0009value\\n\",\"hint\":\"do \\\"this\\\"\\\\now\"},\n"
			    " {\"subject\":\"0000:02:00.0\",\"check\":\"reset\",\"status\":\"WARN\","
			    "\"message\":\"meh\",\"hint\":\"later\"}\n"
			    "],\"pass\":1,\"warn\":1,\"fail\":1}\n");
	free(text);
	free(json);
	check_free(&ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device_ready),
		cmocka_unit_test(test_device_by_cdev_path),
		cmocka_unit_test(test_device_native_driver),
		cmocka_unit_test(test_group_not_viable),
		cmocka_unit_test(test_no_cdev),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_host_without_kvm_and_iommufd),
		cmocka_unit_test(test_memlock),
		cmocka_unit_test(test_output),
	};
	return cmocka_run_group_tests_name("check", tests, setup, teardown);
}
