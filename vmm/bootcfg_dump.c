/* "ptvm config --dump": the effective configuration (boot config + command line) as DTS,
 * which dtc compiles back into a boot config for the same VM. */
#include <stdlib.h>
#include <string.h>

#include "vmm/bootcfg.h"
#include "vmm/bootcfg_schema.h"
#include "vmm/cmd.h"
#include "vmm/devtype.h"
#include "vmm/err.h"
#include "vmm/util.h"

/* A DTS string literal of prefix + s: quotes, backslashes and control bytes escaped. */
static void put_str(FILE *f, const char *prefix, const char *s)
{
	fprintf(f, "\"%s", prefix);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void put_prop2(FILE *f, int depth, const char *name, const char *prefix, const char *s)
{
	fprintf(f, "%.*s%s = ", depth, "\t\t\t", name);
	put_str(f, prefix, s);
	fputs(";\n", f);
}

static void put_prop(FILE *f, int depth, const char *name, const char *s)
{
	put_prop2(f, depth, name, "", s);
}

static void put_num(FILE *f, int depth, const char *name, uint64_t n)
{
	if (n > UINT32_MAX)
		fprintf(f, "%.*s%s = /bits/ 64 <0x%llx>;\n", depth, "\t\t\t", name,
			(unsigned long long)n);
	else
		fprintf(f, "%.*s%s = <%llu>;\n", depth, "\t\t\t", name, (unsigned long long)n);
}

static const char *size_text(uint64_t v, char *buf, size_t len)
{
	static const char suffix[] = "KMGT";
	int i = -1;

	while (i < 3 && v >= 1024 && v % 1024 == 0) {
		v /= 1024;
		i++;
	}
	snprintf(buf, len, "%llu%.*s", (unsigned long long)v, i >= 0, i >= 0 ? &suffix[i] : "");
	return buf;
}

/* Checks one device's options against its class (a --device never met the schema yet). */
static int check_device(const struct device_spec *d, const struct bc_class **cls)
{
	const char *o = d->opts;
	char k[16], v[128];
	int r;

	if (!(*cls = bc_class_by_type(d->type)))
		return err_msg(EINVAL, "--device %s: a boot config cannot describe this type", d->type);
	while ((r = opts_next(d->type, &o, k, sizeof(k), v, sizeof(v))) > 0) {
		const struct bc_prop *p = (*cls)->props;
		uint64_t n = 0;

		while (p->name && !(p->opt && !strcmp(p->opt, k)))
			p++;
		if (!p->name)
			return err_msg(EINVAL, "--device %s: unknown option '%s'", d->type, k);
		if ((p->type == BC_NUM && parse_u64(v, p->max, &n)) ||
		    (p->valid && !p->valid(p->type == BC_STR ? v : "", n)))
			return err_msg(EINVAL, "--device %s: %s=%s: '%s' %s", d->type, k, v, p->name,
				       p->expect);
	}
	return r;
}

static void put_device(FILE *f, const struct device_spec *d, const struct bc_class *c, int i)
{
	const char *o = d->opts;
	char k[16], v[128];
	uint32_t given = 0;
	uint64_t n;

	if (d->name[0])
		fprintf(f, "\t\t%s {\n", d->name);
	else
		fprintf(f, "\t\t%s-%d {\t/* --device */\n", d->type, i);
	put_prop(f, 3, "compatible", c->compatible);
	while (opts_next(d->type, &o, k, sizeof(k), v, sizeof(v)) > 0) {
		const struct bc_prop *p = c->props;

		while (!(p->opt && !strcmp(p->opt, k)))
			p++;
		if (p->type == BC_NUM && !parse_u64(v, UINT64_MAX, &n))
			put_num(f, 3, p->name, n);
		else
			put_prop(f, 3, p->name, v);
		given |= 1u << (p - c->props);
	}
	for (const struct bc_prop *p = c->props; p->name; p++)
		if (p->dflt && !(given & (1u << (p - c->props))))
			put_prop(f, 3, p->name, p->dflt);
	fputs("\t\t};\n", f);
}

int bootcfg_dump(FILE *f, const struct vm_config *cfg)
{
	const struct bc_class *cls[CONFIG_MAX_DEVICES];
	char buf[64];
	int r;

	for (int i = 0; i < cfg->ndevices; i++)
		if ((r = check_device(&cfg->devices[i], &cls[i])) < 0)
			return r;
	fprintf(f, "/dts-v1/;\n\n/* The effective ptvm configuration: %s%s. */\n/ {\n",
		cfg->source ? cfg->source : "defaults", " with the command line over it");
	put_prop(f, 1, "compatible", BOOTCFG_COMPATIBLE);
	put_prop(f, 1, "memory-size", size_text(cfg->memory, buf, sizeof(buf)));
	put_num(f, 1, "cpus", (uint64_t)cfg->cpus);
	if (cfg->topology.sockets > 1 || cfg->topology.threads > 1) {
		put_num(f, 1, "sockets", (uint64_t)cfg->topology.sockets);
		put_num(f, 1, "cores", (uint64_t)cfg->topology.cores);
		put_num(f, 1, "threads", (uint64_t)cfg->topology.threads);
	}
	put_prop2(f, 1, "console", cfg->console == CONSOLE_STDIO ? "stdio"
				 : cfg->console == CONSOLE_NONE ? "none"
				 : cfg->console == CONSOLE_PTY ? "pty"
				 : cfg->console == CONSOLE_UNIX ? "unix:" : "file:",
		  cfg->console_path ? cfg->console_path : "");
	if (cfg->console_log)
		put_prop(f, 1, "console-log", cfg->console_log);
	put_num(f, 1, "shutdown-timeout", cfg->shutdown_timeout);
	if (cfg->api_path)
		put_prop2(f, 1, "api", "unix:", cfg->api_path);
	if (cfg->user.set)
		fprintf(f, "\tuser = \"%u:%u\"; /* %s */\n", (unsigned)cfg->user.uid,
			(unsigned)cfg->user.gid, cfg->user.name);
	put_prop(f, 1, "seccomp", confine_mode_name(cfg->seccomp));
	if (cfg->hugepages == HUGEPAGE_2M)
		fputs("\thugepages;\n", f);
	else if (cfg->hugepages)
		put_prop(f, 1, "hugepage-size", "1G");
	if (cfg->iommufd >= 0)
		fprintf(f, "\t/* --iommufd %d: a file descriptor, not part of a boot config */\n",
			cfg->iommufd);
	fputs("\n\tchosen {\n", f);
	if (cfg->kernel)
		put_prop(f, 2, "kernel", cfg->kernel);
	if (cfg->initrd)
		put_prop(f, 2, "initrd", cfg->initrd);
	if (cfg->kernel && cfg->cmdline)
		put_prop(f, 2, "bootargs", cfg->cmdline);
	if (cfg->payload)
		put_prop(f, 2, "payload", cfg->payload);
	fputs("\t};\n\n\tdevices {\n", f);
	for (int i = 0; i < cfg->ndevices; i++)
		put_device(f, &cfg->devices[i], cls[i], i);
	fputs("\t};\n};\n", f);
	return 0;
}

/* --- ptvm config ----------------------------------------------------------------------- */

static void config_usage(FILE *f)
{
	fputs("usage: ptvm config --dump [--config FILE] [--set /NODE/PROP=VALUE]... "
	      "[RUN OPTIONS]\n\n"
	      "Prints the configuration 'ptvm run' would boot with the same options, as a\n"
	      "device tree source (DTS): the boot config, the --set overrides and every other\n"
	      "run option applied over it. dtc compiles the output into a boot config for\n"
	      "the same VM. The schema is in docs/boot-config.md; see 'ptvm run --help'.\n", f);
}

static int config_main(int argc, char **argv)
{
	struct vm_config cfg;
	char **args = calloc((size_t)argc + 1, sizeof(*args));
	int n = 0, dump = 0, r;

	if (!args)
		return err_msg(ENOMEM, "out of memory");
	args[n++] = "run";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dump"))
			dump = 1;
		else
			args[n++] = argv[i];
	}
	if (!dump) {
		free(args);
		fprintf(stderr, "ptvm config: say what to do: --dump (see 'ptvm config --help')\n");
		return EXIT_USAGE;
	}
	r = config_parse_run(n, args, &cfg);
	if (r == 0)
		r = bootcfg_dump(stdout, &cfg);
	free(args);
	if (r < 0) {
		fprintf(stderr, "ptvm config: %s\n", err_get());
		r = EXIT_USAGE;
	}
	config_free(&cfg);
	return r;
}

static const struct ptvm_cmd cmd_config = {
	.name = "config",
	.summary = "print the effective VM configuration as a device tree source",
	.usage = config_usage,
	.main = config_main,
};
PTVM_COMMAND(cmd_config);
