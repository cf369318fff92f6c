/* Passthrough checks for "ptvm check": an active IOMMU, a working /dev/iommu, and for each
 * named device everything that VFIO_DEVICE_BIND_IOMMUFD will need. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "passthrough/pci_sysfs.h"
#include "passthrough/uapi.h"
#include "vmm/check.h"
#include "vmm/sys.h"
#include "vmm/util.h"

static void check_iommu_active(struct check_ctx *ctx)
{
	char path[256], names[128] = "";
	struct dirent *de;
	int n = 0;
	DIR *d;

	if (path_fmt(path, sizeof(path), "%s/sys/class/iommu", ctx->root))
		return;
	d = opendir(path);
	while (d && (de = readdir(d)))
		if (de->d_name[0] != '.' && n++ < 4)
			snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
				 *names ? ", " : "", de->d_name);
	if (d)
		closedir(d);
	if (n)
		check_report(ctx, CHECK_PASS, "host", "iommu", NULL, "%d IOMMU(s) active: %s%s",
			     n, names, n > 4 ? ", ..." : "");
	else
		check_report(ctx, CHECK_FAIL, "host", "iommu",
			     "enable VT-d / AMD-Vi in the firmware and boot with intel_iommu=on "
			     "(Intel) or amd_iommu=on (AMD); in a QEMU guest add -device intel-iommu",
			     "no IOMMU is active (%s is empty or missing)", path);
}

static void check_iommufd(struct check_ctx *ctx)
{
	struct iommu_ioas_alloc alloc = { .size = sizeof(alloc) };
	char path[256];
	int fd, r;

	if (path_fmt(path, sizeof(path), "%s/dev/iommu", ctx->root))
		return;
	fd = sys_open(path, O_RDWR);
	if (fd < 0) {
		check_report(ctx, CHECK_FAIL, "host", "iommufd",
			     fd == -ENOENT ? "load iommufd (modprobe iommufd) or use a kernel "
					     "built with CONFIG_IOMMUFD=y (Linux >= 6.2)"
					   : "run as root or give the user access to /dev/iommu",
			     "%s", err_get());
		return;
	}
	r = sys_ioctl(fd, IOMMU_IOAS_ALLOC, &alloc);
	if (r < 0)
		check_report(ctx, CHECK_FAIL, "host", "iommufd", "see dmesg for iommufd errors",
			     "%s opens but cannot allocate an IOAS: %s", path, err_get());
	else
		check_report(ctx, CHECK_PASS, "host", "iommufd", NULL,
			     "%s works (allocated IOAS %u)", path, alloc.out_ioas_id);
	sys_close(fd); /* closing the iommufd frees the IOAS */
}

void check_vfio_host(struct check_ctx *ctx)
{
	check_iommu_active(ctx);
	check_iommufd(ctx);
}

/* Other members of the group must be unbound or bound to a DMA-safe driver. */
static void check_group(struct check_ctx *ctx, const char *subj, const struct pci_bdf *bdf)
{
	char path[512], others[160] = "", blockers[200] = "", drv[64], me[PCI_BDF_STRLEN];
	struct dirent *de;
	int group = pci_iommu_group(ctx->root, bdf);
	DIR *d;

	if (group < 0) {
		check_report(ctx, CHECK_FAIL, subj, "iommu-group",
			     "enable the IOMMU (see the host 'iommu' check); without one VFIO "
			     "cannot isolate the device's DMA",
			     "the device has no IOMMU group");
		return;
	}
	pci_bdf_format(bdf, me);
	if (path_fmt(path, sizeof(path), "%s/sys/kernel/iommu_groups/%d/devices", ctx->root,
		     group) || !(d = opendir(path))) {
		check_report(ctx, CHECK_WARN, subj, "iommu-group", NULL,
			     "group %d: cannot list its members", group);
		return;
	}
	while ((de = readdir(d))) {
		char link[700];
		char *list = others;
		size_t cap = sizeof(others);

		if (de->d_name[0] == '.' || !strcmp(de->d_name, me))
			continue;
		if (path_fmt(link, sizeof(link), "%s/%s/driver", path, de->d_name) ||
		    read_link_name(link, drv, sizeof(drv)))
			drv[0] = '\0'; /* no driver bound */
		if (!pci_driver_is_dma_safe(drv)) {
			list = blockers;
			cap = sizeof(blockers);
		}
		snprintf(list + strlen(list), cap - strlen(list), "%s%s (%s)", *list ? ", " : "",
			 de->d_name, *drv ? drv : "no driver");
	}
	closedir(d);
	if (*blockers)
		check_report(ctx, CHECK_FAIL, subj, "iommu-group",
			     "bind those devices to vfio-pci as well, or unbind them from their "
			     "drivers: a group is only usable when no kernel driver does DMA in it",
			     "group %d is not viable: %s", group, blockers);
	else
		check_report(ctx, CHECK_PASS, subj, "iommu-group", NULL, "group %d%s%s", group,
			     *others ? ", shared with " : " (alone)", others);
}

