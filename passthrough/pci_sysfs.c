#include "passthrough/pci_sysfs.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/util.h"

static int hex_field(const char *s, size_t n, unsigned max, unsigned *out)
{
	unsigned v = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		unsigned d;

		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -EINVAL;
		v = v * 16 + d;
	}
	if (v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

int pci_bdf_parse(const char *s, struct pci_bdf *out)
{
	unsigned dom = 0, bus, dev, fn;
	size_t len = s ? strlen(s) : 0;

	if (len == 12) {
		if (s[4] != ':' || hex_field(s, 4, 0xffff, &dom))
			return -EINVAL;
		s += 5;
		len -= 5;
	}
	if (len != 7 || s[2] != ':' || s[5] != '.' || hex_field(s, 2, 0xff, &bus) ||
	    hex_field(s + 3, 2, 0x1f, &dev) || hex_field(s + 6, 1, 7, &fn))
		return -EINVAL;
	out->domain = (uint16_t)dom;
	out->bus = (uint8_t)bus;
	out->dev = (uint8_t)dev;
	out->fn = (uint8_t)fn;
	return 0;
}

void pci_bdf_format(const struct pci_bdf *bdf, char out[PCI_BDF_STRLEN])
{
	snprintf(out, PCI_BDF_STRLEN, "%04x:%02x:%02x.%x", bdf->domain, bdf->bus, bdf->dev,
		 bdf->fn & 7);
}

const char *pci_sysfs_root = "";

static int dev_path(char *buf, size_t len, const char *root, const struct pci_bdf *bdf,
		    const char *attr)
{
	char name[PCI_BDF_STRLEN];

	pci_bdf_format(bdf, name);
	return path_fmt(buf, len, "%s/sys/bus/pci/devices/%s%s%s", root, name, *attr ? "/" : "",
			attr);
}

int pci_resolve_device(const char *root, const char *arg, struct pci_bdf *out)
{
	char path[512], name[64];
	const char *base;
	int r;

	if (arg[0] != '/')
		return pci_bdf_parse(arg, out);
	base = strrchr(arg, '/') + 1;
	if (strncmp(base, "vfio", 4) != 0 || !base[4])
		return -EINVAL;
	r = path_fmt(path, sizeof(path), "%s/sys/class/vfio-dev/%s/device", root, base);
	if (r)
		return r;
	r = read_link_name(path, name, sizeof(name));
	if (r)
		return r;
	return pci_bdf_parse(name, out);
}

bool pci_exists(const char *root, const struct pci_bdf *bdf)
{
	char path[512];

	return dev_path(path, sizeof(path), root, bdf, "") == 0 && path_exists(path);
}

int pci_driver(const char *root, const struct pci_bdf *bdf, char *buf, size_t len)
{
	char path[512];
	int r = dev_path(path, sizeof(path), root, bdf, "driver");

	if (r)
		return r;
	r = read_link_name(path, buf, len);
	if (r == -ENOENT && len) {
		buf[0] = '\0';
		return 0;
	}
	return r;
}

int pci_ids(const char *root, const struct pci_bdf *bdf, char *buf, size_t len)
{
	static const char *const attr[] = { "vendor", "device", "class" };
	char path[512], v[3][16];

	for (int i = 0; i < 3; i++) {
		int r = dev_path(path, sizeof(path), root, bdf, attr[i]);

		if (!r)
			r = read_text(path, v[i], sizeof(v[i]));
		if (r < 0)
			return r;
	}
	/* sysfs writes "0x8086"; show the bare hex as lspci does. */
#define HEX(s) (strncmp((s), "0x", 2) ? (s) : (s) + 2)
	return path_fmt(buf, len, "%s:%s class %s", HEX(v[0]), HEX(v[1]), HEX(v[2]));
#undef HEX
}

int pci_vfio_cdev(const char *root, const struct pci_bdf *bdf, char *buf, size_t len)
{
	char path[512];
	struct dirent *de;
	int r = dev_path(path, sizeof(path), root, bdf, "vfio-dev");
	DIR *d;

	if (r)
		return r;
	d = opendir(path);
	if (!d)
		return -errno;
	r = -ENOENT;
	while ((de = readdir(d)))
		if (!strncmp(de->d_name, "vfio", 4) && de->d_name[4]) {
			r = path_fmt(buf, len, "%s", de->d_name);
			break;
		}
	closedir(d);
	return r;
}

int pci_iommu_group(const char *root, const struct pci_bdf *bdf)
{
	char path[512], name[32];
	uint64_t group;
	int r = dev_path(path, sizeof(path), root, bdf, "iommu_group");

	if (!r)
		r = read_link_name(path, name, sizeof(name));
	if (!r)
		r = parse_u64(name, INT32_MAX, &group);
	return r ? r : (int)group;
}

int pci_reset_method(const char *root, const struct pci_bdf *bdf, char *buf, size_t len)
{
	char path[512];
	int r = dev_path(path, sizeof(path), root, bdf, "reset_method");

	if (!r)
		r = read_text(path, buf, len);
	if (r == -ENOENT && len) { /* the kernel hides the attribute when there is no method */
		buf[0] = '\0';
		return 0;
	}
	return r < 0 ? r : 0;
}

bool pci_driver_is_dma_safe(const char *driver)
{
	return !*driver || !strcmp(driver, "vfio-pci") || !strcmp(driver, "pci-stub") ||
	       !strcmp(driver, "pcieport");
}
