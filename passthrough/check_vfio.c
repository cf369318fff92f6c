/* Passthrough checks for "ptvm check": an active IOMMU, a working /dev/iommu, and for each
 * named device everything that VFIO_DEVICE_BIND_IOMMUFD will need. */
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "passthrough/pci_sysfs.h"
#include "passthrough/uapi.h"
#include "vmm/arch.h"
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
			     arch_iommu_hint,
			     "no IOMMU is active (%s is empty or missing)", path);
}

static const char built_without[] __attribute__((unused)) = "this ptvm was built with Linux " PTVM_UAPI_VERSION
	" uAPI headers, which lack it";
static const char build_hint[] __attribute__((unused)) = "build ptvm with the modern uAPI headers (tools/setup fetches "
	"them into the cache; tools/configure puts them in the build tree)";

/* Newer iommufd features, each probed with a call that cannot change anything: an unknown
 * ioctl is ENOTTY; a known one fails on its arguments (a bad fd) or does nothing. */
static void check_iommufd_features(struct check_ctx *ctx, int fd, uint32_t ioas)
{
#if PTVM_UAPI_MAP_FILE
	struct iommu_ioas_map_file mf = { .size = sizeof(mf), .ioas_id = ioas, .fd = -1,
					  .length = 4096,
					  .flags = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE };
	int r = sys_ioctl(fd, IOMMU_IOAS_MAP_FILE, &mf);

	err_clear();
	if (r == -ENOTTY)
		check_report(ctx, CHECK_WARN, "host", "map-file",
			     "Linux 6.13 or newer puts guest RAM into the IOAS faster",
			     "IOMMU_IOAS_MAP_FILE: absent (Linux < 6.13): guest RAM is mapped by "
			     "address");
	else
		check_report(ctx, CHECK_PASS, "host", "map-file", NULL,
			     "IOMMU_IOAS_MAP_FILE: offered (guest RAM is mapped from its memfd)");
#else
	check_report(ctx, CHECK_WARN, "host", "map-file", build_hint, "IOMMU_IOAS_MAP_FILE: %s",
		     built_without);
#endif
#if PTVM_UAPI_CHANGE_PROCESS
	struct iommu_ioas_change_process cp = { .size = sizeof(cp) };

	r = sys_ioctl(fd, IOMMU_IOAS_CHANGE_PROCESS, &cp); /* no mapping yet: a no-op */
	err_clear();
	if (r == -ENOTTY)
		check_report(ctx, CHECK_WARN, "host", "change-process", NULL,
			     "IOMMU_IOAS_CHANGE_PROCESS: absent (Linux < 6.13); ptvm does not use "
			     "it yet (a live update will)");
	else
		check_report(ctx, CHECK_PASS, "host", "change-process", NULL,
			     "IOMMU_IOAS_CHANGE_PROCESS: offered (not used yet: a live update "
			     "will)");
#else
	check_report(ctx, CHECK_WARN, "host", "change-process", NULL,
		     "IOMMU_IOAS_CHANGE_PROCESS: %s", built_without);
#endif
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
	if (r < 0) {
		check_report(ctx, CHECK_FAIL, "host", "iommufd", "see dmesg for iommufd errors",
			     "%s opens but cannot allocate an IOAS: %s", path, err_get());
	} else {
		check_report(ctx, CHECK_PASS, "host", "iommufd", NULL,
			     "%s works (allocated IOAS %u)", path, alloc.out_ioas_id);
		check_iommufd_features(ctx, fd, alloc.out_ioas_id);
	}
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

/* The VF token at bind: probed with a token at a NULL address (a kernel that knows the
 * flag fails copying it, EFAULT; one that does not refuses the flag, EINVAL: either way
 * before anything is bound). dma-buf export of BARs: probed on a bound device, so the
 * device is bound to a throwaway iommufd for a moment (vfio-pci resets it, as any open
 * does). */
static void check_device_features(struct check_ctx *ctx, const char *subj, int fd)
{
#if PTVM_UAPI_BIND_TOKEN
	struct vfio_device_bind_iommufd tb = { .argsz = sizeof(tb), .iommufd = INT32_MAX,
					       .flags = VFIO_DEVICE_BIND_FLAG_TOKEN };
	int r = sys_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &tb);

	if (r == -ENOTTY) { /* not a VFIO cdev at all: the cdev check said what it is */
		err_clear();
		return;
	}
	if (r == -EINVAL)
		check_report(ctx, CHECK_WARN, subj, "vf-token",
			     "Linux 6.17 or newer takes VF tokens at bind",
			     "VF token at bind (VFIO_DEVICE_BIND_FLAG_TOKEN): absent (Linux < 6.17): "
			     "a VF whose PF is bound to vfio-pci cannot be assigned");
	else if (r == -EFAULT)
		check_report(ctx, CHECK_PASS, subj, "vf-token", NULL,
			     "VF token at bind (VFIO_DEVICE_BIND_FLAG_TOKEN): offered");
	else
		check_report(ctx, CHECK_WARN, subj, "vf-token", NULL,
			     "VF token at bind: not probed (%s)", err_get());
	err_clear();
#else
	check_report(ctx, CHECK_WARN, subj, "vf-token", build_hint,
		     "VF token at bind: %s", built_without);
#endif
#if PTVM_UAPI_DMA_BUF
	char path[256];
	int io;

	if (path_fmt(path, sizeof(path), "%s/dev/iommu", ctx->root) ||
	    (io = sys_open(path, O_RDWR)) < 0) {
		err_clear();
		return;
	}
	struct vfio_device_bind_iommufd b = { .argsz = 16, .iommufd = io };
	struct vfio_device_feature f = { .argsz = sizeof(f),
					 .flags = VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_GET |
						  VFIO_DEVICE_FEATURE_DMA_BUF };

	if ((r = sys_ioctl(fd, VFIO_DEVICE_BIND_IOMMUFD, &b)) < 0)
		check_report(ctx, CHECK_WARN, subj, "dma-buf", NULL, "dma-buf export of BARs: not "
			     "probed (a bind for the probe failed: %s)", err_get());
	else if ((r = sys_ioctl(fd, VFIO_DEVICE_FEATURE, &f)) == -ENOTTY || r == -EINVAL)
		check_report(ctx, CHECK_WARN, subj, "dma-buf", NULL,
			     "dma-buf export of BARs (peer-to-peer DMA): absent (Linux < 6.19, or "
			     "built without CONFIG_PCI_P2PDMA); "
			     "ptvm does not use it yet");
	else
		check_report(ctx, CHECK_PASS, subj, "dma-buf", NULL,
			     "dma-buf export of BARs (peer-to-peer DMA): offered%s%s; ptvm does not "
			     "use it yet", r < 0 ? " (probe: " : "", r < 0 ? "answered oddly)" : "");
	err_clear();
	sys_close(io); /* the cdev's close (by the caller) unbinds it */
#else
	check_report(ctx, CHECK_WARN, subj, "dma-buf", build_hint, "dma-buf export of BARs: %s",
		     built_without);
#endif
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
	check_report(ctx, CHECK_PASS, subj, "cdev", NULL, "/dev/vfio/devices/%s opens", name);
	check_device_features(ctx, subj, fd);
	sys_close(fd);
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
