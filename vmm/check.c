/* The "ptvm check" command and its report: checkers register with PTVM_CHECKER and add
 * results through check_report(); this file prints them as text or JSON. */
#include "vmm/check.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cmd.h"
#include "vmm/util.h"

static const char *const status_name[] = { "PASS", "WARN", "FAIL" };

void check_report(struct check_ctx *ctx, enum check_status st, const char *subject,
		  const char *name, const char *hint, const char *fmt, ...)
{
	struct check_result *r;
	va_list ap;

	if (ctx->nresults == ctx->cap) {
		int cap = ctx->cap ? ctx->cap * 2 : 16;
		void *p = realloc(ctx->results, (size_t)cap * sizeof(*r));

		if (!p) {
			ctx->out_of_memory = true; /* check_main reports it */
			return;
		}
		ctx->results = p;
		ctx->cap = cap;
	}
	r = &ctx->results[ctx->nresults++];
	memset(r, 0, sizeof(*r));
	r->status = st;
	snprintf(r->subject, sizeof(r->subject), "%s", subject);
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->hint, sizeof(r->hint), "%s", hint ? hint : "");
	va_start(ap, fmt);
	vsnprintf(r->message, sizeof(r->message), fmt, ap);
	va_end(ap);
}

int check_run_all(struct check_ctx *ctx)
{
	int fails = 0;

	PTVM_FOREACH(ptvm_checkers, c)
		c->run(ctx);
	if (ctx->ndevices && !ctx->devices_checked)
		check_report(ctx, CHECK_FAIL, "host", "devices",
			     "rebuild with CONFIG_PASSTHROUGH=y",
			     "%d device(s) named, but this ptvm was built without passthrough",
			     ctx->ndevices);
	for (int i = 0; i < ctx->nresults; i++)
		fails += ctx->results[i].status == CHECK_FAIL;
	return fails;
}

void check_print_text(FILE *f, const struct check_ctx *ctx)
{
	const char *subject = "";
	int n[3] = { 0 };

	for (int i = 0; i < ctx->nresults; i++) {
		const struct check_result *r = &ctx->results[i];

		if (strcmp(subject, r->subject)) {
			subject = r->subject;
			fprintf(f, "%s%s:\n", i ? "\n" : "", subject);
		}
		fprintf(f, "  %s  %-12s %s\n", status_name[r->status], r->name, r->message);
		if (r->hint[0] && r->status != CHECK_PASS)
			fprintf(f, "        hint: %s\n", r->hint);
		n[r->status]++;
	}
	fprintf(f, "\n%d passed, %d warnings, %d failed\n", n[CHECK_PASS], n[CHECK_WARN],
		n[CHECK_FAIL]);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void check_print_json(FILE *f, const struct check_ctx *ctx)
{
	int n[3] = { 0 };

	fputs("{\"checks\":[", f);
	for (int i = 0; i < ctx->nresults; i++) {
		const struct check_result *r = &ctx->results[i];

		fprintf(f, "%s\n {\"subject\":", i ? "," : "");
		json_str(f, r->subject);
		fputs(",\"check\":", f);
		json_str(f, r->name);
		fprintf(f, ",\"status\":\"%s\",\"message\":", status_name[r->status]);
		json_str(f, r->message);
		fputs(",\"hint\":", f);
		json_str(f, r->hint);
		fputc('}', f);
		n[r->status]++;
	}
	fprintf(f, "\n],\"pass\":%d,\"warn\":%d,\"fail\":%d}\n", n[CHECK_PASS], n[CHECK_WARN],
		n[CHECK_FAIL]);
}

void check_free(struct check_ctx *ctx)
{
	free(ctx->results);
	ctx->results = NULL;
	ctx->nresults = ctx->cap = 0;
}

static void check_usage(FILE *f)
{
	fputs("usage: ptvm check [--json] [--memory SIZE] [DEVICE...]\n\n"
	      "Reports whether this host can run ptvm guests and assign the named devices:\n"
	      "KVM (by creating a VM), the KVM capabilities ptvm needs, the IOMMU, /dev/iommu,\n"
	      "the memory-locking limit against the guest RAM size, and for each DEVICE\n"
	      "(a PCI address such as 0000:03:00.0 or a cdev such as /dev/vfio/devices/vfio0):\n"
	      "presence, vfio-pci binding, IOMMU group, cdev, reset method.\n\n"
	      "  --memory SIZE  guest RAM to check the memlock limit against (default 512M;\n"
	      "                 suffixes K, M, G, T)\n"
	      "  --json         one JSON object instead of text\n"
	      "  -h, --help     this text\n\n"
	      "Exit status: 0 when nothing FAILs (WARNs allowed), 1 on any FAIL, 2 on bad usage.\n",
	      f);
}

static int check_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "memory", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct check_ctx ctx = { .root = "", .memory = 512ull << 20 };
	bool json = false;
	int c, fails;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'm':
			if (parse_size(optarg, &ctx.memory) || ctx.memory == 0) {
				fprintf(stderr, "ptvm check: --memory: '%s' is not a size such as "
					"512M or 2G\n", optarg);
				return EXIT_USAGE;
			}
			break;
		default:
			fprintf(stderr, "ptvm check: unknown option '%s' (see 'ptvm check --help')\n",
				argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	ctx.devices = argv + optind;
	ctx.ndevices = argc - optind;
	fails = check_run_all(&ctx);
	if (ctx.out_of_memory) {
		check_free(&ctx);
		return err_msg(ENOMEM, "out of memory recording the results");
	}
	if (json)
		check_print_json(stdout, &ctx);
	else
		check_print_text(stdout, &ctx);
	check_free(&ctx);
	return fails ? 1 : 0;
}

static const struct ptvm_cmd cmd_check = {
	.name = "check",
	.summary = "check that this host can run guests and assign the named devices",
	.usage = check_usage,
	.main = check_main,
};
PTVM_COMMAND(cmd_check);
