/* The running VMM's allow-list (see seccomp_policy.h). Each entry says why it is needed;
 * docs/confinement.md lists them, and tests/unit/test_seccomp checks the two agree. */
#include "vmm/seccomp_policy.h"

#include <errno.h>
#include <linux/iommufd.h>
#include <linux/kvm.h>
#include <linux/vfio.h>
#include <stdint.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "vmm/err.h"

static const struct seccomp_syscall common_syscalls[] = {
	{ "ioctl", SECCOMP_ARGS_IOCTL, "KVM_RUN, device emulation and interrupt routing (below)" },
	{ "read", SECCOMP_ARGS_ANY, "console input, eventfds, the signalfd, timerfd" },
	{ "write", SECCOMP_ARGS_ANY, "console output and log, eventfds, messages on stderr" },
	{ "writev", SECCOMP_ARGS_ANY, "stdio's messages on stderr" },
	{ "pread64", SECCOMP_ARGS_ANY, "an assigned device's config space (VFIO region)" },
	{ "pwrite64", SECCOMP_ARGS_ANY, "an assigned device's config space and trapped BARs" },
	{ "ppoll", SECCOMP_ARGS_ANY, "the main loop (where the C library has no poll)" },
	{ "close", SECCOMP_ARGS_ANY, "teardown; control and console clients leaving" },
	{ "eventfd2", SECCOMP_ARGS_ANY, "irqfds for MSI and MSI-X vectors the guest enables" },
	{ "accept4", SECCOMP_ARGS_ANY, "control-socket and console clients" },
	{ "recvfrom", SECCOMP_ARGS_ANY, "control-socket and console clients (recv)" },
	{ "sendto", SECCOMP_ARGS_ANY, "clients (send) and the service manager's notifications" },
	{ "shutdown", SECCOMP_ARGS_ANY, "a console client that stopped reading" },
	{ "socket", SECCOMP_ARGS_UNIX, "the STOPPING notification to systemd (AF_UNIX only)" },
	{ "unlinkat", SECCOMP_ARGS_ANY, "removing the control and console sockets at the end" },
	{ "newfstatat", SECCOMP_ARGS_ANY, "checking a socket path is still ours before removal" },
	{ "fstat", SECCOMP_ARGS_ANY, "stdio" },
	{ "lseek", SECCOMP_ARGS_ANY, "stdio" },
	{ "fcntl", SECCOMP_ARGS_ANY, "non-blocking client sockets" },
	{ "timerfd_settime", SECCOMP_ARGS_ANY, "the timer that flushes coalesced port writes" },
	{ "mmap", SECCOMP_ARGS_NO_EXEC, "malloc (never executable)" },
	{ "mprotect", SECCOMP_ARGS_NO_EXEC, "malloc (never executable)" },
	{ "munmap", SECCOMP_ARGS_ANY, "free, teardown of guest RAM, BARs and run areas" },
	{ "mremap", SECCOMP_ARGS_ANY, "realloc" },
	{ "madvise", SECCOMP_ARGS_ANY, "free, and a thread's stack when it ends" },
	{ "brk", SECCOMP_ARGS_ANY, "malloc" },
	{ "futex", SECCOMP_ARGS_ANY, "locks, and joining the vCPU threads" },
	{ "rt_sigprocmask", SECCOMP_ARGS_ANY, "threads blocking and unblocking the kick" },
	{ "rt_sigreturn", SECCOMP_ARGS_ANY, "returning from the kick and other handlers" },
	{ "restart_syscall", SECCOMP_ARGS_ANY, "a sleep interrupted by a signal" },
	{ "tgkill", SECCOMP_ARGS_ANY, "kicking vCPU threads out of KVM_RUN" },
	{ "getpid", SECCOMP_ARGS_ANY, "kicking vCPU threads (pthread_kill)" },
	{ "gettid", SECCOMP_ARGS_ANY, "naming the thread in a report" },
	{ "clock_gettime", SECCOMP_ARGS_ANY, "timing, where the vDSO falls back to the kernel" },
	{ "gettimeofday", SECCOMP_ARGS_ANY, "the RTC's clock, where the vDSO falls back" },
	{ "nanosleep", SECCOMP_ARGS_ANY, "short waits" },
	{ "clock_nanosleep", SECCOMP_ARGS_ANY, "short waits" },
	{ "sched_yield", SECCOMP_ARGS_ANY, "spinning locks" },
	{ "rseq", SECCOMP_ARGS_ANY, "a thread's start in the C library, when the filter (put on "
	  "all threads at once) reaches a vCPU thread before it ran" },
	{ "set_robust_list", SECCOMP_ARGS_ANY, "the same: a thread's start in the C library" },
	{ "exit", SECCOMP_ARGS_ANY, "a vCPU thread ending" },
	{ "exit_group", SECCOMP_ARGS_ANY, "ptvm ending" },
};
static const size_t common_nsyscalls = sizeof(common_syscalls) / sizeof(common_syscalls[0]);

