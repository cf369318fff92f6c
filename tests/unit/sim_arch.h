/* The simulated kernel's architecture part (tests/unit/sim_kvm_x86.c or sim_kvm_arm64.c,
 * whichever the configuration's architecture builds): the KVM ioctls only one
 * architecture has, with that architecture's rules. tests/unit/sim_kernel.c calls these
 * with its lock held; "slot" is an object's index in its fd table, stable while the fd
 * is open. Each returns what the ioctl would (a negative errno on failure); -ENOTTY for a
 * request the architecture does not know. */
#ifndef PTVM_TEST_SIM_ARCH_H
#define PTVM_TEST_SIM_ARCH_H

#include <linux/kvm.h>
#include <stdint.h>

void sim_arch_reset(void);
/* A hand-built VM (sim_install_vm): its interrupt controller counts as ready. */
void sim_arch_irqchip_assume_ready(void);
int sim_arch_kvm_ioctl(unsigned long req, void *arg);          /* on /dev/kvm */
int sim_arch_vm_ioctl(unsigned long req, void *arg);           /* on the VM */
int sim_arch_enable_cap(const struct kvm_enable_cap *cap);     /* KVM_ENABLE_CAP on the VM */
/* KVM_CREATE_VCPU (0: go on), KVM_IRQFD assigning one (0: go on), each before the
 * generic checks */
int sim_arch_vcpu_create(void);
int sim_arch_irqfd_assign(void);
void sim_arch_vcpu_new(int slot, int vcpu_id);
int sim_arch_vcpu_ioctl(int slot, unsigned long req, void *arg);
int sim_arch_vcpu_run(int slot);                               /* KVM_RUN (0: go on) */
/* KVM_CREATE_DEVICE of a type other than KVM-VFIO: 0 if the architecture has it */
int sim_arch_device_type(uint32_t type);
void sim_arch_device_new(int slot, uint32_t type);
int sim_arch_device_ioctl(int slot, unsigned long req, void *arg);

#endif
