/* Boot configs: valid trees in every form, the command line over them, --set, a message
 * naming node and property for each invalid value, damaged and truncated blobs, and the
 * DTS that 'ptvm config --dump' prints read back into the same configuration. Configs are
 * written as DTS and compiled by the real dtc (through ptvm's own .dts path). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/arch.h"
#include "vmm/bootcfg.h"
#include "vmm/config.h"
#include "vmm/err.h"

static char dir[] = "/tmp/ptvm-bootcfg-XXXXXX";
static char dts_path[64], dtb_path[64];

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* Parses "run --config DTS_PATH" + args, with the source text in DTS_PATH. */
static int run_with(struct vm_config *c, const char *dts, char **args)
{
	char *argv[32] = { "run", "--config", dts_path };
	int argc = 3, r;

	write_file(dts_path, dts, strlen(dts));
	while (args && *args)
		argv[argc++] = *args++;
	r = config_parse_run(argc, argv, c);
	return r;
}
#define PARSE(c, dts, ...) run_with(c, dts, (char *[]){ __VA_ARGS__ })

#define HEAD "/dts-v1/; / { compatible = \"ptvm,vm-v1\"; "
#define BOOT " chosen { kernel = \"/boot/bzImage\"; }; "

static const char full[] =
	"/dts-v1/;\n"
	"/ {\n"
	"	compatible = \"ptvm,vm-v1\";\n"
	"	memory-size = \"1G\";\n"
	"	cpus = <2>;\n"
	"	console = \"file:/var/log/vm.log\";\n"
	"	hugepages;\n"
	"	shutdown-timeout = <90>;\n"
	"	api = \"unix:/run/ptvm/vm.sock\";\n"
	"	console-log = \"/var/log/vm-all.log\";\n"
	"	seccomp = \"log\";\n"
	"	x-vendor-build = \"appliance 4.2\";\n"
	"	chosen {\n"
	"		kernel = \"/boot/bzImage\";\n"
	"		initrd = \"/boot/initrd.gz\";\n"
	"		bootargs = \"console=ttyS0 quiet \\\"x\\\"\";\n"
	"	};\n"
	"	devices {\n"
	"		nic0 {\n"
	"			compatible = \"ptvm,vfio-pci\";\n"
	"			bdf = \"0000:03:00.0\";\n"
	"			reset = \"hot\";\n"
	"			rom = \"hide\";\n"
	"			guest-slot = <5>;\n"
	"		};\n"
	"		nic1 {\n"
	"			compatible = \"ptvm,vfio-pci\";\n"
	"			path = \"/dev/vfio/devices/vfio1\";\n"
	"			x-note = \"uplink\";\n"
	"		};\n"
	"		spare {\n"
	"			compatible = \"ptvm,vfio-pci\";\n"
	"			bdf = \"0000:04:00.0\";\n"
	"			status = \"disabled\";\n"
	"		};\n"
	"		test {\n"
	"			compatible = \"ptvm,testdev\";\n"
	"			port = <0x501>;\n"
	"			mmio = /bits/ 64 <0x100000000>;\n"
	"		};\n"
	"	};\n"
	"};\n";

static void check_full(const struct vm_config *c)
{
	assert_string_equal(c->kernel, "/boot/bzImage");
	assert_string_equal(c->initrd, "/boot/initrd.gz");
	assert_string_equal(c->cmdline, "console=ttyS0 quiet \"x\"");
	assert_null(c->payload);
	assert_true(c->memory == 1ull << 30);
	assert_int_equal(c->cpus, 2);
	assert_int_equal(c->seccomp, CONFINE_LOG);
	assert_int_equal(c->console, CONSOLE_FILE);
	assert_string_equal(c->console_path, "/var/log/vm.log");
	assert_true(c->hugepages);
	assert_int_equal(c->ndevices, 3); /* "spare" is disabled */
	assert_string_equal(c->devices[0].type, "vfio");
	assert_string_equal(c->devices[0].name, "nic0");
	assert_string_equal(c->devices[0].opts, "bdf=0000:03:00.0,reset=hot,slot=5");
	assert_string_equal(c->devices[1].name, "nic1");
	assert_string_equal(c->devices[1].opts, "path=/dev/vfio/devices/vfio1");
	assert_string_equal(c->devices[2].type, "testdev");
	assert_string_equal(c->devices[2].opts, "port=1281,mmio=4294967296");
}

