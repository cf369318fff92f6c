/* A simulated kernel behind vmm/sys.h for host tests. It models, with the real uAPI's rules:
 *  - /dev/kvm and a KVM VM: memslots (overlap -EEXIST, deleting a missing slot -EINVAL),
 *    GSI routes, irqfds with resample (a second irqfd on one eventfd -EBUSY), the VFIO
 *    pseudo-device (FILE_ADD/FILE_DEL), vCPUs with their run area and a scripted guest;
 *    the ioctls only one architecture has are in tests/unit/sim_kvm_x86.c (CPUID, MSRs,
 *    LAPIC, PMU) and sim_kvm_arm64.c (vCPU init and registers, the vGICv3 and ITS with
 *    their order: irqfds only once the vGIC is initialised, no vCPU after it);
 *  - /dev/iommu: IOAS objects, IOAS_MAP (-EEXIST on overlap, -EINVAL misaligned or in a
 *    reserved range), IOAS_UNMAP, IOVA_RANGES (-EMSGSIZE when the caller's array is too
 *    small), DESTROY; pages are pinned where the kernel pins them, against a memlock
 *    budget (-ENOMEM past it): at IOAS_MAP once a device is attached to the IOAS, else at
 *    the first ATTACH;
 *  - one VFIO PCI device cdev, /dev/vfio/devices/vfio0: bind once (-EINVAL when bound),
 *    device ioctls refused before bind, attach/detach, region and IRQ info, SET_IRQS
 *    (one interrupt kind at a time), function and hot reset; its config space and BARs
 *    live in sim.cfg and sim.bar (tests/unit/sim_device.c fills a NIC-like model).
 * Regular files, eventfds and memfds are real. Everything opened or mapped is recorded, so
 * a test can assert that nothing is left; a close or undo of something that is not there
 * and any use of a closed fd are counted.
 * Fault injection: every call counts as a site; with sim.fail_at = k the k-th call fails
 * with sim.fail_errno (its kernel-side effect not done), as the real call would. */
#ifndef PTVM_TEST_SIM_KERNEL_H
#define PTVM_TEST_SIM_KERNEL_H

#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Fixed fds for tests that build a VM by hand (sim_install_vm / sim_install_device). */
#define SIM_FD_BASE 0x20000000 /* far above any real fd */
#define SIM_VM_FD SIM_FD_BASE
#define SIM_DEV_FD (SIM_FD_BASE + 1)
#define SIM_MAX_FDS 64
#define SIM_CFG_OFF 0x70000000000ull /* where the config region sits in the device fd */
#define SIM_VFIO_CDEV "/dev/vfio/devices/vfio0"
/* The IOMMU's reserved range reported after the first attach, unless a test sets
 * sim.resv_start/resv_last: the architecture's MSI window (x86's at 0xfee00000, the
 * SMMU's software one at 128 MiB on arm64), from tests/unit/sim_kvm_ARCH.c. */
extern const uint64_t sim_arch_resv_start, sim_arch_resv_last;
#define SIM_RESV_START sim_arch_resv_start
#define SIM_RESV_LAST sim_arch_resv_last

struct sim_region {
	uint64_t size;
	uint32_t flags;
	uint8_t *mem;           /* anonymous mapping of max(size, 4096) bytes */
	uint8_t caps[256]; /* capability chain reported after struct vfio_region_info */
	uint32_t caps_len;
};

struct sim_slot {
	bool used;
	uint64_t gpa, size, hva;
};

struct sim_irqfd {
	bool used;
	int fd, resample;
	uint32_t gsi;
};

struct sim_iomap {
	bool used;
	int fd;                    /* the iommufd */
	uint32_t ioas;
	uint64_t iova, length;
	bool pinned;               /* its pages are pinned (the IOAS has had a domain) */
};

/* The guest of vCPU 0: called by each KVM_RUN with the run area as the monitor left it
 * (the data of the last IN or MMIO read is there); fills in the next exit and returns true,
 * or returns false to halt (KVM_EXIT_HLT). Other vCPUs wait in KVM_RUN until kicked. */
typedef bool (*sim_guest_fn)(struct kvm_run *run, void *ctx);

#define SIM_MAX_SITES 4096

/* One config-space write that reached the device: where and at what width. */
struct sim_cfg_write {
	uint32_t off, len;
	unsigned long seq;                  /* order among config writes and memslot changes */
};

/* A memslot or IOAS mapping as it was made (kept after it is undone). */
struct sim_range {
	uint64_t start, size;
};
#define SIM_RANGE_LOG 32

#define SIM_MAX_ROUTES 4096 /* KVM_MAX_IRQ_ROUTES on x86 */
#define SIM_MAX_IRQFDS 2304
#define SIM_MAX_VECTORS 2048

