/* PCI functions as sysfs shows them: addresses, drivers, VFIO cdevs, IOMMU groups.
 * Every function takes a root prefix ("" on a real host) so tests can use a fake tree. */
#ifndef PTVM_PCI_SYSFS_H
#define PTVM_PCI_SYSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pci_bdf {
	uint16_t domain;
	uint8_t bus, dev, fn;
};
#define PCI_BDF_STRLEN 13 /* "0000:00:00.0" + NUL */

/* The root that `ptvm run` resolves devices under: "" (the host's /sys). Tests that run the
 * whole monitor point it at a fake tree. */
extern const char *pci_sysfs_root;

/* "0000:03:00.0" or "03:00.0" (domain 0); hex digits, either case. -EINVAL otherwise. */
int pci_bdf_parse(const char *s, struct pci_bdf *out);
void pci_bdf_format(const struct pci_bdf *bdf, char out[PCI_BDF_STRLEN]);

/* A device argument as users write it: a PCI address, or a VFIO cdev path
 * (/dev/vfio/devices/vfioN), resolved through sysfs to its PCI address. */
int pci_resolve_device(const char *root, const char *arg, struct pci_bdf *out);

bool pci_exists(const char *root, const struct pci_bdf *bdf);
/* Name of the bound driver; "" when none. 0 or -errno. */
int pci_driver(const char *root, const struct pci_bdf *bdf, char *buf, size_t len);
/* "vendor:device class", e.g. "8086:10d3 020000". */
int pci_ids(const char *root, const struct pci_bdf *bdf, char *buf, size_t len);
/* The VFIO cdev name ("vfio0") under vfio-dev/; -ENOENT when there is none. */
int pci_vfio_cdev(const char *root, const struct pci_bdf *bdf, char *buf, size_t len);
/* IOMMU group number, -ENOENT when the device has no group (no IOMMU). */
int pci_iommu_group(const char *root, const struct pci_bdf *bdf);
/* Kernel reset methods ("flr bus"); "" when the device has none. 0 or -errno. */
int pci_reset_method(const char *root, const struct pci_bdf *bdf, char *buf, size_t len);

/* Drivers that leave DMA ownership to the user and so keep an IOMMU group viable. */
bool pci_driver_is_dma_safe(const char *driver);

#endif
