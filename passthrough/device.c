/* --device vfio,bdf=0000:03:00.0 | vfio,path=/dev/vfio/devices/vfio0 | vfio,fd=N
 *   [,iommufd=FD][,reset=POLICY][,slot=N][,vf-token=UUID]: assign a PCI function to the
 * guest. The VF token: for a VF whose PF is bound to vfio-pci, the token its PF's user set;
 * for such a PF, it sets the token (while none of its VFs is in use). Setup follows
 * DESIGN.md's order in two passes: each device is opened, added to KVM, bound and attached
 * as it is named; once every device is bound, each is reset (so a hot reset finds all the
 * functions it touches owned) and becomes a guest PCI function. Teardown runs the undos
 * in reverse, each once, from whatever point setup reached. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/config.h"
#include "vmm/devtype.h"
#include "vmm/log.h"
#include "vmm/util.h"

static void pt_teardown(struct device *dv)
{
	struct pt_dev *d = (struct pt_dev *)dv;

	pt_func_teardown(d);
	pt_dev_close(d);
	if (d->lock_init)
		pthread_mutex_destroy(&d->lock);
	for (int i = 0; d->ctx && i < d->ctx->ndevs; i++)
		if (d->ctx->devs[i] == d)
			d->ctx->devs[i] = NULL;
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
	struct pt_ctx *ctx = vm->passthrough;
	int r, named = 0, reset = PT_RESET_AUTO;
	uint8_t token[16];
	bool has_token = false;
	struct pt_dev *d;

	while ((r = opts_next("vfio", &opts, key, sizeof(key), val, sizeof(val))) > 0) {
		if (!strcmp(key, "bdf") || !strcmp(key, "path")) {
			snprintf(path, sizeof(path), "%s", val);
			named++;
		} else if (!strcmp(key, "fd") && !parse_u64(val, INT32_MAX, &fd)) {
			named++;
		} else if (!strcmp(key, "iommufd") && !parse_u64(val, INT32_MAX, &iommufd)) {
		} else if (!strcmp(key, "reset") && (reset = reset_policy(val)) >= 0) {
		} else if (!strcmp(key, "slot") && !parse_u64(val, 31, &slot) && slot) {
		} else if (!strcmp(key, "vf-token") && !parse_uuid(val, token)) {
			has_token = true;
		} else {
			return err_msg(EINVAL, "--device vfio: bad option %s=%s (bdf=0000:03:00.0, "
					       "path=/dev/vfio/devices/vfioN, fd=N, iommufd=N, "
					       "reset=auto|function|hot|none, slot=1..31, vf-token=UUID)",
				       key, val);
		}
	}
	if (r < 0)
		return r;
	if (named != 1)
		return err_msg(EINVAL, "--device vfio: name the device exactly once, with bdf=, "
				       "path= or fd=");
	if (has_token && !PTVM_UAPI_BIND_TOKEN)
		return err_msg(ENOTSUP, "--device vfio,vf-token=: this ptvm was built with Linux %s "
					"uAPI headers, which have no VF token at bind (6.17); build it "
					"with newer ones (tools/setup fetches them)", PTVM_UAPI_VERSION);
	/* A handed-in fd belongs to one device: given twice, the second device would close
	 * the first one's fd at teardown. Refused before anything holds it. */
	if (fd != UINT64_MAX) {
		if ((int)fd == vm->cfg->iommufd || (iommufd != UINT64_MAX && fd == iommufd))
			return err_msg(EINVAL, "--device vfio,fd=%d: that fd is the iommufd", (int)fd);
		for (int i = 0; ctx && i < ctx->ndevs; i++)
			if (ctx->devs[i] && ctx->devs[i]->handed_fd == (int)fd)
				return err_msg(EINVAL, "--device vfio: fd=%d is given twice (one "
						       "device per fd)", (int)fd);
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		return err_msg(ENOMEM, "out of memory");
	d->dev.name = "vfio";
	d->dev.teardown = pt_teardown;
	d->vm = vm;
	d->fd = d->handed_fd = -1;
	d->intx_gsi = d->intx_efd = d->intx_unmask_efd = -1;
	d->reset = (enum pt_reset)reset;
	d->want_slot = (uint8_t)slot;
	d->has_vf_token = has_token;
	memcpy(d->vf_token, token, sizeof(token));
	if ((r = pt_ctx_get(vm, iommufd != UINT64_MAX ? (int)iommufd : vm->cfg->iommufd,
			    &d->ctx)) < 0) {
		free(d);
		return r;
	}
	ctx = d->ctx;
	if (ctx->ndevs == (int)(sizeof(ctx->devs) / sizeof(ctx->devs[0]))) {
		free(d);
		return err_msg(ENOSPC, "--device vfio: at most %d devices",
			       (int)(sizeof(ctx->devs) / sizeof(ctx->devs[0])));
	}
	ctx->devs[ctx->ndevs++] = d;
	vm_add_device(vm, &d->dev); /* from here on, teardown undoes whatever was done */
	if ((r = pt_dev_open(d, path, fd == UINT64_MAX ? -1 : (int)fd)) < 0)
		return r;
	for (int i = 0; i < ctx->ndevs - 1; i++)
		if (ctx->devs[i] && !strcmp(ctx->devs[i]->name, d->name))
			return err_msg(EBUSY, "--device vfio: %s is assigned twice", d->name);
	return pt_dev_setup(d);
}

