/* A VFIO device through its cdev, in the order that works (DESIGN.md): open the cdev,
 * KVM_DEV_VFIO_FILE_ADD (before bind: KVM's reference is taken at bind), BIND_IOMMUFD,
 * ATTACH_IOMMUFD_PT to the VM's IOAS, then device info. Each step has one undo. */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "passthrough/passthrough.h"
#include "vmm/log.h"
#include "vmm/privilege.h"
#include "vmm/sys.h"
#include "vmm/util.h"

#define ARGSZ(type, last) ((uint32_t)(offsetof(type, last) + sizeof(((type *)0)->last)))

static const char *open_hint(int err)
{
	switch (err) {
	case -ENOENT: return " (is the device bound to vfio-pci? 'ptvm check BDF' shows what to do)";
	case -EBUSY: return " (another process, or a legacy VFIO group user, holds it)";
	default: return "";
	}
}

int pt_dev_open(struct pt_dev *d, const char *path, int fd)
{
	char cdev[64], cpath[96];
	struct pci_bdf bdf;
	int r;

	if (fd >= 0) { /* handed in by a management stack: named by its cdev if it has one */
		char link[64], target[128];
		ssize_t n;

		d->fd = d->handed_fd = fd;
		snprintf(d->name, sizeof(d->name), "fd%d", fd);
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof(target) - 1);
		if (n > 0) {
			target[n] = '\0';
			if (pci_resolve_device(pci_sysfs_root, target, &bdf) == 0)
				pci_bdf_format(&bdf, d->name);
		}
		return 0;
	}
	r = pci_resolve_device(pci_sysfs_root, path, &bdf);
	if (r < 0)
		return err_msg(EINVAL, "'%s' is neither a PCI address (0000:03:00.0) nor a VFIO cdev "
				       "this host knows", path);
	pci_bdf_format(&bdf, d->name);
	if (path[0] == '/') {
		snprintf(cpath, sizeof(cpath), "%s", path);
	} else {
		r = pci_vfio_cdev(pci_sysfs_root, &bdf, cdev, sizeof(cdev));
		if (r < 0)
			return err_msg(ENODEV, "%s has no VFIO cdev: bind it to vfio-pci first "
					       "('ptvm check %s' gives the commands)", d->name, d->name);
		snprintf(cpath, sizeof(cpath), "/dev/vfio/devices/%s", cdev);
	}
	d->fd = sys_open(cpath, O_RDWR);
	if (d->fd < 0) {
		char hint[320];

		err_ctx(d->fd, "%s%s", d->name, open_hint(d->fd));
		return err_append(d->fd, "%s", access_hint(d->fd, cpath, hint, sizeof(hint)));
	}
	log_step("%s: %s opened", d->name, cpath);
	return 0;
}

/* What a failed bind most likely means, for the user. */
static const char *bind_hint(const struct pt_dev *d, int r)
{
	if (r == -EACCES && d->has_vf_token)
		return " (the VF token is not the one its PF's user set: vf-token=UUID must match)";
	if (r == -EACCES)
		return " (a VF whose PF is bound to vfio-pci: give the token the PF's user set, "
		       "vf-token=UUID)";
	if (r == -EINVAL && d->has_vf_token)
		return " (the kernel refused the VF token: the device is neither a VF of a PF bound "
		       "to vfio-pci nor such a PF, or the kernel predates VF tokens at bind, Linux "
		       "6.17; drop vf-token=)";
	if (r == -E2BIG && d->has_vf_token)
		return " (kernels before 6.19 answer a VF token at bind with E2BIG, a bug fixed "
		       "in 6.19)";
	if (r == -EBUSY || r == -EINVAL)
		return " (is it already bound? another process may hold its cdev)";
	return "";
}

static int kvm_file(struct pt_dev *d, uint64_t op)
{
	int32_t fd = d->fd;
	struct kvm_device_attr a = { .group = KVM_DEV_VFIO_FILE, .attr = op,
				     .addr = (uint64_t)(uintptr_t)&fd };

	return sys_ioctl(d->ctx->kvm_vfio, KVM_SET_DEVICE_ATTR, &a);
}