static void test_virtio_console(void **state)
{
	static const char dts[] =
		"/dts-v1/;\n/ { compatible = \"ptvm,vm-v1\"; chosen { kernel = \"/boot/vmlinux\"; "
		"bootargs = \"console=hvc0\"; }; devices { hvc { compatible = "
		"\"ptvm,virtio-console\"; }; }; };\n";
	static const char bad[] =
		"/dts-v1/;\n/ { compatible = \"ptvm,vm-v1\"; chosen { kernel = \"/boot/vmlinux\"; "
		"}; devices { hvc { compatible = \"ptvm,virtio-console\"; port = <1>; }; }; };\n";
	struct vm_config c;

	assert_int_equal(PARSE(&c, dts, NULL), 0);
	assert_int_equal(c.ndevices, 1);
	assert_string_equal(c.devices[0].type, "virtio-console");
	assert_string_equal(c.devices[0].opts, "");
	assert_string_equal(c.devices[0].name, "hvc");
	config_free(&c);
	assert_int_equal(PARSE(&c, bad, NULL), -EINVAL);
	assert_non_null(strstr(err_get(), "/devices/hvc"));
	assert_non_null(strstr(err_get(), "port"));
	config_free(&c);
}

static void test_full(void **state)
{
	struct vm_config c;

	assert_int_equal(PARSE(&c, full, NULL), 0);
	check_full(&c);
	assert_string_equal(c.source, dts_path);
	config_free(&c);
}

static void test_defaults_and_payload(void **state)
{
	struct vm_config c;

	assert_int_equal(PARSE(&c, HEAD "chosen { payload = \"/p.bin\"; }; };", NULL), 0);
	assert_string_equal(c.payload, "/p.bin");
	assert_null(c.kernel);
	assert_true(c.memory == 512ull << 20);
	assert_int_equal(c.cpus, 1);
	assert_int_equal(c.console, CONSOLE_STDIO);
	assert_int_equal(c.ndevices, 0);
	assert_false(c.hugepages);
	assert_int_equal(c.shutdown_timeout, 30);
	config_free(&c);
	/* No /chosen at all: the command line must name what boots. */
	assert_int_equal(PARSE(&c, HEAD "cpus = <3>; };", "--kernel", "k", NULL), 0);
	assert_int_equal(c.cpus, 3);
	assert_string_equal(c.cmdline, arch_default_cmdline);
	config_free(&c);
	/* a topology: the vCPU count follows from it, or must match it */
	assert_int_equal(PARSE(&c, HEAD "sockets = <2>; threads = <2>; };", "--kernel", "k", NULL), 0);
	assert_true(c.cpus == 4 && c.topology.sockets == 2 && c.topology.cores == 1 &&
		    c.topology.threads == 2);
	config_free(&c);
	assert_int_equal(PARSE(&c, HEAD "cpus = <8>; sockets = <2>; };", "--kernel", "k", NULL), 0);
	assert_true(c.cpus == 8 && c.topology.sockets == 2 && c.topology.cores == 4);
	config_free(&c);
	/* --cpus replaces all of it */
	assert_int_equal(PARSE(&c, HEAD "cpus = <8>; sockets = <2>; };", "--kernel", "k", "--cpus",
			       "3", NULL), 0);
	assert_true(c.cpus == 3 && c.topology.sockets == 1 && c.topology.cores == 3);
	config_free(&c);
}

