/* arm64 board ("virt"-like, described to the guest by the device tree ptvm writes):
 * guest-physical layout, interrupt numbers, and arch-internal interfaces. */
#ifndef PTVM_ARCH_ARM64_H
#define PTVM_ARCH_ARM64_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>

#include "vmm/pl061.h"
#include "vmm/vm.h"

/* Guest RAM from address 0 up to the device hole, and again from 4 GiB: an IOMMU's
 * reserved IOVA range (the SMMU's software MSI window is at 128 MiB) splits it. */
#define ARM64_LOW_RAM_END   0xc0000000ull
#define ARM64_HIGH_RAM      0x100000000ull
/* The hole below 4 GiB */
#define ARM64_MMIO32_BASE   0xc0000000ull  /* 512 MiB of 32-bit BARs */
#define ARM64_MMIO32_SIZE   0x20000000ull
#define ARM64_ECAM          0xe0000000ull  /* bus 0 only: 1 MiB */
#define ARM64_ECAM_SIZE     0x100000ull
#define ARM64_PCI_IO        0xe1000000ull  /* the PCI I/O space, 64 KiB (vmm/pci.h) */
#define ARM64_UART          0xe2000000ull  /* a PL011 */
#define ARM64_GPIO          0xe2010000ull  /* a PL061: line 3 is the power button */
#define ARM64_GPIO_POWER    3
#define ARM64_VIRTIO_MMIO   0xe3000000ull  /* virtio-mmio devices, 4 KiB apart */
#define ARM64_GICD          0xf0000000ull  /* distributor, 64 KiB */
#define ARM64_GICD_SIZE     0x10000ull
#define ARM64_ITS           0xf0020000ull  /* ITS, 128 KiB */
#define ARM64_ITS_SIZE      0x20000ull
#define ARM64_GITS_TRANSLATER (ARM64_ITS + 0x10040) /* where MSIs are written */
#define ARM64_GICR          0xf0100000ull  /* redistributors, 128 KiB per vCPU */
#define ARM64_GICR_SIZE     0x20000ull
#define ARM64_MAX_CPUS      64             /* 8 MiB of redistributors, below 0xf1000000 */
/* 64-bit BARs in the top half of KVM's default 40-bit IPA space; RAM ends below it */
#define ARM64_MMIO64_BASE   0x8000000000ull
#define ARM64_MMIO64_SIZE   0x8000000000ull

/* Interrupts: board lines are SPI numbers (GIC INTID - 32) */
#define ARM64_SPI_UART      1
#define ARM64_SPI_VIRTIO    2              /* 2-5 */
#define ARM64_SPI_GPIO      6
#define ARM64_SPI_INTX      8              /* INTA-INTD of bus 0: 8-11 */
#define ARM64_SPIS          32             /* SPIs the vGIC has; also the GSIs routed to it */
#define ARM64_UART_CLOCK_HZ 24000000u
/* Architected timer PPIs as the device tree numbers them (INTID - 16): secure, non-secure
 * physical, virtual, hypervisor (what KVM presents: virtual INTID 27, physical 30) */
#define ARM64_TIMER_PPIS    { 13, 14, 11, 10 }

/* The device tree's place: the top 2 MiB block of the kernel's RAM region, alone in it
 * (booting.rst: at most 2 MiB, mapped with 2 MiB blocks) */
#define ARM64_DTB_MAX       0x200000ull
#define ARM64_DTB_BUILD     0x10000u        /* what ptvm writes into: 64 KiB is ample */

/* KVM_{GET,SET}_ONE_REG ids: a core register (struct kvm_regs field) and MPIDR_EL1 */
#define ARM64_CORE_REG(field) \
	(KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE | KVM_REG_ARM_CORE_REG(field))
#define ARM64_REG_MPIDR_EL1 ARM64_SYS_REG(3, 0, 0, 0, 5)

struct arm64_vm {
	int gic_fd, its_fd;            /* the vGICv3 and its ITS (KVM devices); -1: none */
	struct kvm_vcpu_init init;     /* KVM_ARM_PREFERRED_TARGET's, once */
	bool have_target;
	uint64_t mpidr[ARM64_MAX_CPUS]; /* each vCPU's MPIDR_EL1, as KVM set it */
	uint64_t entry, dtb;           /* the boot vCPU's PC and x0 */
	atomic_bool nisv_told;         /* an undecodable MMIO access has been reported */
	struct pl061 *gpio;            /* the power button's GPIO controller */
};

#endif
