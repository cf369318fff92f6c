/* The narrow interface between the arch-neutral monitor and arch/<arch>/. Nothing else in
 * vmm/ knows which architecture it runs on. */
#ifndef PTVM_ARCH_H
#define PTVM_ARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/vm.h"

/* Where guest RAM of this size goes in the guest-physical map: around the board's holes
 * (MMIO, firmware, interrupt controllers) and the RESERVED ranges (the IOMMU's, for the
 * assigned devices), regions aligned to ALIGN (vmm/layout.h). Returns the number of
 * regions, or -errno with the error set. */
int arch_ram_layout(uint64_t ram_size, uint64_t align, const struct gpa_range *reserved,
		    int nreserved, struct mem_region *out, int max);
/* Before any VM exists: refuses, with the reason, a --kernel (or --payload) this
 * architecture cannot boot: another architecture's kernel, a truncated or corrupt one, one
 * larger than guest RAM. ptvm run exits 2 for it. 0, or -errno with the error set. */
int arch_check_kernel(const struct vm_config *cfg);
/* The board's fixed interrupt routes (up to MAX into OUT; x86: the IOAPIC's and PICs'
 * pins), the first GSI left for MSI routes, and whether MSI routes must carry the PCI
 * requester ID (KVM_MSI_VALID_DEVID). Returns the number of routes or -errno. */
int arch_irq_base_routes(struct kvm_irq_routing_entry *out, int max, uint32_t *first_msi,
			 bool *devid);
/* Whether an MSI address a guest programs reaches this board's interrupt controller (an
 * MSI-X vector aimed anywhere else stays off). */
bool arch_msi_address_ok(uint64_t addr);
/* VM-wide setup before RAM is registered and vCPUs exist (irqchip, timers). */
int arch_vm_init(struct vm *vm);
/* The board's built-in devices (console UART, reset/poweroff, clock). */
int arch_create_devices(struct vm *vm);
/* Load the kernel or payload, initrd, command line and firmware tables into guest RAM. */
int arch_load(struct vm *vm);
/* The id KVM_CREATE_VCPU gets for vCPU INDEX (on x86 its APIC ID, from the topology). */
unsigned long arch_vcpu_id(const struct vm *vm, int index);
/* Per-vCPU state at creation, after guest RAM and before the devices (an arm64 irqchip
 * can only be initialised once every vCPU exists, and devices need it): on x86 CPUID,
 * MSRs, the FPU and the local APIC. */
int arch_vcpu_init(struct vcpu *vcpu);
/* Entry state once the kernel or payload is loaded: the boot vCPU's registers. */
int arch_vcpu_entry(struct vcpu *vcpu);
/* Registers for an error report; after_shutdown: the vCPU has just triple-faulted (where
 * the kernel may already have reset them, the report says so instead). */
/* An exit only this architecture has (arm64: KVM_EXIT_ARM_NISV): handled, true; not its,
 * false (the VM stops as for any unexpected exit). Runs on the vCPU's thread. */
bool arch_vcpu_exit(struct vcpu *vcpu);
void arch_vcpu_dump(struct vcpu *vcpu, bool after_shutdown, char *buf, size_t len);
void arch_vm_teardown(struct vm *vm);
/* Presses the guest's power button (ACPI's fixed-feature button on x86): 1 when the guest
 * has enabled its event (it may power off), 0 when nothing in the guest listens. */
int arch_power_button(struct vm *vm);
/* The GSI that a bus-0 slot's INTx pin (0 = INTA) reaches, as the firmware tables say. */
int arch_pci_intx_gsi(int slot, int pin);
/* Where the index-th virtio-mmio device goes: its register base and its (edge) GSI, which
 * the firmware tables then describe. -ENOSPC beyond what the board has room for. */
int arch_virtio_mmio_slot(int index, uint64_t *base, uint32_t *gsi);
/* The guest's command line when none is given (its console), and a sentence or two for
 * `ptvm run --help` on what the board gives the guest. */
extern const char arch_default_cmdline[];
extern const char arch_board_help[];
/* Whether the board describes the guest with a device tree (arm64), which
 * arch_dump_dtb() writes to PATH once the VM is built (returning its size, or a negative
 * errno with the error set); arch_no_dtb says why a board has none. */
extern const bool arch_has_dtb;
extern const char arch_no_dtb[];
int arch_dump_dtb(struct vm *vm, const char *path);
/* ptvm check's hints for a host without KVM, and without an active IOMMU. */
extern const char arch_kvm_hint[];
extern const char arch_iommu_hint[];
/* After every vCPU exists, before the board's devices: the interrupt controller, where it
 * can only be completed then (arm64's vGIC and ITS), and the interrupt routes. */
int arch_vcpus_ready(struct vm *vm);
/* What KVM_IRQ_LINE takes for the board's interrupt line LINE (vm_irq_line). */
uint32_t arch_irq_line(uint32_t line);
/* System-call argument n (0-5) of the call a seccomp SIGSYS interrupted, from the signal
 * handler's ucontext. Async-signal-safe. */
unsigned long arch_sigsys_arg(const void *ucontext, int n);

#endif