static void test_command_line_overrides(void **state)
{
	struct vm_config c;

	assert_int_equal(PARSE(&c, full, "--memory", "256M", "--cpus", "4", "--console", "none",
			       "--cmdline", "quiet", "--device", "testdev", NULL), 0);
	assert_true(c.memory == 256ull << 20);
	assert_int_equal(c.cpus, 4);
	assert_int_equal(c.console, CONSOLE_NONE);
	assert_string_equal(c.cmdline, "quiet");
	assert_string_equal(c.initrd, "/boot/initrd.gz"); /* untouched */
	assert_int_equal(c.ndevices, 4);                  /* --device adds */
	assert_string_equal(c.devices[3].type, "testdev");
	assert_string_equal(c.devices[3].name, "");
	config_free(&c);
	/* --payload replaces the config's whole boot source, --kernel only the kernel. */
	assert_int_equal(PARSE(&c, full, "--payload", "/t.bin", NULL), 0);
	assert_string_equal(c.payload, "/t.bin");
	assert_null(c.kernel);
	assert_null(c.initrd);
	assert_string_equal(c.cmdline, arch_default_cmdline); /* not the config's bootargs */
	config_free(&c);
	assert_int_equal(PARSE(&c, HEAD "chosen { payload = \"/p\"; }; };", "--kernel", "/k", NULL),
			 0);
	assert_null(c.payload);
	assert_string_equal(c.kernel, "/k");
	config_free(&c);
	/* The config's hugepages meet a command-line size that does not suit them. */
	assert_int_equal(PARSE(&c, full, "--memory", "5M", NULL), -EINVAL);
	assert_string_equal(err_get(), "--memory (or 'memory-size') must be a multiple of 2M with "
				       "--hugepages=2M");
	config_free(&c);
	/* hugepage-size: 1 GiB pages, shown back as such */
	assert_int_equal(PARSE(&c, HEAD "memory-size = \"2G\"; hugepage-size = \"1G\"; "
				   "chosen { kernel = \"/k\"; }; };", NULL), 0);
	assert_true(c.hugepages == 1ull << 30);
	config_free(&c);
	assert_int_equal(PARSE(&c, HEAD "memory-size = \"3G\"; hugepage-size = \"1G\"; "
				   "chosen { kernel = \"/k\"; }; };", "--memory", "1536M", NULL), -EINVAL);
	assert_string_equal(err_get(), "--memory (or 'memory-size') must be a multiple of 1G with "
				       "--hugepages=1G");
	config_free(&c);
}

static void test_set(void **state)
{
	struct vm_config c;

	assert_int_equal(PARSE(&c, full, "--set", "/devices/nic0/bdf=0000:00:03.0", "--set",
			       "/cpus=8", "--set", "/chosen/kernel=/lab/bzImage", "--set",
			       "/devices/nic1/status=disabled", "--set", "/hugepages=false",
			       "--set", "/memory-size=64M", "--set", "/x-mine=1", NULL), 0);
	assert_string_equal(c.devices[0].opts, "bdf=0000:00:03.0,reset=hot,slot=5");
	assert_int_equal(c.ndevices, 2);
	assert_int_equal(c.cpus, 8);
	assert_string_equal(c.kernel, "/lab/bzImage");
	assert_false(c.hugepages);
	assert_true(c.memory == 64ull << 20);
	config_free(&c);
	/* /chosen is made when the config has none. */
	assert_int_equal(PARSE(&c, HEAD "};", "--set", "/chosen/payload=/p", NULL), 0);
	assert_string_equal(c.payload, "/p");
	config_free(&c);
}

struct bad_case {
	const char *dts, *msg;
};

