/* Subcommands ("ptvm check", "ptvm run", ...) register themselves with PTVM_COMMAND. */
#ifndef PTVM_CMD_H
#define PTVM_CMD_H

#include <stdio.h>

#include "vmm/registry.h"

struct ptvm_cmd {
	const char *name;
	const char *summary;     /* one line for "ptvm --help" */
	void (*usage)(FILE *f);  /* "ptvm CMD --help" */
	/* argv[0] is the command name. Returns the process exit status; prints its own
	 * output, but leaves error reporting to main through err_get() on a negative return. */
	int (*main)(int argc, char **argv);
};

/* Exit statuses: 0 success, 1 a failure (device, VM, check), 2 a usage error. */
#define EXIT_USAGE 2

#define PTVM_COMMAND(obj) PTVM_REGISTER(ptvm_cmds, struct ptvm_cmd, obj)
PTVM_SECTION(ptvm_cmds, struct ptvm_cmd);

#define PTVM_VERSION "0.1.0"

#endif
