/* arm64's part of the running VMM's allow-list (vmm/seccomp_policy.h): no system calls of
 * its own (the C library's ppoll, unlinkat and clock_gettime are in the common part), and
 * the KVM ioctls only arm64 has (its vGIC is a KVM device: the common part's
 * KVM_CREATE_DEVICE and KVM_SET_DEVICE_ATTR). docs/confinement.md lists them. */
#include <linux/kvm.h>

#include "vmm/seccomp_policy.h"

const struct seccomp_syscall arch_seccomp_syscalls[1] = { { 0 } }; /* C has no empty array */
const size_t arch_seccomp_nsyscalls = 0;

const struct seccomp_ioctl arch_seccomp_ioctls[] = {
	SECCOMP_RUN(KVM_GET_ONE_REG, "the report of a failed vCPU"),
	SECCOMP_RUN(KVM_SET_VCPU_EVENTS, "a data abort for an MMIO access KVM cannot decode"),
	SECCOMP_SETUP(KVM_ARM_PREFERRED_TARGET),
	SECCOMP_SETUP(KVM_ARM_VCPU_INIT),
	SECCOMP_SETUP(KVM_SET_ONE_REG),
};
const size_t arch_seccomp_nioctls = sizeof(arch_seccomp_ioctls) / sizeof(arch_seccomp_ioctls[0]);
