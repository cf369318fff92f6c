/* "ptvm run" options: defaults, every option, and a message naming the option for each
 * bad value. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/devtype.h"
#include "vmm/err.h"

#define ARGS(...) ((char *[]){ "run", __VA_ARGS__, NULL })
#define NARGS(...) ((int)(sizeof((char *[]){ "run", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, ...) config_parse_run(NARGS(__VA_ARGS__), ARGS(__VA_ARGS__), (cfg))

static void test_defaults(void **state)
{
	struct vm_config c;

	assert_int_equal(PARSE(&c, "--kernel", "bzImage"), 0);
	assert_string_equal(c.kernel, "bzImage");
	assert_true(c.memory == 512ull << 20);
	assert_int_equal(c.cpus, 1);
	assert_int_equal(c.console, CONSOLE_STDIO);
	assert_string_equal(c.cmdline, arch_default_cmdline);
	assert_null(c.initrd);
	assert_int_equal(c.ndevices, 0);
	assert_int_equal(c.iommufd, -1);
	assert_false(c.verbose);
	assert_int_equal(c.shutdown_timeout, 30);
	assert_int_equal(c.seccomp, CONFINE_DEFAULT); /* enforce, in a build with seccomp */
}

static void test_all_options(void **state)
{
	struct vm_config c;

	assert_int_equal(PARSE(&c, "--kernel", "k", "--initrd", "i", "--cmdline", "quiet",
			       "--memory", "2G", "--cpus", "4", "--console", "file:/tmp/x",
			       "--hugepages", "--device", "testdev,port=0x501", "--device", "testdev"),
			 0);
	assert_string_equal(c.initrd, "i");
	assert_string_equal(c.cmdline, "quiet");
	assert_true(c.memory == 2ull << 30);
	assert_int_equal(c.cpus, 4);
	assert_int_equal(c.console, CONSOLE_FILE);
	assert_string_equal(c.console_path, "/tmp/x");
	assert_true(c.hugepages == 2ull << 20); /* the default size */
	assert_int_equal(c.ndevices, 2);
	assert_string_equal(c.devices[0].type, "testdev");
	assert_string_equal(c.devices[0].opts, "port=0x501");
	assert_string_equal(c.devices[1].opts, "");
	assert_int_equal(PARSE(&c, "--payload", "p", "--console", "none", "--iommufd", "7",
			       "--verbose", "--shutdown-timeout", "0", "--api", "unix:/run/vm.sock"), 0);
	assert_int_equal(c.shutdown_timeout, 0);
	assert_int_equal(PARSE(&c, "--payload", "p", "--seccomp", "log"), 0);
	assert_int_equal(c.seccomp, CONFINE_LOG);
	assert_int_equal(PARSE(&c, "--payload", "p", "--user", "4242:4243"), 0);
	assert_true(c.user.set);
	assert_int_equal(c.user.uid, 4242);
	assert_int_equal(c.user.gid, 4243);
	assert_int_equal(PARSE(&c, "--payload", "p", "--seccomp", "off"), 0);
	assert_int_equal(c.seccomp, CONFINE_OFF);
	assert_int_equal(PARSE(&c, "--payload", "p", "--console", "none", "--iommufd", "7",
			       "--verbose", "--shutdown-timeout", "0", "--api", "unix:/run/vm.sock"), 0);
	assert_string_equal(c.api_path, "/run/vm.sock");
	assert_int_equal(c.iommufd, 7);
	assert_true(c.verbose);
	assert_int_equal(c.console, CONSOLE_NONE);
	assert_int_equal(PARSE(&c, "--kernel", "k", "--console", "unix:/run/con.sock",
			       "--console-log", "/var/log/vm.log"), 0);
	assert_int_equal(c.console, CONSOLE_UNIX);
	assert_string_equal(c.console_path, "/run/con.sock");
	assert_string_equal(c.console_log, "/var/log/vm.log");
	assert_int_equal(PARSE(&c, "--kernel", "k", "--console", "pty"), 0);
	assert_int_equal(c.console, CONSOLE_PTY);
	assert_null(c.console_path);
}

static void bad(const char *msg, int argc, char **argv)
{
	struct vm_config c;

	assert_int_equal(config_parse_run(argc, argv, &c), -EINVAL);
	assert_string_equal(err_get(), msg);
}
#define BAD(msg, ...) bad(msg, NARGS(__VA_ARGS__), ARGS(__VA_ARGS__))