static const struct seccomp_ioctl common_ioctls[] = {
	SECCOMP_RUN(KVM_RUN, "running a vCPU"),
	SECCOMP_RUN(KVM_IRQ_LINE, "UART, INTx and SCI lines"),
	SECCOMP_RUN(KVM_IRQFD, "MSI and MSI-X vectors the guest enables and disables"),
	SECCOMP_RUN(KVM_SET_GSI_ROUTING, "MSI and MSI-X routes the guest programs"),
	SECCOMP_RUN(KVM_SET_USER_MEMORY_REGION, "BARs the guest moves; teardown"),
	SECCOMP_RUN(KVM_IOEVENTFD, "teardown of virtio notifications"),
	SECCOMP_RUN(KVM_REGISTER_COALESCED_MMIO, "the UART queues transmit writes only while "
		    "the guest polls its line status, switched as the guest does (serial.c)"),
	SECCOMP_RUN(KVM_UNREGISTER_COALESCED_MMIO, "the same switch; teardown"),
	SECCOMP_RUN(KVM_SET_DEVICE_ATTR, "teardown: taking a device off the KVM-VFIO device"),
	SECCOMP_RUN(VFIO_DEVICE_SET_IRQS,
		    "switching an assigned device's interrupts as the guest does"),
	SECCOMP_RUN(VFIO_DEVICE_RESET, "a function reset the guest asks for; teardown"),
	SECCOMP_RUN(VFIO_DEVICE_GET_PCI_HOT_RESET_INFO,
		    "teardown: the reset that leaves the device clean"),
	SECCOMP_RUN(VFIO_DEVICE_PCI_HOT_RESET, "teardown: the reset that leaves the device clean"),
	SECCOMP_RUN(VFIO_DEVICE_DETACH_IOMMUFD_PT, "teardown"),
	SECCOMP_RUN(IOMMU_IOAS_UNMAP, "teardown"),
	SECCOMP_RUN(IOMMU_DESTROY, "teardown"),
	SECCOMP_RUN(TCGETS, "the terminal: is it one, and its mode"),
	SECCOMP_RUN(TCSETS, "the terminal's mode restored at the end"),
	SECCOMP_RUN(TCSETSW, "the terminal's mode restored at the end"),
	SECCOMP_RUN(TCSETSF, "the terminal's mode restored at the end"),
	SECCOMP_SETUP(KVM_GET_API_VERSION),
	SECCOMP_SETUP(KVM_CHECK_EXTENSION),
	SECCOMP_SETUP(KVM_CREATE_VM),
	SECCOMP_SETUP(KVM_GET_VCPU_MMAP_SIZE),
	SECCOMP_SETUP(KVM_CREATE_DEVICE),
	SECCOMP_SETUP(KVM_CREATE_VCPU),
	SECCOMP_SETUP(KVM_ENABLE_CAP),
	SECCOMP_SETUP(IOMMU_IOAS_ALLOC),
	SECCOMP_SETUP(IOMMU_IOAS_MAP),
	SECCOMP_SETUP(IOMMU_IOAS_MAP_FILE),
	SECCOMP_SETUP(IOMMU_IOAS_IOVA_RANGES),
	SECCOMP_SETUP(IOMMU_IOAS_CHANGE_PROCESS),
	SECCOMP_SETUP(VFIO_DEVICE_BIND_IOMMUFD),
	SECCOMP_SETUP(VFIO_DEVICE_ATTACH_IOMMUFD_PT),
	SECCOMP_SETUP(VFIO_DEVICE_GET_INFO),
	SECCOMP_SETUP(VFIO_DEVICE_GET_REGION_INFO),
	SECCOMP_SETUP(VFIO_DEVICE_GET_IRQ_INFO),
	SECCOMP_SETUP(VFIO_DEVICE_FEATURE),
};
static const size_t common_nioctls = sizeof(common_ioctls) / sizeof(common_ioctls[0]);

