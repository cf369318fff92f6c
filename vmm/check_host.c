/* Host checks for "ptvm check": KVM (by creating a VM and a vCPU, never by CPUID), the KVM
 * capabilities ptvm relies on, and the memory-locking limit against the guest RAM size. */
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "vmm/arch.h"
#include "vmm/check.h"
#include "vmm/seccomp_policy.h"
#include "vmm/sys.h"
#include "vmm/util.h"

static const struct {
	int cap;
	const char *name;
} kvm_caps[] = {
	{ KVM_CAP_USER_MEMORY, "user-memory" },
	{ KVM_CAP_IRQFD, "irqfd" },
	{ KVM_CAP_IRQFD_RESAMPLE, "irqfd-resample" },
	{ KVM_CAP_IRQ_ROUTING, "irq-routing" },
	{ KVM_CAP_SIGNAL_MSI, "signal-msi" },
	{ KVM_CAP_DEVICE_CTRL, "device-ctrl" },
	{ KVM_CAP_IOEVENTFD, "ioeventfd" },
};

static const char *kvm_open_hint(int err)
{
	switch (err) {
	case -ENOENT:
	case -ENODEV:
	case -ENXIO:
		return arch_kvm_hint;
	case -EACCES:
	case -EPERM:
		return "run as root or add the user to the group that owns /dev/kvm (usually kvm)";
	default:
		return "see dmesg for what KVM reported";
	}
}

static void check_caps(struct check_ctx *ctx, int vm)
{
	char missing[256] = "", have[256] = "";

	for (size_t i = 0; i < ARRAY_SIZE(kvm_caps); i++) {
		int r = sys_ioctl(vm, KVM_CHECK_EXTENSION, (unsigned long)kvm_caps[i].cap);
		char *list = r > 0 ? have : missing;

		snprintf(list + strlen(list), 256 - strlen(list), "%s%s", *list ? ", " : "",
			 kvm_caps[i].name);
	}
	if (*missing)
		check_report(ctx, CHECK_FAIL, "host", "kvm-caps",
			     "use a host kernel whose KVM offers these (any Linux >= 5.10 does)",
			     "missing: %s", missing);
	else
		check_report(ctx, CHECK_PASS, "host", "kvm-caps", NULL, "%s", have);
}

static void check_kvm_vfio(struct check_ctx *ctx, int vm)
{
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_VFIO,
					.flags = KVM_CREATE_DEVICE_TEST };
	int r = sys_ioctl(vm, KVM_CREATE_DEVICE, &cd);
#ifdef CONFIG_PASSTHROUGH
	enum check_status bad = CHECK_FAIL;
#else
	enum check_status bad = CHECK_WARN;
#endif

	if (r < 0)
		check_report(ctx, bad, "host", "kvm-vfio",
			     "use a kernel with CONFIG_KVM and CONFIG_VFIO both enabled "
			     "(that selects the KVM-VFIO device)",
			     "KVM cannot create its VFIO pseudo-device: %s", err_get());
	else
		check_report(ctx, CHECK_PASS, "host", "kvm-vfio", NULL,
			     "KVM offers the VFIO pseudo-device (KVM_DEV_TYPE_VFIO)");
}

void check_host_kvm(struct check_ctx *ctx)
{
	char path[256];
	int kvm, vm = -1, vcpu = -1, r;

	if (path_fmt(path, sizeof(path), "%s/dev/kvm", ctx->root))
		return;
	kvm = sys_open(path, O_RDWR);
	if (kvm < 0) {
		check_report(ctx, CHECK_FAIL, "host", "kvm", kvm_open_hint(kvm), "%s", err_get());
		return;
	}
	r = sys_ioctl(kvm, KVM_GET_API_VERSION, 0);
	if (r != KVM_API_VERSION) {
		check_report(ctx, CHECK_FAIL, "host", "kvm", "use a standard Linux KVM",
			     "KVM API version %d, ptvm needs %d", r, KVM_API_VERSION);
		goto out;
	}
	vm = sys_ioctl(kvm, KVM_CREATE_VM, 0);
	if (vm < 0) {
		check_report(ctx, CHECK_FAIL, "host", "kvm", kvm_open_hint(vm),
			     "cannot create a VM: %s", err_get());
		goto out;
	}
	vcpu = sys_ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0) {
		check_report(ctx, CHECK_FAIL, "host", "kvm", "see dmesg for what KVM reported",
			     "created a VM but not a vCPU: %s", err_get());
		goto out;
	}
	check_report(ctx, CHECK_PASS, "host", "kvm", NULL,
		     "%s: KVM API %d, created a VM and a vCPU", path, r);
	check_caps(ctx, vm);
	check_kvm_vfio(ctx, vm);
