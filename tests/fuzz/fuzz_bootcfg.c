/* libFuzzer target: a boot config blob, as a file would hand it to ptvm. Any input must be
 * refused with a message or read into a configuration that keeps the schema's promises,
 * and whatever is read must print as DTS; never a crash or a read outside the blob. The
 * first byte picks --set overrides to apply, so the tree editing path is fuzzed too. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bootcfg.h"
#include "vmm/config.h"
#include "vmm/devtype.h"

static char *const sets[] = {
	"/cpus=2", "/devices/nic0/bdf=0000:00:03.0", "/chosen/kernel=/k", "/hugepages=false",
	"/devices/nic0/status=disabled", "/x-a=b", "/memory-size=64M", "/devices/t/port=80",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vm_config cfg;
	FILE *f;
	int nsets = 0;
	char *const *first = sets;

	if (size > 0) {
		nsets = data[0] & 7;
		first = sets + (data[0] >> 3) % (8 - nsets + 1);
		data++;
		size--;
	}
	config_init(&cfg);
	if (bootcfg_parse(&cfg, data, size, "fuzz.dtb", first, nsets) == 0) {
		if (cfg.cpus < 1 || cfg.cpus > VM_MAX_CPUS || cfg.memory < VM_MIN_MEMORY ||
		    cfg.memory % 4096 || cfg.ndevices > CONFIG_MAX_DEVICES ||
		    (cfg.kernel && cfg.payload) || ((cfg.console == CONSOLE_FILE || cfg.console == CONSOLE_UNIX) && !cfg.console_path))
			__builtin_trap(); /* read something it promises to refuse */
		for (int i = 0; i < cfg.ndevices; i++)
			if (!device_type_find(cfg.devices[i].type))
				__builtin_trap();
		if ((f = fopen("/dev/null", "w"))) {
			if (bootcfg_dump(f, &cfg) < 0)
				__builtin_trap(); /* what the reader accepted, the writer must print */
			fclose(f);
		}
	}
	config_free(&cfg);
	return 0;
}