struct sim {
	/* the VFIO device model */
	uint8_t cfg[4096];
	uint32_t cfg_size;                  /* the config region's size; 0 means 4096 */
	struct sim_cfg_write cfg_writes[64]; /* the last writes, in order (a ring) */
	unsigned ncfg_writes;
	struct sim_region bar[6];
	uint32_t irq_count[5];              /* per VFIO IRQ index */
	int set_count[5];                   /* last SET_IRQS trigger count per index (-1: none) */
	int set_fds[5][SIM_MAX_VECTORS];
	int set_calls[5];                   /* SET_IRQS trigger calls per index */
	bool intx_unmask_set;
	int resets, hot_resets;
	bool vfio_present;                  /* SIM_VFIO_CDEV exists */
	/* the KVM VM */
	struct sim_slot slots[32];
	unsigned long seq;                  /* bumped by config writes and memslot changes */
	unsigned long slot_deleted_seq;     /* seq of the last memslot deletion */
	struct kvm_irq_routing_entry routes[SIM_MAX_ROUTES];
	int nroutes;
	int routing_calls;                  /* KVM_SET_GSI_ROUTING calls */
	struct sim_irqfd irqfds[SIM_MAX_IRQFDS];
	int vcpus_at_first_irqfd;           /* vCPUs that existed then; -1: no irqfd yet */
	struct { bool used; int fd; uint64_t addr; uint32_t len; } ioeventfds[8];
	bool pmu_disabled;                  /* x86: KVM_ENABLE_CAP(KVM_CAP_PMU_CAPABILITY) */
	bool nisv_to_user;                  /* arm64: KVM_ENABLE_CAP(KVM_CAP_ARM_NISV_TO_USER) */
	bool irqchip_ready;                 /* arm64: the vGIC initialised (irqfds allowed) */
	/* iommufd */
	struct sim_iomap iomaps[64];
	uint64_t pinned, memlock_budget;    /* bytes; budget 0 = unlimited */
	bool no_map_file;                   /* IOMMU_IOAS_MAP_FILE unknown (before 6.13) */
	bool no_bind_token;                 /* no VF token at bind (before 6.17) */
	bool vf_token_required;             /* the device is a VF of a vfio-pci PF ... */
	uint8_t vf_token[16];               /* ... whose user set this token */
	int map_file_calls;
	uint64_t resv_start, resv_last;     /* the reserved range (SIM_RESV_* by default) */
	struct sim_range slot_log[SIM_RANGE_LOG], iomap_log[SIM_RANGE_LOG]; /* the first made */
	int nslot_log, niomap_log;
	/* bookkeeping */
	int open_eventfds;
	int open_real;                      /* real fds open: eventfds, memfds, files */
	int open_mmaps;
	int bad_closes;      /* close() of an fd that was not open: an undo run twice */
	int bad_undos;       /* unmap/delete/deassign/detach/destroy of something not there */
	int bad_uses;        /* a call on a closed fd */
	bool fail_routing;   /* make KVM_SET_GSI_ROUTING fail */
	sim_guest_fn guest;
	void *guest_ctx;
	/* fault injection */
	long calls;                         /* sites passed so far */
	long fail_at;                       /* 0: none */
	int fail_errno;
	char site[SIM_MAX_SITES][40];       /* each site's call, recorded while counting */
	char failed_call[40];
	/* seccomp: once ptvm installs its filter (CONFINE_ENFORCE or LOG), every call is
	 * checked against vmm/seccomp_policy.c; the ones it would forbid are counted */
	bool seccomp_on;
	int seccomp_checked, seccomp_denied;
	char seccomp_denied_call[64];       /* the first one */
};

extern struct sim sim;
void sim_reset(void);
int sim_irqfds_assigned(void);
/* The eventfd KVM would signal for a write of len bytes at MMIO address addr, or -1. */
int sim_ioeventfd_at(uint64_t addr, uint32_t len);
/* The MSI route of gsi, or NULL. */
const struct kvm_irq_routing_entry *sim_msi_route(uint32_t gsi);
int sim_slots_used(void);
/* Fds and mappings the simulated kernel still holds for the process (0 after a clean
 * teardown). */
int sim_objects_open(void);
/* Describe what is still open into buf (for a failure message). */
void sim_describe_open(char *buf, size_t len);
/* For tests that assemble a VM by hand: a VM at SIM_VM_FD, and the device at SIM_DEV_FD
 * already bound and attached. */
void sim_install_vm(void);
/* A fresh simulated kernel and a VM on it without vCPUs (the VM at SIM_VM_FD, no /dev/kvm):
 * buses, and guest RAM of size bytes at gpa 0 in ram (the caller's). */
struct vm;
void sim_vm_init(struct vm *vm, uint8_t *ram, uint64_t size);
/* Its devices, routes and buses (not the caller's RAM). */
void sim_vm_free(struct vm *vm);
void sim_install_device(void);

#endif
