/* Sizes, numbers, paths and the error-context helpers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmm/err.h"
#include "vmm/util.h"

static void size_ok(const char *s, uint64_t want)
{
	uint64_t v = 0;

	assert_int_equal(parse_size(s, &v), 0);
	assert_true(v == want);
}

static void test_parse_size_valid(void **state)
{
	size_ok("0", 0);
	size_ok("4096", 4096);
	size_ok("64k", 64 << 10);
	size_ok("512M", 512ull << 20);
	size_ok("512MiB", 512ull << 20);
	size_ok("2G", 2ull << 30);
	size_ok("2gb", 2ull << 30);
	size_ok("1T", 1ull << 40);
	size_ok("100B", 100);
	size_ok("16777215T", 16777215ull << 40);
}

static void test_parse_size_invalid(void **state)
{
	static const char *const bad[] = { "", "M", "12Q", "-1", "1.5G", " 1G", "1G ",
					   "0x10", "1Mi", "1MB2", "G1" };
	uint64_t v = 7;

	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_int_equal(parse_size(bad[i], &v), -EINVAL);
	assert_int_equal(parse_size(NULL, &v), -EINVAL);
	assert_int_equal(parse_size("18446744073709551616", &v), -ERANGE);
	assert_int_equal(parse_size("16777216T", &v), -ERANGE);
	assert_int_equal(parse_size("99999999999999999999999999999999G", &v), -ERANGE);
	assert_true(v == 7); /* untouched on failure */
}

static void test_parse_u64(void **state)
{
	uint64_t v;

	assert_int_equal(parse_u64("0x1f", 0xff, &v), 0);
	assert_true(v == 31);
	assert_int_equal(parse_u64("255", 0xff, &v), 0);
	assert_int_equal(parse_u64("256", 0xff, &v), -ERANGE);
	assert_int_equal(parse_u64("0x", 0xff, &v), -EINVAL);
	assert_int_equal(parse_u64("12a", UINT64_MAX, &v), -EINVAL);
	assert_int_equal(parse_u64("18446744073709551615", UINT64_MAX, &v), 0);
	assert_true(v == UINT64_MAX);
	assert_int_equal(parse_u64("18446744073709551616", UINT64_MAX, &v), -ERANGE);
}

static void test_format_size(void **state)
{
	char b[32];

	assert_string_equal(format_size(17, b, sizeof(b)), "17 bytes");
	assert_string_equal(format_size(4096, b, sizeof(b)), "4 KiB");
	assert_string_equal(format_size(512ull << 20, b, sizeof(b)), "512 MiB");
	assert_string_equal(format_size(3ull << 29, b, sizeof(b)), "1.5 GiB");
}

static void test_path_fmt(void **state)
{
	char b[8];

	assert_int_equal(path_fmt(b, sizeof(b), "/%s", "dev"), 0);
	assert_string_equal(b, "/dev");
	assert_int_equal(path_fmt(b, sizeof(b), "/%s", "devices"), -ENAMETOOLONG);
}

static void test_err_context(void **state)
{
	err_clear();
	assert_int_equal(err_errno(EBUSY, "VFIO_DEVICE_BIND_IOMMUFD"), -EBUSY);
	assert_int_equal(err_ctx(-EBUSY, "bind %s to iommufd", "0000:03:00.0"), -EBUSY);
	assert_string_equal(err_get(), "bind 0000:03:00.0 to iommufd: VFIO_DEVICE_BIND_IOMMUFD: "
				       "Device or resource busy");
	assert_int_equal(err_errno(-ENOENT, "open %s", "/dev/iommu"), -ENOENT);
	assert_string_equal(err_get(), "open /dev/iommu: No such file or directory");
	assert_int_equal(err_msg(EPERM, "memlock too low"), -EPERM);
	assert_string_equal(err_get(), "memlock too low");
	err_clear();
	assert_int_equal(err_ctx(-EIO, "outer"), -EIO); /* no inner message: uses strerror */
	assert_string_equal(err_get(), "outer: Input/output error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_size_valid), cmocka_unit_test(test_parse_size_invalid),
		cmocka_unit_test(test_parse_u64),        cmocka_unit_test(test_format_size),
		cmocka_unit_test(test_path_fmt),         cmocka_unit_test(test_err_context),
	};
	return cmocka_run_group_tests_name("util", tests, NULL, NULL);
}
