#include "tests/unit/fake_sysfs.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void die(const char *what, const char *path)
{
	fprintf(stderr, "fake_sysfs: %s %s: %s\n", what, path, strerror(errno));
	abort();
}

static void mkdir_p(const char *path)
{
	char tmp[1024];

	snprintf(tmp, sizeof(tmp), "%s", path);
	for (char *p = tmp + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			if (mkdir(tmp, 0755) && errno != EEXIST)
				die("mkdir", tmp);
			*p = '/';
		}
	if (mkdir(tmp, 0755) && errno != EEXIST)
		die("mkdir", tmp);
}

void fake_mkdir(const char *root, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdir_p(p);
}

void fake_write(const char *root, const char *rel, const char *text)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	*strrchr(p, '/') = '\0';
	mkdir_p(p);
	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (!(f = fopen(p, "w")))
		die("fopen", p);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *target, const char *root, const char *rel)
{
	char p[1024];

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	if (symlink(target, p))
		die("symlink", p);
}

const char *fake_root_new(void)
{
	static char root[64];

	snprintf(root, sizeof(root), "/tmp/ptvm-fake.XXXXXX");
	if (!mkdtemp(root))
		die("mkdtemp", root);
	return root;
}

static int rm_one(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(p);
}

void fake_root_free(const char *root)
{
	nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

void fake_pci_add(const char *root, const struct fake_pci *d)
{
	char rel[512], target[1024];

	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vendor", d->bdf);
	fake_write(root, rel, d->vendor);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/device", d->bdf);
	fake_write(root, rel, d->device);
	snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/class", d->bdf);
	fake_write(root, rel, d->class_);
	if (d->driver) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/drivers/%s", d->driver);
		fake_mkdir(root, rel);
		snprintf(target, sizeof(target), "%s/sys/bus/pci/drivers/%s", root, d->driver);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/driver", d->bdf);
		link_to(target, root, rel);
	}
	if (d->group >= 0) {
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices", d->group);
		fake_mkdir(root, rel);
		snprintf(target, sizeof(target), "%s/sys/kernel/iommu_groups/%d", root, d->group);
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/iommu_group", d->bdf);
		link_to(target, root, rel);
		snprintf(target, sizeof(target), "%s/sys/bus/pci/devices/%s", root, d->bdf);
		snprintf(rel, sizeof(rel), "sys/kernel/iommu_groups/%d/devices/%s", d->group,
			 d->bdf);
		link_to(target, root, rel);
	}
	if (d->cdev) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/vfio-dev/%s", d->bdf, d->cdev);
		fake_mkdir(root, rel);
		snprintf(rel, sizeof(rel), "sys/class/vfio-dev/%s", d->cdev);
		fake_mkdir(root, rel);
		snprintf(target, sizeof(target), "%s/sys/bus/pci/devices/%s", root, d->bdf);
		snprintf(rel, sizeof(rel), "sys/class/vfio-dev/%s/device", d->cdev);
		link_to(target, root, rel);
		snprintf(rel, sizeof(rel), "dev/vfio/devices/%s", d->cdev);
		fake_write(root, rel, "");
	}
	if (d->reset) {
		snprintf(rel, sizeof(rel), "sys/bus/pci/devices/%s/reset_method", d->bdf);
		fake_write(root, rel, d->reset);
	}
}
