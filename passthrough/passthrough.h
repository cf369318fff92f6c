/* Passthrough internals shared by the files of passthrough/. Nothing in vmm/ includes it. */
#ifndef PTVM_PASSTHROUGH_H
#define PTVM_PASSTHROUGH_H

#include <stdbool.h>
#include <stdint.h>

#include "passthrough/pci_sysfs.h"
#include "passthrough/uapi.h"
#include "vmm/pci.h"
#include "vmm/vm.h"

struct pt_dev;

/* One per VM: the iommufd, the IOAS that maps all guest RAM, the KVM-VFIO device, and
 * the assigned devices in the order they were named. */
struct pt_ctx {
	struct device dev;
	struct vm *vm;
	int iommufd;
	bool own_iommufd;
	uint32_t ioas;
	int kvm_vfio;
	struct iommu_iova_range ranges[16];
	int nranges;
	struct pt_dev *devs[16];
	int ndevs;
	bool mapped_by_file;  /* guest RAM went in with IOMMU_IOAS_MAP_FILE */
	bool realized;        /* the reset pass and the guest functions are done */
};

#define PT_MAX_MSI 32

/* How the device is reset at start and at teardown. auto: a function reset if the device
 * has one, else a PCI hot reset if every device it affects is ours, else none. */
enum pt_reset { PT_RESET_AUTO, PT_RESET_FUNCTION, PT_RESET_HOT, PT_RESET_NONE };

#define PT_BAR_PIECES 8

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

/* ---- config space: how each byte reaches the guest (config.c) ------------------------ */

/* What a region of config space is to the guest. Bit masks refine it where one register
 * mixes kinds (PCI_CFG_* below name each byte's bits). */
enum pt_cfg_policy {
	PT_CFG_PASS,    /* read from and written to the device (vfio-pci applies its rules) */
	PT_CFG_RO,      /* read from the device; guest writes are dropped */
	PT_CFG_EMUL,    /* ptvm's: the guest's view lives in vcfg, a handler acts on writes */
	PT_CFG_HIDDEN,  /* reads 0, writes dropped: the guest must not (or cannot) use it */
	PT_CFG_MIXED,   /* some bits of each kind (see the masks) */
};

typedef void (*pt_cfg_fn)(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val);

/* One capability (or header piece), at its real offset and with its real length. */
struct pt_cfg_region {
	uint16_t off, len;
	uint16_t id;          /* capability ID; 0 for header pieces */
	bool ext;             /* an extended capability (0x100 and up) */
	uint8_t policy;       /* enum pt_cfg_policy: a summary of the masks, for messages */
	const char *what;     /* "MSI", "BARs", "SR-IOV", ... */
	const char *why;      /* for anything not passed through: the reason */
	pt_cfg_fn read;       /* refresh vcfg before a guest read (MSI pending bits) */
	pt_cfg_fn before;     /* a guest write, before anything reaches the device */
	pt_cfg_fn after;      /* a guest write, after vcfg and the device have it */
};

#define PT_CFG_REGIONS 96

struct pt_cfg {
	uint32_t size;              /* config space the device has: 256 or 4096 bytes */
	uint8_t host[4096];         /* as read from the device when it was assigned */
	uint8_t vcfg[4096];         /* the guest's view of emulated bits */
	uint8_t emul[4096];         /* per bit: read from vcfg instead of the device */
	uint8_t gwrite[4096];       /* per bit: a guest write changes vcfg */
	uint8_t fwd[4096];          /* per bit: a guest write reaches the device */
	struct pt_cfg_region reg[PT_CFG_REGIONS]; /* sorted by offset, not overlapping */
	int nreg;
	uint8_t pm_cap, msi_cap, msix_cap, exp_cap;
	uint8_t exp_type_host, exp_type_guest;
};

/* Builds the table from the device's capability chains and the guest's placement.
 * 0 or -errno (a device ptvm cannot present, such as a bridge). */
int pt_cfg_build(struct pt_dev *d);
uint32_t pt_cfg_read(struct pt_dev *d, uint32_t off, uint32_t len);
void pt_cfg_write(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val);
/* Marks [off, off+len) with a policy (building the masks) and records the region. */
int pt_cfg_region(struct pt_dev *d, const struct pt_cfg_region *r);
/* Per-bit refinements inside a region: these bits become emulated (guest-writable or
 * not), with vcfg holding their value. */
void pt_cfg_emulate_bits(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t mask,
			 uint32_t gwmask, uint32_t value);