static void test_invalid(void **state)
{
	static const struct bad_case cases[] = {
		{ "/dts-v1/; / { chosen { kernel = \"k\"; }; };",
		  "/: 'compatible' is missing: a boot config's root node says compatible = "
		  "\"ptvm,vm-v1\"" },
		{ "/dts-v1/; / { compatible = \"ptvm,vm-v2\"; };",
		  "/: 'compatible' must be \"ptvm,vm-v1\"" },
		{ HEAD "memory = \"1G\"; };",
		  "/: unknown property 'memory' (known: compatible, memory-size, cpus, sockets, cores, threads, console, "
		  "console-log, hugepages, hugepage-size, api, shutdown-timeout, user, seccomp; name a "
		  "property of your own x-NAME)" },
		{ HEAD "api = \"tcp:1.2.3.4:5\"; };", "/: 'api' must be \"unix:PATH\" (the control "
		  "socket, at most 107 bytes of path)" },
		{ HEAD "shutdown-timeout = <86401>; };", "/: 'shutdown-timeout' must be a number of "
		  "seconds from <0> to <86400> (it is 86401)" },
		{ HEAD "seccomp = \"strict\"; };", "/: 'seccomp' must be \"enforce\", \"log\" or "
		  "\"off\"" },
		{ HEAD "hugepage-size = \"4M\"; };", "/: 'hugepage-size' must be \"2M\" or \"1G\"" },
		{ HEAD "memory-size = <512>; };", "/: 'memory-size' must be one string (\"...\")" },
		{ HEAD "memory-size = \"1M\"; };", "/: 'memory-size' must be a size such as \"512M\" "
		  "or \"2G\" (at least 4M, a multiple of 4K)" },
		{ HEAD "cpus = <0>; };", "/: 'cpus' must be a vCPU count from <1> to <64>" },
		{ HEAD "cpus = <65>; };", "/: 'cpus' must be a vCPU count from <1> to <64> (it is 65)" },
		{ HEAD "cpus = \"2\"; };", "/: 'cpus' must be one number: <N>" },
		{ HEAD "cpus = <4>; sockets = <3>; };",
		  "/: 4 vCPUs do not divide into 3 socket(s) of cores with 1 thread(s) each" },
		{ HEAD "threads = <0>; };", "/: 'threads' must be a count of threads per core from "
		  "<1> to <64>" },
		{ HEAD "cpus = <1 2>; };", "/: 'cpus' must be one number: <N>" },
		{ HEAD BOOT "devices { t { compatible = \"ptvm,testdev\"; mmio = <1 2 3>; }; }; };",
		  "/devices/t: 'mmio' must be one number: <N> or /bits/ 64 <N>" },
		{ HEAD "console = \"tty\"; };",
		  "/: 'console' must be \"stdio\", \"none\", \"pty\", \"file:PATH\" or "
		  "\"unix:PATH\"" },
		{ HEAD "hugepages = <1>; };", "/: 'hugepages' must be empty (a flag: 'hugepages;')" },
		{ HEAD "cpu { }; };", "/: unknown node 'cpu' (known: chosen, devices; name a node of "
		  "your own x-NAME)" },
		{ HEAD "chosen { kernel = \"a\", \"b\"; }; };",
		  "/chosen: 'kernel' must be one string (\"...\")" },
		{ HEAD "chosen { kernel = [61 62]; }; };",
		  "/chosen: 'kernel' must be one string (\"...\")" },
		{ HEAD "chosen { kernel = \"\"; }; };", "/chosen: 'kernel' must be the path of a bzImage" },
		{ HEAD "chosen { kernel = \"k\"; payload = \"p\"; }; };",
		  "/chosen: 'kernel' and 'payload' exclude each other" },
		{ HEAD "chosen { payload = \"p\"; bootargs = \"x\"; }; };",
		  "/chosen: 'initrd' and 'bootargs' need 'kernel', not 'payload'" },
		{ HEAD "chosen { stdout-path = \"serial0\"; }; };",
		  "/chosen: unknown property 'stdout-path' (known: kernel, initrd, bootargs, payload; "
		  "name a property of your own x-NAME)" },
		{ HEAD "chosen { sub { }; }; };", "/chosen: unknown node 'sub' (it has no child nodes)" },
		{ HEAD BOOT "devices { nic0 { bdf = \"0000:03:00.0\"; }; }; };",
		  "/devices/nic0: 'compatible' must be one of \"ptvm,vfio-pci\", \"ptvm,testdev\", \"ptvm,virtio-console\"" },
		{ HEAD BOOT "devices { nic0 { compatible = \"vfio\"; }; }; };",
		  "/devices/nic0: 'compatible' must be one of \"ptvm,vfio-pci\", \"ptvm,testdev\", \"ptvm,virtio-console\"" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"03:00.0\"; }; }; };",
		  "/devices/nic0: 'bdf' must look like 0000:03:00.0" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:20.0\"; }; }; };",
		  "/devices/nic0: 'bdf' must look like 0000:03:00.0" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; }; }; };",
		  "/devices/nic0: name the device with exactly one of 'bdf', 'path' or 'fd'" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "path = \"/dev/vfio/devices/vfio0\"; }; }; };",
		  "/devices/nic0: name the device with exactly one of 'bdf', 'path' or 'fd'" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; path = \"/a,b\"; }; }; };",
		  "/devices/nic0: 'path' must be shorter than 128 characters and hold no ','" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "reset = \"bus\"; }; }; };",
		  "/devices/nic0: 'reset' must be \"auto\", \"function\", \"hot\" or \"none\"" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "rom = \"show\"; }; }; };",
		  "/devices/nic0: 'rom' must be \"hide\" (the only ROM policy ptvm has)" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "guest-slot = <0>; }; }; };",
		  "/devices/nic0: 'guest-slot' must be a PCI slot on the guest's bus 0, <1> to <31>" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "status = \"off\"; }; }; };",
		  "/devices/nic0: 'status' must be \"okay\" or \"disabled\"" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "port = <1>; }; }; };",
		  "/devices/nic0: unknown property 'port' (known: compatible, status, bdf, path, fd, "
		  "iommufd, reset, rom, guest-slot, vf-token; name a property of your own x-NAME)" },
		{ HEAD BOOT "devices { nic0 { compatible = \"ptvm,vfio-pci\"; bdf = \"0000:03:00.0\"; "
		  "vf-token = \"3f2d6a7e-9b1c-4d5e-8f00-11223344556\"; }; }; };",
		  "/devices/nic0: 'vf-token' must be a UUID such as "
		  "\"3f2d6a7e-9b1c-4d5e-8f00-112233445566\"" },
		{ HEAD BOOT "devices { t { compatible = \"ptvm,testdev\"; mmio = <0x1234>; }; }; };",
		  "/devices/t: 'mmio' must be a 4K-aligned guest-physical address" },
		{ HEAD BOOT "devices { t { compatible = \"ptvm,testdev\"; port = <0x10000>; }; }; };",
		  "/devices/t: 'port' must be an I/O port, <0> to <0xffff> (it is 65536)" },
		{ HEAD BOOT "devices { #size-cells = <0>; }; };",
		  "/devices: unknown property '#size-cells' (known: ; name a property of your own "
		  "x-NAME)" },
	};
	struct vm_config c;
	char want[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(want, sizeof(want), "config %s: %s", dts_path, cases[i].msg);
		if (PARSE(&c, cases[i].dts, NULL) != -EINVAL || strcmp(err_get(), want))
			fail_msg("case %zu: %s\n  got:  %s\n  want: %s", i, cases[i].dts, err_get(),
				 want);
		config_free(&c);
	}
}

