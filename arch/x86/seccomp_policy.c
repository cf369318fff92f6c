/* x86's part of the running VMM's allow-list (vmm/seccomp_policy.h): the system calls
 * only x86_64 has, which the C library still uses there, and the KVM ioctls only x86 has.
 * docs/confinement.md lists them with the rest. */
#include <linux/kvm.h>

#include "vmm/seccomp_policy.h"

const struct seccomp_syscall arch_seccomp_syscalls[] = {
	{ "poll", SECCOMP_ARGS_ANY, "the main loop" },
	{ "unlink", SECCOMP_ARGS_ANY, "removing the control and console sockets at the end" },
	{ "time", SECCOMP_ARGS_ANY, "the RTC's clock, where the vDSO falls back" },
};
const size_t arch_seccomp_nsyscalls =
	sizeof(arch_seccomp_syscalls) / sizeof(arch_seccomp_syscalls[0]);

const struct seccomp_ioctl arch_seccomp_ioctls[] = {
	SECCOMP_RUN(KVM_GET_REGS, "the report of a failed vCPU"),
	SECCOMP_RUN(KVM_GET_SREGS, "the report of a failed vCPU"),
	SECCOMP_RUN(KVM_GET_LAPIC, "the report of a failed vCPU"),
	SECCOMP_SETUP(KVM_GET_SUPPORTED_CPUID),
	SECCOMP_SETUP(KVM_CREATE_IRQCHIP),
	SECCOMP_SETUP(KVM_CREATE_PIT2),
	SECCOMP_SETUP(KVM_SET_TSS_ADDR),
	SECCOMP_SETUP(KVM_SET_IDENTITY_MAP_ADDR),
	SECCOMP_SETUP(KVM_SET_CPUID2),
	SECCOMP_SETUP(KVM_SET_MSRS),
	SECCOMP_SETUP(KVM_SET_REGS),
	SECCOMP_SETUP(KVM_SET_SREGS),
	SECCOMP_SETUP(KVM_SET_FPU),
	SECCOMP_SETUP(KVM_SET_LAPIC),
};
const size_t arch_seccomp_nioctls = sizeof(arch_seccomp_ioctls) / sizeof(arch_seccomp_ioctls[0]);
