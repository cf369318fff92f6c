/* --device vfio,bdf=0000:03:00.0 | vfio,path=/dev/vfio/devices/vfio0 | vfio,fd=N
 *   [,iommufd=FD][,reset=POLICY][,slot=N]: assign a PCI function to the guest. Setup follows DESIGN.md's order;
 * teardown runs the undos in reverse, each once, from whatever point setup reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/config.h"
#include "vmm/devtype.h"
#include "vmm/util.h"

static void pt_teardown(struct device *dv)
{
	struct pt_dev *d = (struct pt_dev *)dv;

	pt_func_teardown(d);
	pt_dev_close(d);
	free(d);
}

static int reset_policy(const char *s)
{
	static const char *const names[] = { "auto", "function", "hot", "none" };

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	return -1;
}

static int vfio_create(struct vm *vm, const char *opts)
{
	char key[16], val[128], path[128] = "";
	uint64_t fd = UINT64_MAX, iommufd = UINT64_MAX, slot = 0;
	struct pt_dev *d;
	int r, named = 0, reset = PT_RESET_AUTO;

	while ((r = opts_next("vfio", &opts, key, sizeof(key), val, sizeof(val))) > 0) {
		if (!strcmp(key, "bdf") || !strcmp(key, "path")) {
			snprintf(path, sizeof(path), "%s", val);
			named++;
		} else if (!strcmp(key, "fd") && !parse_u64(val, INT32_MAX, &fd)) {
			named++;
		} else if (!strcmp(key, "iommufd") && !parse_u64(val, INT32_MAX, &iommufd)) {
		} else if (!strcmp(key, "reset") && (reset = reset_policy(val)) >= 0) {
		} else if (!strcmp(key, "slot") && !parse_u64(val, 31, &slot) && slot) {
		} else {
			return err_msg(EINVAL, "--device vfio: bad option %s=%s (bdf=0000:03:00.0, "
					       "path=/dev/vfio/devices/vfioN, fd=N, iommufd=N, "
					       "reset=auto|function|hot|none, slot=1..31)", key, val);
		}
	}
	if (r < 0)
		return r;
	if (named != 1)
		return err_msg(EINVAL, "--device vfio: name the device exactly once, with bdf=, "
				       "path= or fd=");
	d = calloc(1, sizeof(*d));
	if (!d)
		return err_msg(ENOMEM, "out of memory");
	d->dev.name = "vfio";
	d->dev.teardown = pt_teardown;
	d->vm = vm;
	d->fd = -1;
	d->intx_gsi = d->intx_efd = d->intx_unmask_efd = -1;
	d->reset = (enum pt_reset)reset;
	d->want_slot = (uint8_t)slot;
	if ((r = pt_ctx_get(vm, iommufd != UINT64_MAX ? (int)iommufd : vm->cfg->iommufd,
			    &d->ctx)) < 0) {
		free(d);
		return r;
	}
	vm_add_device(vm, &d->dev); /* from here on, teardown undoes whatever was done */
	if ((r = pt_dev_open(d, path, fd == UINT64_MAX ? -1 : (int)fd)) < 0)
		return r;
	for (struct device *o = d->dev.next; o; o = o->next)
		if (o->teardown == pt_teardown && !strcmp(((struct pt_dev *)o)->name, d->name))
			return err_msg(EBUSY, "--device vfio: %s is assigned twice", d->name);
	if ((r = pt_dev_setup(d)) < 0 || (r = pt_func_init(d)) < 0)
		return r;
	return 0;
}

static const struct device_type vfio_type = {
	.name = "vfio",
	.usage = "vfio,bdf=0000:03:00.0 | vfio,path=/dev/vfio/devices/vfio0 | vfio,fd=N"
		 "[,iommufd=FD][,reset=auto|function|hot|none][,slot=N]",
	.help = "assign a PCI function bound to vfio-pci (VFIO cdev + iommufd)",
	.create = vfio_create,
};
PTVM_DEVICE_TYPE(vfio_type);
