/* A fake /sys + /dev + /proc tree in a temporary directory, for testing sysfs logic. */
#ifndef PTVM_TEST_FAKE_SYSFS_H
#define PTVM_TEST_FAKE_SYSFS_H

struct fake_pci {
	const char *bdf;
	const char *vendor, *device, *class_; /* "0x8086" ... */
	const char *driver;                   /* NULL: unbound */
	int group;                            /* -1: no IOMMU group */
	const char *cdev;                     /* "vfio0" or NULL */
	const char *reset;                    /* "flr bus", or NULL: attribute absent */
};

/* Returns a new root directory (static buffer reused per call). */
const char *fake_root_new(void);
void fake_root_free(const char *root);
void fake_pci_add(const char *root, const struct fake_pci *d);
void fake_write(const char *root, const char *rel, const char *text);
void fake_mkdir(const char *root, const char *rel);

#endif
