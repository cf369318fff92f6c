#include "vmm/config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/arch.h"
#include "vmm/bootcfg.h"
#include "vmm/err.h"
#include "vmm/util.h"

int parse_console(const char *s, struct vm_config *cfg)
{
	cfg->console_path = NULL;
	if (!strcmp(s, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(s, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strcmp(s, "pty")) {
		cfg->console = CONSOLE_PTY;
	} else if (!strncmp(s, "file:", 5) && s[5]) {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = s + 5;
	} else if (!strncmp(s, "unix:", 5) && s[5] && strlen(s + 5) <= 107) {
		cfg->console = CONSOLE_UNIX;
		cfg->console_path = s + 5;
	} else {
		return err_msg(EINVAL, "--console: '%s' is not one of stdio, file:PATH, pty, "
			       "unix:PATH (at most 107 bytes of path), none", s);
	}
	return 0;
}

int parse_api(const char *s, const char **path)
{
	if (strncmp(s, "unix:", 5) || !s[5])
		return err_msg(EINVAL, "--api: '%s' is not unix:PATH", s);
	if (strlen(s + 5) > 107)
		return err_msg(EINVAL, "--api: the socket path is longer than 107 bytes");
	*path = s + 5;
	return 0;
}

static int parse_device(const char *s, struct vm_config *cfg)
{
	struct device_spec *d;
	size_t n = strcspn(s, ",");

	if (cfg->ndevices == CONFIG_MAX_DEVICES)
		return err_msg(EINVAL, "--device: at most %d devices", CONFIG_MAX_DEVICES);
	if (n == 0 || n >= sizeof(d->type))
		return err_msg(EINVAL, "--device: '%s' does not start with a device type "
				       "(e.g. --device testdev)", s);
	d = &cfg->devices[cfg->ndevices++];
	d->name[0] = '\0';
	memcpy(d->type, s, n);
	d->type[n] = '\0';
	d->opts = s[n] ? s + n + 1 : "";
	return 0;
}

void config_init(struct vm_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->iommufd = -1;
	cfg->memory = DEFAULT_MEMORY;
	cfg->cpus = 1;
	cfg->console = CONSOLE_STDIO;
	cfg->shutdown_timeout = DEFAULT_SHUTDOWN_TIMEOUT;
}

void config_free(struct vm_config *cfg)
{
	free(cfg->owned);
	cfg->owned = NULL;
}

enum { O_KERNEL = 256, O_PAYLOAD, O_INITRD, O_CMDLINE, O_MEMORY, O_CPUS, O_CONSOLE, O_DEVICE,
       O_HUGEPAGES, O_VERBOSE, O_STATS, O_IOMMUFD, O_CONFIG, O_SET, O_SHUTDOWN_TIMEOUT,
       O_API, O_CONSOLE_LOG, O_SECCOMP, O_USER, O_DUMP_DTB };
static const struct option run_opts[] = {
	{ "kernel", required_argument, NULL, O_KERNEL },
	{ "payload", required_argument, NULL, O_PAYLOAD },
	{ "initrd", required_argument, NULL, O_INITRD },
	{ "cmdline", required_argument, NULL, O_CMDLINE },
	{ "memory", required_argument, NULL, O_MEMORY },
	{ "cpus", required_argument, NULL, O_CPUS },
	{ "console", required_argument, NULL, O_CONSOLE },
	{ "device", required_argument, NULL, O_DEVICE },
	{ "hugepages", optional_argument, NULL, O_HUGEPAGES },
	{ "verbose", no_argument, NULL, O_VERBOSE },
	{ "stats", no_argument, NULL, O_STATS },
	{ "iommufd", required_argument, NULL, O_IOMMUFD },
	{ "config", required_argument, NULL, O_CONFIG },
	{ "set", required_argument, NULL, O_SET },
	{ "shutdown-timeout", required_argument, NULL, O_SHUTDOWN_TIMEOUT },
	{ "api", required_argument, NULL, O_API },
	{ "console-log", required_argument, NULL, O_CONSOLE_LOG },
	{ "seccomp", required_argument, NULL, O_SECCOMP },
	{ "user", required_argument, NULL, O_USER },
	{ "dump-dtb", required_argument, NULL, O_DUMP_DTB },
	{ NULL, 0, NULL, 0 },
};

/* The first pass: only --config and --set, so the boot config is read before any other
 * option applies over it. Bad options are left for the second pass to report. */
static int load_config(int argc, char **argv, struct vm_config *cfg)
{
	const char *path = NULL;
	char **sets;
	int c, nsets = 0, r;

	if (!(sets = calloc((size_t)argc, sizeof(*sets))))
		return err_msg(ENOMEM, "out of memory");
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", run_opts, NULL)) != -1) {
		if (c == O_CONFIG && path) {
			free(sets);
			return err_msg(EINVAL, "--config: give one boot config");
		}
		if (c == O_CONFIG)
			path = optarg;
		else if (c == O_SET)
			sets[nsets++] = optarg;
	}
	if (nsets && !path)
		r = err_msg(EINVAL, "--set changes a boot config: it needs --config FILE");
	else
		r = path ? bootcfg_load(cfg, path, sets, nsets) : 0;
	free(sets);
	return r;
}

int config_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	bool cli_kernel = false, cli_payload = false, cli_initrd = false, cli_cmdline = false;
	uint64_t v;
	int c, r;

	config_init(cfg);
	if ((r = load_config(argc, argv, cfg)) < 0)
		return r;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", run_opts, NULL)) != -1) {
		switch (c) {
		case O_KERNEL: cfg->kernel = optarg; cli_kernel = true; break;
		case O_PAYLOAD: cfg->payload = optarg; cli_payload = true; break;
		case O_INITRD: cfg->initrd = optarg; cli_initrd = true; break;
		case O_CMDLINE: cfg->cmdline = optarg; cli_cmdline = true; break;
		case O_HUGEPAGES:
			if (!optarg) {
				cfg->hugepages = HUGEPAGE_2M;
				break;
			}
			if (parse_size(optarg, &v) || (v != HUGEPAGE_2M && v != HUGEPAGE_1G))
				return err_msg(EINVAL, "--hugepages: '%s' is not a huge page size: 2M or 1G",
					       optarg);
			cfg->hugepages = v;
			break;
		case O_VERBOSE: cfg->verbose = true; break;
		case O_STATS: cfg->stats = true; break;
		case O_CONFIG: case O_SET: break; /* read by load_config() */
		case O_CONSOLE_LOG:
			if (!optarg[0])
				return err_msg(EINVAL, "--console-log needs a file name");
			cfg->console_log = optarg;
			break;
		case O_DUMP_DTB:
			if (!arch_has_dtb)
				return err_msg(EINVAL, "--dump-dtb: %s", arch_no_dtb);
			if (!optarg[0])
				return err_msg(EINVAL, "--dump-dtb needs a file name");
			cfg->dump_dtb = optarg;
			break;
		case O_USER:
			if ((r = run_user_parse(optarg, NULL, &cfg->user)))
				return err_ctx(r, "--user");
			break;
		case O_SECCOMP:
			if ((r = confine_mode_parse(optarg, &cfg->seccomp)))
				return err_ctx(r, "--seccomp");
			break;
		case O_API:
			if ((r = parse_api(optarg, &cfg->api_path)))
				return r;
			break;
		case O_SHUTDOWN_TIMEOUT:
			if (parse_u64(optarg, MAX_SHUTDOWN_TIMEOUT, &v))
				return err_msg(EINVAL, "--shutdown-timeout: '%s' is not a number of "
						       "seconds from 0 to %d", optarg,
					       MAX_SHUTDOWN_TIMEOUT);
			cfg->shutdown_timeout = (unsigned)v;
			break;
		case O_IOMMUFD:
			if (parse_u64(optarg, INT32_MAX, &v) || v < 3)
				return err_msg(EINVAL, "--iommufd: '%s' is not an open file descriptor "
						       "number (3 or more)", optarg);
			cfg->iommufd = (int)v;
			break;
		case O_MEMORY:
			if (parse_size(optarg, &v))
				return err_msg(EINVAL, "--memory: '%s' is not a size such as 512M or 2G",
					       optarg);
			if (v < VM_MIN_MEMORY || v % 4096)
				return err_msg(EINVAL, "--memory: %s must be at least 4M and a "
						       "multiple of 4K", optarg);
			cfg->memory = v;
			break;
		case O_CPUS:
			/* replaces the config's cpus and topology, all of it */
			if ((r = topology_parse(optarg, &cfg->cpus, &cfg->topology)))
				return r;
			break;
		case O_CONSOLE:
			if ((r = parse_console(optarg, cfg)))
				return r;
			break;
		case O_DEVICE:
			if ((r = parse_device(optarg, cfg)))
				return r;
			break;
		case ':':
			return err_msg(EINVAL, "%s needs a value", argv[optind - 1]);
		default:
			return err_msg(EINVAL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return err_msg(EINVAL, "unexpected argument '%s'", argv[optind]);
	if (cli_kernel && cli_payload)
		return err_msg(EINVAL, "--kernel and --payload exclude each other");
	/* The command line's boot source replaces the config's whole boot source. */
	if (cli_kernel)
		cfg->payload = NULL;
	if (cli_payload) {
		cfg->kernel = NULL;
		cfg->initrd = cli_initrd ? cfg->initrd : NULL;
		cfg->cmdline = cli_cmdline ? cfg->cmdline : NULL;
	}
	if (!cfg->kernel && !cfg->payload)
		return err_msg(EINVAL, "nothing to boot: give --kernel BZIMAGE (or --payload FILE), "
				       "or a --config whose /chosen has 'kernel' (or 'payload')");
	if (cfg->payload && (cfg->initrd || cfg->cmdline))
		return err_msg(EINVAL, "--initrd and --cmdline need --kernel, not --payload");
	if (cfg->hugepages && cfg->memory % cfg->hugepages)
		return err_msg(EINVAL, "--memory (or 'memory-size') must be a multiple of %s with "
				       "--hugepages=%s", hugepage_name(cfg->hugepages),
			       hugepage_name(cfg->hugepages));
	if (!cfg->cmdline)
		cfg->cmdline = arch_default_cmdline;
	/* resolved already by either source; this gives the default (1 socket, 1 thread) */
	return topology_resolve("--cpus", &cfg->cpus, &cfg->topology);
}