/* Every device is bound and attached, and guest RAM laid out around what the IOMMU
 * reserves: map RAM into the IOAS, reset each device (a hot reset that already covered a
 * device is not repeated for it), then present each to the guest, in the order named. */
static int vfio_realize(struct vm *vm)
{
	struct pt_ctx *ctx = vm->passthrough;
	int r;

	if (!ctx || ctx->realized)
		return 0;
	ctx->realized = true;
	if ((r = pt_ctx_map_ram(ctx)) < 0)
		return r;
	for (int i = 0; i < ctx->ndevs; i++)
		if (ctx->devs[i] && !ctx->devs[i]->was_reset && (r = pt_dev_reset(ctx->devs[i])) < 0)
			return r;
	for (int i = 0; i < ctx->ndevs; i++)
		if (ctx->devs[i] && (r = pt_func_init(ctx->devs[i])) < 0)
			return r;
	return 0;
}

/* The control socket's view of each assigned function: where it is, what it is attached
 * to, and how it interrupts the guest now. */
static void vfio_status(struct vm *vm, struct jbuf *b)
{
	struct pt_ctx *ctx = vm->passthrough;

	for (int i = 0; ctx && i < ctx->ndevs; i++) {
		struct pt_dev *d = ctx->devs[i];
		const char *mode = "none";
		int vectors = 0;

		if (!d)
			continue;
		if (d->lock_init)
			pthread_mutex_lock(&d->lock);
		if (d->msix && d->msix->enabled) {
			mode = "msix";
			for (int v = 0; v < d->msix->n; v++)
				vectors += d->msix->live[v];
		} else if (d->msi.nvec) {
			mode = "msi";
			vectors = d->msi.nvec;
		} else if (d->intx_on) {
			mode = "intx";
			vectors = 1;
		}
		if (d->lock_init)
			pthread_mutex_unlock(&d->lock);
		jb_elem(b);
		jb_open(b, '{');
		jb_member_str(b, "type", "vfio");
		jb_member_str(b, "host", d->name);
		jb_key(b, "guest");
		jb_printf(b, "\"0000:00:%02x.0\"", d->func.slot);
		jb_member_u64(b, "iommufd_device", d->devid);
		jb_member_u64(b, "ioas", ctx->ioas);
		jb_member_u64(b, "hwpt", d->hwpt);
		jb_member_str(b, "interrupts", mode);
		jb_member_u64(b, "vectors", (uint64_t)vectors);
		jb_close(b, '}');
	}
}

static const struct device_type vfio_type = {
	.name = "vfio",
	.usage = "vfio,bdf=0000:03:00.0 | vfio,path=/dev/vfio/devices/vfio0 | vfio,fd=N"
		 "[,iommufd=FD][,reset=auto|function|hot|none][,slot=N][,vf-token=UUID]",
	.help = "assign a PCI function bound to vfio-pci (VFIO cdev + iommufd)",
	.create = vfio_create,
	.before_ram = true,
	.realize = vfio_realize,
	.status = vfio_status,
};
PTVM_DEVICE_TYPE(vfio_type);
