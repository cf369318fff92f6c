/* A small NIC-like VFIO device in the simulated kernel, assigned to a bare VM with a PCI
 * host: what the passthrough unit tests and the fuzzer drive as a guest would. */
#ifndef PTVM_TEST_SIM_DEVICE_H
#define PTVM_TEST_SIM_DEVICE_H

#include <stdbool.h>

#include "passthrough/passthrough.h"
#include "tests/unit/sim_kernel.h"
#include "vmm/config.h"

struct sim_machine {
	struct vm vm;
	struct vm_config cfg;
	struct pt_ctx ctx;
	struct pt_dev *d;
};

/* The machine's PCI I/O space through MMIO, as a board without ports has it (vmm/pci.h);
 * it has conf1's ports as well. */
#define SIM_IO_WINDOW 0x3eff0000ull

/* The device model alone, at SIM_VFIO_CDEV (after sim_reset): see below. */
void sim_device_model(bool msix_mappable);

/* BAR0 128 KiB memory (mmappable), BAR2 32 I/O ports, BAR3 16 KiB with the MSI-X table
 * (page 0) and PBA (page 2); PM, MSI (64-bit, 4 vectors), a vendor capability, MSI-X
 * (5 vectors), PCIe; an expansion ROM and AER. msix_mappable: VFIO reports the whole BAR3
 * as mappable instead of sparse areas around the table and PBA. 0 or -errno. */
int sim_machine_init(struct sim_machine *m, bool msix_mappable);
/* The VM and the assigned function over whatever device model sim holds now (for tests
 * that change the model first). */
int sim_machine_start(struct sim_machine *m);
void sim_machine_free(struct sim_machine *m);
/* Tears the function down and checks that nothing is left behind (eventfds, irqfds,
 * device memslots) and nothing was closed twice; frees the machine and resets sim.
 * NULL when clean, else what was wrong. */
const char *sim_machine_end(struct sim_machine *m);

/* A device captured from the lab (tests/unit/fixtures/NAME.pcidump: its config space and
 * resources as L1 read them), presented the way vfio-pci presents it: the BAR registers
 * from the resources, a VF's IDs from a VFIO-IDS line, mmappable memory BARs, interrupt
 * counts from the capabilities. 0 or -1 (unreadable). */
int sim_device_fixture(const char *path);
int sim_machine_init_fixture(struct sim_machine *m, const char *path);

#endif
