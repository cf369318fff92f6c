/* Device types a user adds with --device TYPE[,key=value...]; each registers itself. */
#ifndef PTVM_DEVTYPE_H
#define PTVM_DEVTYPE_H

#include <stdbool.h>

#include "vmm/json.h"
#include "vmm/registry.h"
#include "vmm/vm.h"

struct device_type {
	const char *name;
	const char *usage; /* "testdev[,port=N][,mmio=ADDR]" */
	const char *help;  /* one line */
	int (*create)(struct vm *vm, const char *opts);
	/* Created before guest RAM and the board's devices exist: an assigned device, whose
	 * IOMMU tells which ranges guest RAM must avoid. Its create may not use either. */
	bool before_ram;
	/* Optional: called once after every device of every type was created, before the
	 * guest is loaded (work that needs all of a type's devices, such as resets that
	 * touch several of them). */
	int (*realize)(struct vm *vm);
	/* Optional: appends one JSON object per device of this type to the control socket's
	 * "devices" array (jb_elem first); main thread, while the vCPUs run. */
	void (*status)(struct vm *vm, struct jbuf *b);
};
#define PTVM_DEVICE_TYPE(obj) PTVM_REGISTER(ptvm_device_types, struct device_type, obj)
PTVM_SECTION(ptvm_device_types, struct device_type);

const struct device_type *device_type_find(const char *name);

/* Splits "a=1,b=2" one pair at a time: returns 1 with key/val filled, 0 at the end,
 * -EINVAL (with a message naming the device) for a malformed or too long pair. */
int opts_next(const char *dev, const char **s, char *key, size_t klen, char *val, size_t vlen);

#endif
