/* A simulated kernel behind vmm/sys.h for host tests: one VFIO PCI device (config space and
 * BAR regions in memory, region/IRQ info, SET_IRQS recorded), a KVM VM (memslots, GSI
 * routes, irqfds recorded) and real eventfds. Everything opened is tracked, so a test can
 * assert that teardown left nothing behind. */
#ifndef PTVM_TEST_SIM_KERNEL_H
#define PTVM_TEST_SIM_KERNEL_H

#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdbool.h>
#include <stdint.h>

#define SIM_VM_FD 1000
#define SIM_DEV_FD 1001
#define SIM_CFG_OFF 0x70000000000ull /* where the config region sits in the device fd */

struct sim_region {
	uint64_t size;
	uint32_t flags;
	uint8_t *mem;
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

struct sim {
	uint8_t cfg[4096];
	struct sim_region bar[6];
	uint32_t irq_count[5];              /* per VFIO IRQ index */
	int set_count[5];                   /* last SET_IRQS trigger count per index (-1: none) */
	int set_fds[5][64];
	bool intx_unmask_set;
	int resets;
	struct sim_slot slots[32];
	struct kvm_irq_routing_entry routes[1100];
	int nroutes;
	struct sim_irqfd irqfds[128];
	int open_eventfds;
	int bad_closes;      /* close() of an fd that was not open: an undo run twice */
	bool fail_routing;   /* make KVM_SET_GSI_ROUTING fail */
};

extern struct sim sim;
void sim_reset(void);
int sim_irqfds_assigned(void);
/* The MSI route of gsi, or NULL. */
const struct kvm_irq_routing_entry *sim_msi_route(uint32_t gsi);
int sim_slots_used(void);

#endif