static void test_set_errors(void **state)
{
	struct vm_config c;
	char want[256];

	assert_int_equal(PARSE(&c, full, "--set", "cpus=2", NULL), -EINVAL);
	assert_string_equal(err_get(), "--set: 'cpus=2' is not /NODE/PROPERTY=VALUE (e.g. "
				       "/devices/nic0/bdf=0000:03:00.0)");
	config_free(&c);
	assert_int_equal(PARSE(&c, full, "--set", "/devices/nic9/bdf=0000:00:03.0", NULL), -EINVAL);
	assert_string_equal(err_get(), "--set /devices/nic9/bdf=0000:00:03.0: the config has no "
				       "node /devices/nic9");
	config_free(&c);
	assert_int_equal(PARSE(&c, full, "--set", "/cpu=2", NULL), -EINVAL);
	assert_string_equal(err_get(), "--set /cpu=2: / has no property 'cpu'");
	config_free(&c);
	assert_int_equal(PARSE(&c, full, "--set", "/cpus=two", NULL), -EINVAL);
	assert_string_equal(err_get(), "--set /cpus=two: 'cpus' takes a number");
	config_free(&c);
	/* A value --set writes is checked like any other. */
	assert_int_equal(PARSE(&c, full, "--set", "/devices/nic0/bdf=3:0.0", NULL), -EINVAL);
	snprintf(want, sizeof(want), "config %s: /devices/nic0: 'bdf' must look like 0000:03:00.0",
		 dts_path);
	assert_string_equal(err_get(), want);
	config_free(&c);
}