/* --cpus N[,sockets=S][,cores=C][,threads=T]: the counts not given are filled in */
static void topo(char *arg, int cpus, int s, int c, int t)
{
	struct vm_config cfg;

	assert_int_equal(PARSE(&cfg, "--kernel", "k", "--cpus", arg), 0);
	assert_int_equal(cfg.cpus, cpus);
	assert_int_equal(cfg.topology.sockets, s);
	assert_int_equal(cfg.topology.cores, c);
	assert_int_equal(cfg.topology.threads, t);
}

static void test_cpus_topology(void **state)
{
	struct vm_config cfg;

	topo("4", 4, 1, 4, 1);
	topo("4,sockets=2", 4, 2, 2, 1);
	topo("8,threads=2", 8, 1, 4, 2);
	topo("6,cores=3", 6, 2, 3, 1);
	topo("sockets=2,cores=2,threads=2", 8, 2, 2, 2);
	topo("threads=2,sockets=2", 4, 2, 1, 2);
	topo("64,sockets=4,threads=2", 64, 4, 8, 2);
	assert_int_equal(PARSE(&cfg, "--kernel", "k"), 0); /* the default: 1 socket, 1 core */
	assert_int_equal(cfg.topology.sockets * cfg.topology.cores * cfg.topology.threads, 1);
	BAD("--cpus: 4 vCPUs do not divide into 3 socket(s) of cores with 1 thread(s) each",
	    "--kernel", "k", "--cpus", "4,sockets=3");
	BAD("--cpus: 4 vCPUs do not divide into sockets of 3 core(s) with 1 thread(s) each",
	    "--kernel", "k", "--cpus", "4,cores=3");
	BAD("--cpus: 2 sockets x 2 cores x 2 threads is 8 vCPUs, not 4",
	    "--kernel", "k", "--cpus", "4,sockets=2,cores=2,threads=2");
	BAD("--cpus: 8 sockets x 8 cores x 2 threads is 128 vCPUs, more than 64",
	    "--kernel", "k", "--cpus", "sockets=8,cores=8,threads=2");
	BAD("--cpus: unknown 'dies' in '4,dies=2' (known: sockets, cores, threads)",
	    "--kernel", "k", "--cpus", "4,dies=2");
	BAD("--cpus: 'sockets' given twice in '4,sockets=2,sockets=2'",
	    "--kernel", "k", "--cpus", "4,sockets=2,sockets=2");
	BAD("--cpus: 'threads=0' wants a count from 1 to 64", "--kernel", "k", "--cpus",
	    "4,threads=0");
	BAD("--cpus: 'cores=' wants a count from 1 to 64", "--kernel", "k", "--cpus", "4,cores=");
	BAD("--cpus: '4,' ends with a comma", "--kernel", "k", "--cpus", "4,");
	BAD("--cpus: 'sockets=2,4' is not N[,sockets=S][,cores=C][,threads=T] with counts from "
	    "1 to 64", "--kernel", "k", "--cpus", "sockets=2,4");
	BAD("--cpus: '' is not N[,sockets=S][,cores=C][,threads=T]", "--kernel", "k", "--cpus", "");
}