/* Device config access at its own width: 0 or -errno (on failure a read is all ones). */
int pt_dev_cfg_read(struct pt_dev *d, uint32_t off, void *buf, uint32_t len);
int pt_dev_cfg_write(struct pt_dev *d, uint32_t off, const void *buf, uint32_t len);
/* vcfg as a little-endian value */
uint32_t pt_vcfg_get(const struct pt_dev *d, uint32_t off, uint32_t len);
void pt_vcfg_set(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t v);
/* Prints the table (--verbose). */
void pt_cfg_log(const struct pt_dev *d);

struct pt_msi {
	uint8_t cap, data_at, mask_at, pending_at; /* offsets; mask_at 0: no per-vector mask */
	int capable;                /* vectors the device can send (its MMC) */
	bool vfio_on;               /* VFIO has MSI on with nvec eventfds */
	int nvec;                   /* vectors enabled at the device (0: MSI off) */
	int gsi[PT_MAX_MSI], efd[PT_MAX_MSI];
	bool live[PT_MAX_MSI];      /* irqfd attached (vector unmasked) */
	uint64_t addr;              /* the message programmed into the routes */
	uint32_t data;
	bool routed;
};

struct pt_dev {
	struct device dev;
	struct pci_func func;
	struct pt_ctx *ctx;
	struct vm *vm;
	char name[PCI_BDF_STRLEN];
	int fd;
	int handed_fd;         /* fd=N from a management stack, else -1 */
	uint32_t devid;
	uint32_t hwpt;         /* the page table the kernel attached it to */
	bool kvm_added, attached, was_reset;
	bool has_vf_token;
	uint8_t vf_token[16];  /* vf-token=UUID, presented at bind */
	enum pt_reset reset;
	uint8_t want_slot;     /* the guest PCI slot asked for (slot=N), 0: any */
	struct vfio_device_info info;
	uint64_t cfg_off;
	struct pt_cfg cfg;
	struct pt_bar bars[6];
	pthread_mutex_t lock;  /* MSI/MSI-X state: config writes and table accesses */
	bool lock_init;
	struct pt_msi msi;
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

/* bars.c: the six BAR registers, their placement and mappings. */
int pt_bars_init(struct pt_dev *d);
/* Maps or unmaps every BAR as the device now decodes: cmd's I/O and memory enables, and
 * whether the function is in D0 (it decodes nothing in D1-D3). */
void pt_bars_update(struct pt_dev *d, uint16_t cmd, bool d0);
/* Cuts [start, end) of a BAR out of its memslots (the MSI-X table and PBA always trap). */
void pt_bar_exclude(struct pt_bar *b, uint64_t start, uint64_t end);
void pt_bars_free(struct pt_dev *d);
/* Config handlers for the BAR registers (0x10-0x27) */
void pt_bars_cfg_after(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val);

/* intx.c: INTx is on while neither MSI nor MSI-X is (vfio-pci allows one kind at a
 * time). */
int pt_intx_setup(struct pt_dev *d, uint8_t pin);
int pt_intx_enable(struct pt_dev *d);
void pt_intx_restore(struct pt_dev *d);
void pt_intx_disable(struct pt_dev *d);
void pt_intx_free(struct pt_dev *d);

/* msi.c: the MSI capability, emulated at its real size. */
int pt_msi_init(struct pt_dev *d, uint8_t cap);
void pt_msi_disable(struct pt_dev *d);

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
int pt_msix_init(struct pt_dev *d, uint8_t cap);
void pt_msix_free(struct pt_dev *d);
bool pt_msix_access(struct pt_dev *d, int bar, uint64_t off, void *data, uint32_t len,
		    bool write);

/* iommufd.c */
int pt_ctx_get(struct vm *vm, int iommufd_fd, struct pt_ctx **out);
int pt_ctx_read_ranges(struct pt_ctx *ctx);
/* The guest function's PCI requester ID (bus 0: its slot << 3), which MSI routes carry to
 * an interrupt controller that tells devices apart by it. */
static inline uint32_t pt_requester_id(const struct pt_dev *d)
{
	return (uint32_t)d->func.slot << 3;
}
int pt_ctx_map_ram(struct pt_ctx *ctx);
/* The memlock hint for a failure to pin guest RAM (ENOMEM from the call that pins). */
int pt_pin_error(struct vm *vm, int r, const char *call);
/* vfio_dev.c */
int pt_dev_open(struct pt_dev *d, const char *path, int fd);
int pt_dev_setup(struct pt_dev *d);
int pt_dev_reset(struct pt_dev *d);
void pt_dev_close(struct pt_dev *d);
/* pci_assign.c: the guest's PCI function */
int pt_func_init(struct pt_dev *d);
void pt_func_teardown(struct pt_dev *d);

#endif