static void test_files(void **state)
{
	struct vm_config c;
	char *argv[] = { "run", "--config", dtb_path, NULL };
	char want[256];
	int null = open("/dev/null", O_WRONLY), saved, r;

	snprintf(dtb_path, sizeof(dtb_path), "%s/nosuch.dtb", dir);
	assert_int_equal(config_parse_run(3, argv, &c), -ENOENT);
	snprintf(want, sizeof(want), "config %s: No such file or directory", dtb_path);
	assert_string_equal(err_get(), want);
	config_free(&c);
	snprintf(dtb_path, sizeof(dtb_path), "%s/text.dtb", dir);
	write_file(dtb_path, "hello\n", 6);
	assert_int_equal(config_parse_run(3, argv, &c), -EINVAL);
	snprintf(want, sizeof(want), "config %s: not a device tree blob (.dtb); a source file must "
				     "be named *.dts to be compiled with dtc", dtb_path);
	assert_string_equal(err_get(), want);
	config_free(&c);
	/* A .dts dtc refuses: dtc's own message goes to stderr (silenced here), ours names
	 * the file. */
	fflush(stderr);
	saved = dup(2);
	assert_true(saved >= 0 && dup2(null, 2) == 2);
	r = PARSE(&c, "/dts-v1/; / { cpus = <1> };", NULL);
	dup2(saved, 2);
	close(saved);
	close(null);
	assert_int_equal(r, -EINVAL);
	snprintf(want, sizeof(want), "config %s: dtc could not compile it (its messages are above)",
		 dts_path);
	assert_string_equal(err_get(), want);
	config_free(&c);
	assert_int_equal(config_parse_run(5, (char *[]){ "run", "--config", "a.dtb", "--config",
							"b.dtb", NULL }, &c), -EINVAL);
	assert_string_equal(err_get(), "--config: give one boot config");
	config_free(&c);
}

/* A valid blob of the full config, compiled by dtc. */
static void *full_blob(size_t *len)
{
	char cmd[256];
	FILE *f;
	void *b = malloc(65536);

	assert_non_null(b);
	write_file(dts_path, full, strlen(full));
	snprintf(cmd, sizeof(cmd), "dtc -q -I dts -O dtb -o - %s", dts_path);
	assert_non_null(f = popen(cmd, "r"));
	*len = fread(b, 1, 65536, f);
	assert_int_equal(pclose(f), 0);
	assert_true(*len > 40);
	return b;
}

static void test_corrupt(void **state)
{
	struct vm_config c;
	size_t len;
	uint8_t *b = full_blob(&len), *copy = malloc(len);
	int ok = 0;

	config_init(&c);
	assert_int_equal(bootcfg_parse(&c, b, len, "full.dtb", NULL, 0), 0);
	check_full(&c);
	config_free(&c);
	/* Every truncation is refused, with the file named. */
	for (size_t n = 0; n < len; n++) {
		config_init(&c);
		assert_int_equal(bootcfg_parse(&c, b, n, "cut.dtb", NULL, 0), -EINVAL);
		assert_true(!strncmp(err_get(), "config cut.dtb: ", 16));
		config_free(&c);
	}
	/* Every byte flipped: refused or read, never out of bounds (run under ASan too). */
	for (size_t i = 0; i < len; i++) {
		memcpy(copy, b, len);
		copy[i] ^= 0xff;
		config_init(&c);
		ok += bootcfg_parse(&c, copy, len, "flip.dtb", NULL, 0) == 0;
		config_free(&c);
	}
	assert_true(ok < (int)len); /* the header and structure checks did refuse some */
	config_init(&c);
	assert_int_equal(bootcfg_parse(&c, b, BOOTCFG_MAX_SIZE + 1, "huge.dtb", NULL, 0), -EINVAL);
	config_free(&c);
	/* Other blob versions than 17 (dtc's) are refused: libfdt 1.6.1 mishandles them. */
	memcpy(copy, b, len);
	copy[23] = 16; /* the header's version field, big-endian, at offset 20 */
	config_init(&c);
	assert_int_equal(bootcfg_parse(&c, copy, len, "v16.dtb", NULL, 0), -EINVAL);
	assert_string_equal(err_get(), "config v16.dtb: device tree blob version 16 is not "
				       "supported (dtc writes version 17)");
	config_free(&c);
	free(copy);
	free(b);
}