int pt_dev_setup(struct pt_dev *d)
{
	struct vfio_device_bind_iommufd bind = {
		.argsz = ARGSZ(struct vfio_device_bind_iommufd, out_devid),
		.iommufd = d->ctx->iommufd,
	};
	struct vfio_device_attach_iommufd_pt att = {
		.argsz = ARGSZ(struct vfio_device_attach_iommufd_pt, pt_id),
		.pt_id = d->ctx->ioas,
	};
	int r;

	if ((r = kvm_file(d, KVM_DEV_VFIO_FILE_ADD)) < 0)
		return err_ctx(r, "add %s to KVM's VFIO device", d->name);
	d->kvm_added = true;
	log_step("%s: KVM_DEV_VFIO_FILE_ADD", d->name);
#if PTVM_UAPI_BIND_TOKEN
	if (d->has_vf_token) {
		bind.argsz = sizeof(bind);
		bind.flags = VFIO_DEVICE_BIND_FLAG_TOKEN;
		bind.token_uuid_ptr = (uint64_t)(uintptr_t)d->vf_token;
	}
#endif
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_BIND_IOMMUFD, &bind)) < 0)
		return err_ctx(r, "bind %s to iommufd%s", d->name, bind_hint(d, r));
	d->devid = bind.out_devid;
	log_step("%s: bound to iommufd (device id %u)", d->name, d->devid);
	/* guest RAM is not mapped yet: nothing to pin here (pt_ctx_map_ram pins it) */
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_ATTACH_IOMMUFD_PT, &att)) < 0)
		return err_ctx(r, "attach %s to the guest's IOAS", d->name);
	d->attached = true;
	d->hwpt = att.pt_id;
	log_step("%s: attached to IOAS %u (hwpt %u)", d->name, d->ctx->ioas, att.pt_id);
	if ((r = pt_ctx_read_ranges(d->ctx)) < 0)
		return err_ctx(r, "%s", d->name);
	d->info = (struct vfio_device_info){ .argsz = sizeof(d->info) };
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_GET_INFO, &d->info)) < 0)
		return err_ctx(r, "%s", d->name);
	if (!(d->info.flags & VFIO_DEVICE_FLAGS_PCI))
		return err_msg(EINVAL, "%s is not a PCI device", d->name);
	if (d->info.num_regions <= VFIO_PCI_CONFIG_REGION_INDEX)
		return err_msg(EINVAL, "%s reports no config space region", d->name);
	return 0; /* the reset comes once every device is bound (vfio_realize) */
}

/* The zero-length-fd-array hot reset of the iommufd world: allowed when every device the
 * bus reset touches is owned by this iommufd (VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED). */
static int hot_reset(struct pt_dev *d)
{
	/* the header and room for 32 dependent devices after it */
	uint64_t buf[(sizeof(struct vfio_pci_hot_reset_info) +
		      32 * sizeof(struct vfio_pci_dependent_device) + 7) / 8] = { 0 };
	struct vfio_pci_hot_reset_info *info = (void *)buf;
	struct vfio_pci_hot_reset hr = { .argsz = sizeof(hr) };
	int r;

	info->argsz = sizeof(buf);
	r = sys_ioctl(d->fd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info);

	if (r < 0)
		return err_ctx(r, "%s: no PCI hot reset (its bus cannot be reset on its own)",
			       d->name);
	if (!(info->flags & VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED)) {
		char others[256] = "";

		for (uint32_t i = 0; i < info->count && i < 32; i++)
			if (info->devices[i].devid == (uint32_t)VFIO_PCI_DEVID_NOT_OWNED)
				snprintf(others + strlen(others), sizeof(others) - strlen(others),
					 " %04x:%02x:%02x.%x", info->devices[i].segment,
					 info->devices[i].bus, info->devices[i].devfn >> 3,
					 info->devices[i].devfn & 7);
		return err_msg(EPERM, "%s: a hot reset would also reset%s, which this VM does "
				      "not own (assign them too, or use reset=none)", d->name, others);
	}
	r = sys_ioctl(d->fd, VFIO_DEVICE_PCI_HOT_RESET, &hr);
	if (r < 0)
		return err_ctx(r, "%s: hot reset", d->name);
	log_step("%s: hot reset (secondary bus reset, %u function(s))", d->name, info->count);
	/* the other functions it reset need no reset of their own now */
	for (uint32_t i = 0; d->ctx && i < info->count && i < 32; i++)
		for (int k = 0; k < d->ctx->ndevs; k++)
			if (d->ctx->devs[k] && d->ctx->devs[k]->attached &&
			    d->ctx->devs[k]->devid == info->devices[i].devid)
				d->ctx->devs[k]->was_reset = true;
	return 0;
}

int pt_dev_reset(struct pt_dev *d)
{
	bool function = d->info.flags & VFIO_DEVICE_FLAGS_RESET;
	int r;

	switch (d->reset) {
	case PT_RESET_NONE:
		return 0;
	case PT_RESET_HOT:
		return hot_reset(d);
	case PT_RESET_FUNCTION:
		if (!function)
			return err_msg(ENOTSUP, "%s has no reset method VFIO can use "
						"(VFIO_DEVICE_RESET); try reset=hot or reset=none",
				       d->name);
		break;
	case PT_RESET_AUTO:
		if (function)
			break;
		if (hot_reset(d) == 0)
			return 0;
		log_step("%s: no reset method: the guest gets the device as it is", d->name);
		err_clear();
		return 0;
	}
	r = sys_ioctl(d->fd, VFIO_DEVICE_RESET, 0);
	if (r < 0)
		return err_ctx(r, "%s: reset", d->name);
	log_step("%s: reset", d->name);
	return 0;
}

void pt_dev_close(struct pt_dev *d)
{
	if (d->fd < 0)
		return;
	if (d->attached)
		pt_dev_reset(d); /* leave it clean for the next user; failures change nothing */
	if (d->attached) {
		struct vfio_device_detach_iommufd_pt det = {
			.argsz = ARGSZ(struct vfio_device_detach_iommufd_pt, flags) };

		sys_ioctl(d->fd, VFIO_DEVICE_DETACH_IOMMUFD_PT, &det);
		d->attached = false;
	}
	if (d->kvm_added) {
		kvm_file(d, KVM_DEV_VFIO_FILE_DEL);
		d->kvm_added = false;
	}
	sys_close(d->fd); /* unbinds from iommufd */
	d->fd = -1;
}
