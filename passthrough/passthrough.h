/* Passthrough internals shared by the files of passthrough/. Nothing in vmm/ includes it. */
#ifndef PTVM_PASSTHROUGH_H
#define PTVM_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

#include "passthrough/pci_sysfs.h"
#include "passthrough/uapi.h"
#include "vmm/pci.h"
#include "vmm/vm.h"

/* One per VM: the iommufd, the IOAS that maps all guest RAM, the KVM-VFIO device. */
struct pt_ctx {
	struct device dev;
	struct vm *vm;
	int iommufd;
	bool own_iommufd;
	uint32_t ioas;
	int kvm_vfio;
	struct iommu_iova_range ranges[16];
	int nranges;
};

#define PT_MAX_VECTORS 32

/* How the device is reset at start and at teardown. auto: a function reset if the device
 * has one, else a PCI hot reset if every device it affects is ours, else none. */
enum pt_reset { PT_RESET_AUTO, PT_RESET_FUNCTION, PT_RESET_HOT, PT_RESET_NONE };

#define PT_BAR_PIECES 8

struct pt_dev;

struct pt_bar {
	struct pt_dev *owner;
	uint64_t size;      /* 0: no BAR */
	bool io, is64, prefetch;
	uint64_t gpa;       /* guest address the guest (or ptvm as firmware) programmed */
	uint32_t reg[2];    /* the BAR register(s) as the guest sees them */
	uint64_t region_off;/* offset of the VFIO region in the device fd */
	/* Host mappings of what VFIO lets ptvm mmap (the whole BAR, or its sparse areas) */
	struct { void *base; uint64_t off, size; } map[PT_BAR_PIECES];
	int nmaps;
	/* Guest memslots: the mappings minus what must trap (the MSI-X table and PBA) */
	struct { uint8_t *hva; uint64_t off, size; int slot; } piece[PT_BAR_PIECES];
	int npieces;
	bool trapped;       /* the whole BAR on a bus: what no memslot covers exits there */
	uint64_t mapped_gpa;
};

struct pt_dev {
	struct device dev;
	struct pci_func func;
	struct pt_ctx *ctx;
	struct vm *vm;
	char name[PCI_BDF_STRLEN];
	int fd;
	uint32_t devid;
	bool kvm_added, attached;
	enum pt_reset reset;
	uint8_t want_slot;     /* the guest PCI slot asked for (slot=N), 0: any */
	struct vfio_device_info info;
	uint64_t cfg_off;
	uint8_t cfg[256];      /* the guest's view of emulated bytes */
	uint8_t emul[256];     /* 1: byte is emulated from cfg[], 0: forwarded to the device */
	struct pt_bar bars[6];
	pthread_mutex_t lock;  /* MSI/MSI-X state: config writes and table accesses */
	uint8_t msi_cap;       /* offset of the MSI capability, 0 if none */
	int msi_nvec;          /* vectors currently enabled */
	int msi_gsi[PT_MAX_VECTORS], msi_efd[PT_MAX_VECTORS];
	struct pt_msix *msix;  /* NULL if the device has no MSI-X */
	int intx_gsi;          /* -1 if the device has no INTx */
	int intx_efd, intx_unmask_efd;
	bool intx_on;
	int warnings;          /* printed so far, up to PT_MAX_WARNINGS */
};

#define PT_MAX_WARNINGS 16
/* "ptvm: warning: NAME: WHAT: <the current error>" on stderr, for a host failure the
 * guest caused and survives (its MSI stays off, an access reads as all ones). */
void pt_warn(struct pt_dev *d, const char *fmt, ...) PTVM_PRINTF(2, 3);

/* INTx: on while neither MSI nor MSI-X is (vfio-pci allows one kind at a time). */
int pt_intx_enable(struct pt_dev *d);
void pt_intx_restore(struct pt_dev *d);
void pt_intx_disable(struct pt_dev *d);

struct pt_msix_entry {
	uint32_t addr_lo, addr_hi, data, ctrl;
};

struct pt_msix {
	uint8_t cap;
	uint16_t n;                 /* table size */
	int table_bar, pba_bar;
	uint64_t table_off, pba_off;
	bool enabled, fmask, vfio_on;
	struct pt_msix_entry *table;
	int *gsi, *efd;
	bool *live;                 /* irqfd assigned */
};

/* msix.c. MSI-X table and PBA accesses inside a trapped BAR; false when off is not
 * theirs. */
int pt_msix_init(struct pt_dev *d, uint8_t cap, uint16_t ctrl, uint32_t table, uint32_t pba);
void pt_msix_control(struct pt_dev *d, uint16_t ctrl);
void pt_msix_free(struct pt_dev *d);
bool pt_msix_access(struct pt_dev *d, int bar, uint64_t off, void *data, uint32_t len,
		    bool write);

/* iommufd.c */
int pt_ctx_get(struct vm *vm, int iommufd_fd, struct pt_ctx **out);
int pt_ctx_check_ranges(struct pt_ctx *ctx);
/* vfio_dev.c */
int pt_dev_open(struct pt_dev *d, const char *path, int fd);
int pt_dev_setup(struct pt_dev *d);
int pt_dev_reset(struct pt_dev *d);
void pt_dev_close(struct pt_dev *d);
/* pci_assign.c */
int pt_func_init(struct pt_dev *d);
void pt_func_teardown(struct pt_dev *d);

#endif
