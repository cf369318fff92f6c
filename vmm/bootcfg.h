/* Boot configs: a VM described once as a flattened device tree (schema in
 * docs/boot-config.md), read with libfdt into struct vm_config. */
#ifndef PTVM_BOOTCFG_H
#define PTVM_BOOTCFG_H

#include <stddef.h>
#include <stdio.h>

#include "vmm/config.h"

#define BOOTCFG_COMPATIBLE "ptvm,vm-v1"
#define BOOTCFG_MAX_SIZE (1u << 20) /* a boot config is a few hundred bytes */

/* Reads PATH (a .dtb; a .dts is compiled with dtc first), applies the --set overrides
 * ("/node/property=value") to the tree and fills cfg (already at its defaults) with what
 * it describes. cfg->owned keeps the tree alive. Every error names the file, the node and
 * the property. */
int bootcfg_load(struct vm_config *cfg, const char *path, char *const *sets, int nsets);
/* The same from a blob in memory (copied); label names it in messages. */
int bootcfg_parse(struct vm_config *cfg, const void *blob, size_t len, const char *label,
		  char *const *sets, int nsets);
/* Prints cfg as DTS that dtc compiles into a boot config describing the same VM. Fails
 * (nothing printed) when a --device option has no boot-config equivalent. */
int bootcfg_dump(FILE *f, const struct vm_config *cfg);

#endif