static void check_cdev(struct check_ctx *ctx, const char *subj, const struct pci_bdf *bdf)
{
	char name[64], path[256];
	int fd;

	if (pci_vfio_cdev(ctx->root, bdf, name, sizeof(name))) {
		check_report(ctx, CHECK_FAIL, subj, "cdev",
			     "use a kernel with CONFIG_VFIO_DEVICE_CDEV=y (Linux >= 6.6); ptvm has "
			     "no legacy VFIO group path",
			     "vfio-pci is bound but the device has no VFIO cdev (vfio-dev/ is "
			     "missing)");
		return;
	}
	if (path_fmt(path, sizeof(path), "%s/dev/vfio/devices/%s", ctx->root, name))
		return;
	fd = sys_open(path, O_RDWR);
	if (fd < 0) {
		check_report(ctx, CHECK_FAIL, subj, "cdev",
			     fd == -ENOENT ? "devtmpfs should create it: check that /dev is "
					     "devtmpfs or run udev"
			     : fd == -EBUSY ? "another process (a VMM, or a VFIO group user) holds "
					      "the device; stop it first"
					    : "run as root or give the user access to the cdev",
			     "%s", err_get());
		return;
	}
	sys_close(fd);
	check_report(ctx, CHECK_PASS, subj, "cdev", NULL, "/dev/vfio/devices/%s opens", name);
}

void check_vfio_device(struct check_ctx *ctx, const char *arg)
{
	char subj[32], drv[64], ids[64], hint[384], reset[64], name[PCI_BDF_STRLEN];
	struct pci_bdf bdf;
	int r;

	snprintf(subj, sizeof(subj), "%s", arg);
	r = pci_resolve_device(ctx->root, arg, &bdf);
	if (r) {
		check_report(ctx, CHECK_FAIL, subj, "device",
			     "name a device as a PCI address (0000:03:00.0, see lspci -D) or a "
			     "cdev path (/dev/vfio/devices/vfio0)",
			     r == -EINVAL ? "'%s' is neither a PCI address nor a VFIO cdev path"
					  : "'%s' is not a VFIO cdev this host knows", arg);
		return;
	}
	pci_bdf_format(&bdf, name);
	snprintf(subj, sizeof(subj), "%s", name);
	if (!pci_exists(ctx->root, &bdf)) {
		check_report(ctx, CHECK_FAIL, subj, "device", "list the host's devices with lspci -D",
			     "no PCI device %s on this host", name);
		return;
	}
	if (pci_ids(ctx->root, &bdf, ids, sizeof(ids)))
		snprintf(ids, sizeof(ids), "ids unreadable");
	check_report(ctx, CHECK_PASS, subj, "device", NULL, "present (%s)", ids);

	if (pci_driver(ctx->root, &bdf, drv, sizeof(drv)))
		drv[0] = '\0';
	if (strcmp(drv, "vfio-pci")) {
		if (*drv)
			snprintf(hint, sizeof(hint),
				 "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; "
				 "echo %s > /sys/bus/pci/devices/%s/driver/unbind; "
				 "echo %s > /sys/bus/pci/drivers_probe", name, name, name, name);
		else
			snprintf(hint, sizeof(hint),
				 "echo vfio-pci > /sys/bus/pci/devices/%s/driver_override; "
				 "echo %s > /sys/bus/pci/drivers_probe", name, name);
		check_report(ctx, CHECK_FAIL, subj, "driver", hint,
			     "bound to %s, not vfio-pci", *drv ? drv : "no driver");
	} else {
		check_report(ctx, CHECK_PASS, subj, "driver", NULL, "bound to vfio-pci");
	}
	check_group(ctx, subj, &bdf);
	if (!strcmp(drv, "vfio-pci"))
		check_cdev(ctx, subj, &bdf);

	if (pci_reset_method(ctx->root, &bdf, reset, sizeof(reset)) || !*reset)
		check_report(ctx, CHECK_WARN, subj, "reset",
			     "the device is handed over as the previous user left it; prefer a "
			     "slot with FLR or a secondary bus reset (e.g. behind a PCIe port)",
			     "the kernel has no reset method for this device");
	else
		check_report(ctx, CHECK_PASS, subj, "reset", NULL, "reset methods: %s", reset);
}

static void run_vfio(struct check_ctx *ctx)
{
	check_vfio_host(ctx);
	for (int i = 0; i < ctx->ndevices; i++)
		check_vfio_device(ctx, ctx->devices[i]);
	ctx->devices_checked = true;
}

static const struct checker vfio_checker = { .name = "vfio", .run = run_vfio };
PTVM_CHECKER(vfio_checker);