/* dump -> dtc -> parse gives the same configuration. */
static void test_dump_round_trip(void **state)
{
	struct vm_config a, b;
	char *text = NULL;
	size_t tlen = 0;
	FILE *f;

	assert_int_equal(PARSE(&a, full, "--device", "vfio,fd=7,iommufd=5,slot=9", "--console",
			       "file:/tmp/a \"b\"", NULL), 0);
	assert_non_null(f = open_memstream(&text, &tlen));
	assert_int_equal(bootcfg_dump(f, &a), 0);
	fclose(f);
	assert_non_null(strstr(text, "compatible = \"ptvm,vm-v1\";"));
	assert_non_null(strstr(text, "vfio-3 {"));
	assert_null(strstr(text, "spare")); /* disabled: not part of what boots */
	assert_non_null(strstr(text, "\t\t\treset = \"auto\";\n\t\t\trom = \"hide\";\n"
				     "\t\t};\n\t\ttest {")); /* nic1's defaults, shown */
	assert_int_equal(PARSE(&b, text, NULL), 0);
	assert_string_equal(a.kernel, b.kernel);
	assert_string_equal(a.initrd, b.initrd);
	assert_string_equal(a.cmdline, b.cmdline);
	assert_true(a.memory == b.memory);
	assert_int_equal(a.cpus, b.cpus);
	assert_int_equal(a.console, b.console);
	assert_string_equal(a.console_path, b.console_path);
	assert_int_equal(a.hugepages, b.hugepages);
	assert_int_equal(a.shutdown_timeout, 90);
	assert_int_equal(b.shutdown_timeout, 90);
	assert_string_equal(a.api_path, "/run/ptvm/vm.sock");
	assert_string_equal(b.api_path, "/run/ptvm/vm.sock");
	assert_string_equal(b.console_log, "/var/log/vm-all.log");
	assert_int_equal(a.ndevices, b.ndevices);
	for (int i = 0; i < a.ndevices; i++) {
		assert_string_equal(a.devices[i].type, b.devices[i].type);
		assert_string_equal(a.devices[i].opts, b.devices[i].opts);
	}
	assert_string_equal(b.devices[3].name, "vfio-3");
	free(text);
	config_free(&a);
	config_free(&b);
	/* A --device option with no boot-config equivalent is refused, not dropped. */
	assert_int_equal(PARSE(&a, full, "--device", "vfio,bdf=0000:03:00.0,rom=show", NULL), 0);
	assert_non_null(f = fopen("/dev/null", "w"));
	assert_int_equal(bootcfg_dump(f, &a), -EINVAL);
	assert_string_equal(err_get(), "--device vfio: unknown option 'rom'");
	fclose(f);
	config_free(&a);
}

/* The shipped examples (configs/boot) read as documented. */
static void test_examples(void **state)
{
	static const char *const names[] = { "demo", "nic", "appliance" };
	struct vm_config c;
	char path[256];

	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "configs/boot/%s.dts", names[i]);
		if (access(path, R_OK)) { /* tools/test runs tests from the top of the tree */
			print_message("skip: no %s here (run from the top of the tree)\n", path);
			skip();
		}
		if (config_parse_run(3, (char *[]){ "run", "--config", path, NULL }, &c))
			fail_msg("%s: %s", path, err_get());
		assert_string_equal(c.kernel, i < 2 ? "/boot/bzImage" : "/boot/appliance/bzImage");
		assert_int_equal(c.ndevices, i);
		if (i == 2) {
			assert_string_equal(c.devices[0].opts, "bdf=0000:03:00.0,reset=hot,slot=4");
			assert_string_equal(c.devices[1].opts, "path=/dev/vfio/devices/vfio1,reset=function");
			assert_true(c.hugepages && c.cpus == 2 && c.memory == 1ull << 30);
		}
		config_free(&c);
	}
}

static int setup(void **state)
{
	if (!mkdtemp(dir))
		return -1;
	snprintf(dts_path, sizeof(dts_path), "%s/vm.dts", dir);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_virtio_console),
		cmocka_unit_test(test_defaults_and_payload),
		cmocka_unit_test(test_command_line_overrides),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_set_errors),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_dump_round_trip),
		cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests_name("bootcfg", tests, setup, teardown);
}
