/* What a running ptvm may ask of the kernel: the allow-list the seccomp filter is built
 * from (vmm/seccomp.c), as plain data so that the simulated kernel can check every call
 * it sees against the same list, and the docs can list it. Setup (opening devices,
 * creating the VM, mapping guest RAM into the IOAS, starting threads) happens before the
 * filter; what remains is the guest running, devices emulated, interrupts rerouted, the
 * control socket and console served, and the teardown. */
#ifndef PTVM_SECCOMP_POLICY_H
#define PTVM_SECCOMP_POLICY_H

#include <stdbool.h>
#include <stddef.h>

enum confine_mode {
	CONFINE_DEFAULT, /* enforce when the build has seccomp, else off */
	CONFINE_ENFORCE, /* a call outside the list is named on stderr and ptvm dies (SIGSYS) */
	CONFINE_LOG,     /* a call outside the list is named on stderr and allowed */
	CONFINE_OFF,
};

/* How a system call's arguments are checked. */
enum seccomp_args {
	SECCOMP_ARGS_ANY,
	SECCOMP_ARGS_IOCTL,   /* the request (argument 1) must be an allowed ioctl below */
	SECCOMP_ARGS_NO_EXEC, /* mmap/mprotect: the protection (argument 2) lacks PROT_EXEC */
	SECCOMP_ARGS_UNIX,    /* socket: only AF_UNIX (argument 0) */
};

struct seccomp_syscall {
	const char *name; /* as libseccomp and the kernel's tables spell it */
	enum seccomp_args args;
	const char *why;
};

struct seccomp_ioctl {
	unsigned long request;
	const char *name;
	bool running;     /* allowed once the filter is on; false: setup only (named in reports) */
	const char *why;
};

/* The allow-list: the entries every architecture shares (vmm/seccomp_policy.c), then the
 * architecture's own (arch/<arch>/seccomp_policy.c): system calls only it has, its KVM ioctls. */
size_t seccomp_nsyscalls(void);
const struct seccomp_syscall *seccomp_syscall(size_t i);
size_t seccomp_nioctls(void);
const struct seccomp_ioctl *seccomp_ioctl(size_t i);

/* For the architecture's part of the list */
#define SECCOMP_RUN(req, why) { req, #req, true, why }
#define SECCOMP_SETUP(req) { req, #req, false, "setup only" }
extern const struct seccomp_syscall arch_seccomp_syscalls[];
extern const size_t arch_seccomp_nsyscalls;
extern const struct seccomp_ioctl arch_seccomp_ioctls[];
extern const size_t arch_seccomp_nioctls;

/* Whether the filter lets this call through: syscall by name; for "ioctl" also the
 * request; for mmap/mprotect the protection; for socket the domain. */
bool seccomp_policy_allows(const char *syscall, unsigned long arg0, unsigned long arg1,
			   unsigned long arg2);
/* The name of an ioctl request ptvm knows (allowed or not), or NULL. */
const char *seccomp_ioctl_name(unsigned long request);
const char *confine_mode_name(enum confine_mode m);
/* Parses enforce|log|off; -EINVAL with a message otherwise. */
int confine_mode_parse(const char *s, enum confine_mode *out);

/* Installs the filter in every thread of the process (vmm/seccomp.c; builds without
 * CONFIG_SECCOMP get a version that refuses). CONFINE_OFF does nothing. */
int seccomp_install(enum confine_mode mode);
/* Whether this build has seccomp at all. */
bool seccomp_built_in(void);
/* Whether the running kernel can filter this process's system calls as mode needs; 0,
 * or -EOPNOTSUPP with a message saying what the kernel lacks. */
int seccomp_kernel_check(enum confine_mode mode);

#endif
