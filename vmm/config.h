/* The complete, validated description of one VM: a boot config (vmm/bootcfg.c), if one is
 * given, then the command line over it. Nothing downstream re-validates user input. */
#ifndef PTVM_CONFIG_H
#define PTVM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/privilege.h"
#include "vmm/seccomp_policy.h"
#include "vmm/topology.h"

enum console_kind { CONSOLE_STDIO, CONSOLE_FILE, CONSOLE_NONE, CONSOLE_PTY, CONSOLE_UNIX };

#define CONFIG_MAX_DEVICES 16
#define VM_MAX_CPUS 64
#define VM_MIN_MEMORY (4ull << 20)

struct device_spec {
	char type[16];     /* "testdev", "vfio" */
	const char *opts;  /* the text after "TYPE," or "" */
	char name[32];     /* its node name in a boot config; "" for --device */
};

struct vm_config {
	const char *kernel;   /* a bzImage, or */
	const char *payload;  /* a flat binary entered in 32-bit protected mode */
	const char *initrd;
	const char *cmdline;
	uint64_t memory;
	int cpus;
	struct cpu_topology topology; /* resolved: sockets x cores x threads = cpus */
	uint64_t hugepages;   /* the huge page size backing guest RAM (2M or 1G), 0: none */
	bool verbose;
	bool stats;           /* --stats: exits by reason and address, at the end */
	unsigned shutdown_timeout; /* seconds a guest gets to power off after its power
				      button is pressed; 0: no button, stop at once */
	struct run_user user; /* --user: who ptvm becomes once the devices are open */
	enum confine_mode seccomp; /* --seccomp; CONFINE_DEFAULT until given */
	int iommufd;          /* --iommufd FD from a management stack, or -1 */
	const char *api_path; /* --api unix:PATH: the control socket, or NULL */
	enum console_kind console;
	const char *console_path; /* file:PATH, unix:PATH */
	const char *console_log;  /* --console-log FILE: all output, whoever is attached */
	const char *dump_dtb; /* --dump-dtb FILE: write the guest's device tree, do not run */
	struct device_spec devices[CONFIG_MAX_DEVICES];
	int ndevices;
	const char *source;   /* the boot config file, or NULL */
	void *owned;          /* the boot config's blob and option strings (config_free) */
};

#define DEFAULT_MEMORY (512ull << 20)
#define DEFAULT_SHUTDOWN_TIMEOUT 30
#define MAX_SHUTDOWN_TIMEOUT 86400
#define HUGEPAGE_2M (2ull << 20)
#define HUGEPAGE_1G (1ull << 30)
/* A huge page size as the options and the kernel's boot parameters spell it. */
static inline const char *hugepage_name(uint64_t size)
{
	return size == HUGEPAGE_1G ? "1G" : "2M";
}

/* Parses "ptvm run" arguments (argv[0] is "run"): --config FILE (with --set overrides) is
 * read first, then every other option applies over it. 0 on success; -EINVAL with a
 * message that names the option, or the config node and property, for anything wrong.
 * Call config_free() afterwards either way. */
int config_parse_run(int argc, char **argv, struct vm_config *cfg);
/* stdio, none, pty, file:PATH or unix:PATH (--console, boot-config 'console') into
 * cfg->console and cfg->console_path; -EINVAL with a message otherwise. */
int parse_console(const char *s, struct vm_config *cfg);
/* "unix:PATH" (--api, boot-config 'api') into PATH; -EINVAL with a message otherwise. */
int parse_api(const char *s, const char **path);
/* Sets the defaults (nothing to boot yet). */
void config_init(struct vm_config *cfg);
void config_free(struct vm_config *cfg);

#endif