out:
	if (vcpu >= 0)
		sys_close(vcpu);
	if (vm >= 0)
		sys_close(vm);
	sys_close(kvm);
}

/* CAP_IPC_LOCK (bit 14) in the effective set lifts the memlock limit for pinning. */
static bool has_ipc_lock(const char *root)
{
	char path[256], line[256];
	bool found = false;
	FILE *f;

	if (path_fmt(path, sizeof(path), "%s/proc/self/status", root) ||
	    !(f = fopen(path, "re")))
		return false;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "CapEff:", 7)) {
			found = (strtoull(line + 7, NULL, 16) >> 14) & 1;
			break;
		}
	fclose(f);
	return found;
}

void check_host_memlock(struct check_ctx *ctx)
{
	char want[32], have[32], hint[384];
	struct rlimit rl;
	/* Only assigned devices pin guest RAM; without them the limit does not matter. */
	enum check_status bad = ctx->ndevices ? CHECK_FAIL : CHECK_WARN;

	format_size(ctx->memory, want, sizeof(want));
	if (has_ipc_lock(ctx->root)) {
		check_report(ctx, CHECK_PASS, "host", "memlock", NULL,
			     "CAP_IPC_LOCK: pinning %s of guest RAM is not limited", want);
		return;
	}
	if (getrlimit(RLIMIT_MEMLOCK, &rl) || rl.rlim_cur == RLIM_INFINITY ||
	    rl.rlim_cur >= ctx->memory) {
		check_report(ctx, CHECK_PASS, "host", "memlock", NULL,
			     "RLIMIT_MEMLOCK allows pinning %s of guest RAM", want);
		return;
	}
	format_size(rl.rlim_cur, have, sizeof(have));
	snprintf(hint, sizeof(hint),
		 "raise it to at least %llu KiB (ulimit -l %llu, or LimitMEMLOCK= in a systemd "
		 "unit), or grant CAP_IPC_LOCK",
		 (unsigned long long)((ctx->memory + 1023) >> 10),
		 (unsigned long long)((ctx->memory + 1023) >> 10));
	check_report(ctx, bad, "host", "memlock", hint,
		     "RLIMIT_MEMLOCK is %s; assigned devices pin all %s of guest RAM", have, want);
}

/* Whether `ptvm run` can confine itself (its default) on this kernel. */
void check_host_seccomp(struct check_ctx *ctx)
{
	if (!seccomp_built_in()) {
		check_report(ctx, CHECK_WARN, "host", "seccomp",
			     "use a build with CONFIG_SECCOMP (glibc) to confine ptvm",
			     "this ptvm was built without seccomp: it runs unconfined");
		return;
	}
	if (seccomp_kernel_check(CONFINE_ENFORCE) < 0)
		check_report(ctx, CHECK_WARN, "host", "seccomp",
			     "boot a kernel with CONFIG_SECCOMP_FILTER, or run ptvm with "
			     "--seccomp off", "%s", err_get());
	else
		check_report(ctx, CHECK_PASS, "host", "seccomp", NULL,
			     "the kernel filters system calls: 'ptvm run' confines itself after "
			     "setup (--seccomp enforce)");
}

static void run_host(struct check_ctx *ctx)
{
	check_host_kvm(ctx);
	check_host_memlock(ctx);
	check_host_seccomp(ctx);
}

static const struct checker host_checker = { .name = "host", .run = run_host };
PTVM_CHECKER(host_checker);