static void test_errors(void **state)
{
	BAD("--memory: '12Q' is not a size such as 512M or 2G", "--kernel", "k", "--memory", "12Q");
	BAD("--memory: 1M must be at least 4M and a multiple of 4K", "--kernel", "k", "--memory", "1M");
	BAD("--memory: 5000 must be at least 4M and a multiple of 4K", "--kernel", "k", "--memory",
	    "5000");
	BAD("--cpus: '0' is not N[,sockets=S][,cores=C][,threads=T] with counts from 1 to 64",
	    "--kernel", "k", "--cpus", "0");
	BAD("--cpus: '65' is not N[,sockets=S][,cores=C][,threads=T] with counts from 1 to 64",
	    "--kernel", "k", "--cpus", "65");
	BAD("--cpus: 'two' is not N[,sockets=S][,cores=C][,threads=T] with counts from 1 to 64",
	    "--kernel", "k", "--cpus", "two");
	BAD("--console: 'tty' is not one of stdio, file:PATH, pty, unix:PATH (at most 107 bytes of path), none", "--kernel", "k", "--console",
	    "tty");
	BAD("--console: 'file:' is not one of stdio, file:PATH, pty, unix:PATH (at most 107 bytes of path), none", "--kernel", "k",
	    "--console", "file:");
	BAD("nothing to boot: give --kernel BZIMAGE (or --payload FILE), or a --config whose "
	    "/chosen has 'kernel' (or 'payload')", "--cpus", "2");
	BAD("--kernel and --payload exclude each other", "--kernel", "k", "--payload", "p");
	BAD("--initrd and --cmdline need --kernel, not --payload", "--payload", "p", "--initrd", "i");
	BAD("unknown option '--kernal'", "--kernal", "k");
	BAD("--shutdown-timeout: '86401' is not a number of seconds from 0 to 86400", "--kernel",
	    "k", "--shutdown-timeout", "86401");
	BAD("--shutdown-timeout: '-1' is not a number of seconds from 0 to 86400", "--kernel",
	    "k", "--shutdown-timeout", "-1");
	BAD("--shutdown-timeout needs a value", "--kernel", "k", "--shutdown-timeout");
	BAD("--seccomp: 'strict' is not enforce, log or off", "--kernel", "k", "--seccomp",
	    "strict");
	BAD("--seccomp needs a value", "--kernel", "k", "--seccomp");
	BAD("--user: no user 'no-such-user-here' in /etc/passwd (ptvm reads the file itself; for "
	    "users from elsewhere give UID:GID)", "--kernel", "k", "--user", "no-such-user-here");
	BAD("--user: '0' is root: --user is for dropping root", "--kernel", "k", "--user", "0");
	BAD("--api: '/run/vm.sock' is not unix:PATH", "--kernel", "k", "--api", "/run/vm.sock");
	BAD("--api: 'unix:' is not unix:PATH", "--kernel", "k", "--api", "unix:");
	BAD("--console-log needs a file name", "--kernel", "k", "--console-log", "");
	/* --dump-dtb: the board's device tree, where the board has one */
	if (arch_has_dtb) {
		struct vm_config c;

		assert_int_equal(PARSE(&c, "--kernel", "k", "--dump-dtb", "vm.dtb"), 0);
		assert_string_equal(c.dump_dtb, "vm.dtb");
		BAD("--dump-dtb needs a file name", "--kernel", "k", "--dump-dtb", "");
	} else {
		BAD("--dump-dtb: the x86_64 board describes the guest with ACPI tables, not a "
		    "device tree", "--kernel", "k", "--dump-dtb", "vm.dtb");
	}
	BAD("--iommufd: '2' is not an open file descriptor number (3 or more)", "--kernel", "k",
	    "--iommufd", "2");
	BAD("--kernel needs a value", "--kernel");
	BAD("unexpected argument 'extra'", "--kernel", "k", "extra");
	BAD("--set changes a boot config: it needs --config FILE", "--kernel", "k", "--set",
	    "/cpus=2");
	BAD("--config needs a value", "--kernel", "k", "--config");
	BAD("--device: ',x=1' does not start with a device type (e.g. --device testdev)",
	    "--kernel", "k", "--device", ",x=1");
	BAD("--memory (or 'memory-size') must be a multiple of 2M with --hugepages=2M", "--kernel",
	    "k", "--memory", "5M", "--hugepages");
	BAD("--memory (or 'memory-size') must be a multiple of 1G with --hugepages=1G", "--kernel",
	    "k", "--memory", "1536M", "--hugepages=1G");
	BAD("--hugepages: '4M' is not a huge page size: 2M or 1G", "--kernel", "k",
	    "--hugepages=4M");
}

static void test_opts_next(void **state)
{
	const char *s = "port=0xf4,mmio=0xfeb00000";
	char k[8], v[16];

	assert_int_equal(opts_next("t", &s, k, sizeof(k), v, sizeof(v)), 1);
	assert_string_equal(k, "port");
	assert_string_equal(v, "0xf4");
	assert_int_equal(opts_next("t", &s, k, sizeof(k), v, sizeof(v)), 1);
	assert_string_equal(k, "mmio");
	assert_int_equal(opts_next("t", &s, k, sizeof(k), v, sizeof(v)), 0);
	s = "novalue";
	assert_int_equal(opts_next("t", &s, k, sizeof(k), v, sizeof(v)), -EINVAL);
	assert_string_equal(err_get(), "--device t: 'novalue' is not key=value");
	s = "=1";
	assert_int_equal(opts_next("t", &s, k, sizeof(k), v, sizeof(v)), -EINVAL);
	s = "waytoolongkey=1";
	assert_int_equal(opts_next("t", &s, k, sizeof(k), v, sizeof(v)), -EINVAL);
	assert_non_null(device_type_find("testdev"));
	assert_null(device_type_find("nosuch"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_cpus_topology),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_opts_next),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
