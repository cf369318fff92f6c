/* libFuzzer target: the `ptvm run` command line, as NUL-separated arguments, and every
 * --device option string through the key=value splitter. Any input must give 0 or a
 * message, never a crash. --config would read (or run dtc on) whatever file the input
 * names, so inputs with it are skipped: fuzz_bootcfg covers what a config file holds. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/devtype.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = malloc(size + 1), *argv[34];
	struct vm_config cfg;
	int argc = 0;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "run";
	for (char *p = buf; p < buf + size && argc < 33; p += strlen(p) + 1) {
		if (!strncmp(p, "--conf", 6)) { /* getopt takes any unique prefix of --config */
			free(buf);
			return 0;
		}
		argv[argc++] = p;
	}
	argv[argc] = NULL;
	if (config_parse_run(argc, argv, &cfg) == 0) {
		for (int i = 0; i < cfg.ndevices; i++) {
			const char *o = cfg.devices[i].opts;
			char k[16], v[128];

			while (opts_next(cfg.devices[i].type, &o, k, sizeof(k), v, sizeof(v)) > 0)
				;
		}
		if (!cfg.kernel == !cfg.payload || cfg.cpus < 1 || cfg.memory < VM_MIN_MEMORY)
			__builtin_trap(); /* accepted something it promises to refuse */
	}
	config_free(&cfg);
	free(buf);
	return 0;
}
