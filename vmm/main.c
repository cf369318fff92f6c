/* ptvm: a small KVM monitor for assigning PCI devices through the VFIO cdev + iommufd. */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "vmm/cmd.h"
#include "vmm/err.h"
#include "vmm/log.h"

static void features(FILE *f)
{
	fputs("features:"
#ifdef CONFIG_PASSTHROUGH
	      " passthrough"
#endif
#ifdef CONFIG_CMD_CHECK
	      " check"
#endif
#ifdef CONFIG_SECCOMP
	      " seccomp"
#endif
#ifdef CONFIG_STATIC
	      " static"
#endif
#ifdef CONFIG_LIBC_MUSL
	      " musl"
#endif
#ifdef CONFIG_SANITIZERS
	      " asan+ubsan"
#endif
	      "\n", f);
}

static void usage(FILE *f)
{
	fputs("usage: ptvm COMMAND [OPTIONS]\n"
	      "       ptvm COMMAND --help\n"
	      "       ptvm --version\n\n"
	      "A small KVM monitor that assigns PCI devices to a guest through the VFIO\n"
	      "device cdev and iommufd.\n\ncommands:\n", f);
	PTVM_FOREACH(ptvm_cmds, c)
		fprintf(f, "  %-10s %s\n", c->name, c->summary);
	fputc('\n', f);
	features(f);
}

static const struct ptvm_cmd *find(const char *name)
{
	PTVM_FOREACH(ptvm_cmds, c)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int main(int argc, char **argv)
{
	const struct ptvm_cmd *c;
	struct rlimit nofile;
	int i, r;

	log_start();
	/* One eventfd per interrupt vector: a device with 2048 MSI-X vectors needs more than
	 * the usual soft limit of 1024 fds; the hard limit is ours to take. */
	if (getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
		nofile.rlim_cur = nofile.rlim_max;
		setrlimit(RLIMIT_NOFILE, &nofile);
	}
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
		if (argc > 2 && (c = find(argv[2]))) {
			c->usage(stdout);
			return 0;
		}
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("ptvm %s\n", PTVM_VERSION);
		features(stdout);
		return 0;
	}
	c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "ptvm: unknown command '%s' (see 'ptvm --help')\n", argv[1]);
		return EXIT_USAGE;
	}
	for (i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			c->usage(stdout);
			return 0;
		}
	err_clear();
	r = c->main(argc - 1, argv + 1);
	if (r < 0) {
		fprintf(stderr, "ptvm %s: %s\n", c->name, err_get());
		return 1;
	}
	return r;
}
