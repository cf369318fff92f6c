#include "vmm/config.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "vmm/err.h"
#include "vmm/util.h"

static int parse_console(const char *s, struct vm_config *cfg)
{
	if (!strcmp(s, "stdio")) {
		cfg->console = CONSOLE_STDIO;
	} else if (!strcmp(s, "none")) {
		cfg->console = CONSOLE_NONE;
	} else if (!strncmp(s, "file:", 5) && s[5]) {
		cfg->console = CONSOLE_FILE;
		cfg->console_path = s + 5;
	} else {
		return err_msg(EINVAL, "--console: '%s' is not one of stdio, file:PATH, none", s);
	}
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
	memcpy(d->type, s, n);
	d->type[n] = '\0';
	d->opts = s[n] ? s + n + 1 : "";
	return 0;
}

int config_parse_run(int argc, char **argv, struct vm_config *cfg)
{
	enum { O_KERNEL = 256, O_PAYLOAD, O_INITRD, O_CMDLINE, O_MEMORY, O_CPUS, O_CONSOLE,
	       O_DEVICE, O_HUGEPAGES, O_VERBOSE, O_IOMMUFD };
	static const struct option opts[] = {
		{ "kernel", required_argument, NULL, O_KERNEL },
		{ "payload", required_argument, NULL, O_PAYLOAD },
		{ "initrd", required_argument, NULL, O_INITRD },
		{ "cmdline", required_argument, NULL, O_CMDLINE },
		{ "memory", required_argument, NULL, O_MEMORY },
		{ "cpus", required_argument, NULL, O_CPUS },
		{ "console", required_argument, NULL, O_CONSOLE },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "hugepages", no_argument, NULL, O_HUGEPAGES },
		{ "verbose", no_argument, NULL, O_VERBOSE },
		{ "iommufd", required_argument, NULL, O_IOMMUFD },
		{ NULL, 0, NULL, 0 },
	};
	uint64_t v;
	int c, r;

	memset(cfg, 0, sizeof(*cfg));
	cfg->iommufd = -1;
	cfg->memory = DEFAULT_MEMORY;
	cfg->cpus = 1;
	cfg->console = CONSOLE_STDIO;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+:", opts, NULL)) != -1) {
		switch (c) {
		case O_KERNEL: cfg->kernel = optarg; break;
		case O_PAYLOAD: cfg->payload = optarg; break;
		case O_INITRD: cfg->initrd = optarg; break;
		case O_CMDLINE: cfg->cmdline = optarg; break;
		case O_HUGEPAGES: cfg->hugepages = true; break;
		case O_VERBOSE: cfg->verbose = true; break;
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
			if (parse_u64(optarg, VM_MAX_CPUS, &v) || v == 0)
				return err_msg(EINVAL, "--cpus: '%s' is not a number from 1 to %d",
					       optarg, VM_MAX_CPUS);
			cfg->cpus = (int)v;
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
	if (!cfg->kernel == !cfg->payload)
		return err_msg(EINVAL, cfg->kernel ? "--kernel and --payload exclude each other"
						   : "nothing to boot: give --kernel BZIMAGE (or "
						     "--payload FILE)");
	if (cfg->payload && (cfg->initrd || cfg->cmdline))
		return err_msg(EINVAL, "--initrd and --cmdline need --kernel, not --payload");
	if (cfg->hugepages && cfg->memory % (2u << 20))
		return err_msg(EINVAL, "--memory must be a multiple of 2M with --hugepages");
	if (!cfg->cmdline)
		cfg->cmdline = DEFAULT_CMDLINE;
	return 0;
}