size_t seccomp_nsyscalls(void)
{
	return common_nsyscalls + arch_seccomp_nsyscalls;
}

const struct seccomp_syscall *seccomp_syscall(size_t i)
{
	return i < common_nsyscalls ? &common_syscalls[i]
				    : &arch_seccomp_syscalls[i - common_nsyscalls];
}

size_t seccomp_nioctls(void)
{
	return common_nioctls + arch_seccomp_nioctls;
}

const struct seccomp_ioctl *seccomp_ioctl(size_t i)
{
	return i < common_nioctls ? &common_ioctls[i] : &arch_seccomp_ioctls[i - common_nioctls];
}

/* The kernel compares ioctl commands as 32-bit numbers; so does the filter. */
static const struct seccomp_ioctl *ioctl_entry(unsigned long request)
{
	for (size_t i = 0; i < seccomp_nioctls(); i++)
		if ((uint32_t)seccomp_ioctl(i)->request == (uint32_t)request)
			return seccomp_ioctl(i);
	return NULL;
}

const char *seccomp_ioctl_name(unsigned long request)
{
	const struct seccomp_ioctl *e = ioctl_entry(request);

	return e ? e->name : NULL;
}

bool seccomp_policy_allows(const char *syscall, unsigned long arg0, unsigned long arg1,
			   unsigned long arg2)
{
	for (size_t i = 0; i < seccomp_nsyscalls(); i++) {
		const struct seccomp_syscall *s = seccomp_syscall(i);
		const struct seccomp_ioctl *e;

		if (strcmp(s->name, syscall))
			continue;
		switch (s->args) {
		case SECCOMP_ARGS_ANY:
			return true;
		case SECCOMP_ARGS_IOCTL:
			e = ioctl_entry(arg1);
			return e && e->running;
		case SECCOMP_ARGS_NO_EXEC:
			return !(arg2 & PROT_EXEC);
		case SECCOMP_ARGS_UNIX:
			return arg0 == AF_UNIX;
		}
	}
	return false;
}

const char *confine_mode_name(enum confine_mode m)
{
	switch (m) {
	case CONFINE_ENFORCE: return "enforce";
	case CONFINE_LOG: return "log";
	case CONFINE_OFF: return "off";
	case CONFINE_DEFAULT: break;
	}
	return seccomp_built_in() ? "enforce" : "off";
}

int confine_mode_parse(const char *s, enum confine_mode *out)
{
	if (!strcmp(s, "enforce"))
		*out = CONFINE_ENFORCE;
	else if (!strcmp(s, "log"))
		*out = CONFINE_LOG;
	else if (!strcmp(s, "off"))
		*out = CONFINE_OFF;
	else
		return err_msg(EINVAL, "'%s' is not enforce, log or off", s);
	if (*out != CONFINE_OFF && !seccomp_built_in())
		return err_msg(ENOTSUP, "%s: this ptvm was built without seccomp (CONFIG_SECCOMP "
				       "is off); only 'off' is possible", s);
	return 0;
}

/* Builds without CONFIG_SECCOMP: vmm/seccomp.c is an empty object and these stand. */
__attribute__((weak)) bool seccomp_built_in(void)
{
	return false;
}

__attribute__((weak)) int seccomp_kernel_check(enum confine_mode mode)
{
	return err_msg(ENOTSUP, "this ptvm was built without seccomp (CONFIG_SECCOMP)");
}

__attribute__((weak)) int seccomp_install(enum confine_mode mode)
{
	if (mode == CONFINE_OFF || mode == CONFINE_DEFAULT)
		return 0;
	return err_msg(ENOTSUP, "this ptvm was built without seccomp (CONFIG_SECCOMP)");
}
