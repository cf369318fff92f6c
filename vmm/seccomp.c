/* The seccomp filter of a running ptvm, built with libseccomp from the allow-list in
 * seccomp_policy.c and installed in every thread at once (TSYNC) after setup, so no
 * setup call (open, VM creation, thread creation) needs to be on the list.
 *
 * enforce: a call outside the list is trapped (it never runs); the SIGSYS handler names
 *   it on stderr, with the ioctl request when it is one, and ptvm dies of SIGSYS.
 * log: a call outside the list goes to a listener thread (seccomp user notification),
 *   which names it on stderr the first time and lets it run. For finding what a new
 *   device or guest needs, not for production. */
#include <errno.h>
#include <pthread.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vmm/arch.h"
#include "vmm/err.h"
#include "vmm/log.h"
#include "vmm/seccomp_policy.h"

bool seccomp_built_in(void)
{
	return true;
}

int seccomp_kernel_check(enum confine_mode mode)
{
	uint32_t action = mode == CONFINE_LOG ? SECCOMP_RET_USER_NOTIF : SECCOMP_RET_TRAP;

	if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0)
		return 0;
	return err_msg(EOPNOTSUPP, "this kernel cannot filter system calls%s (%s): it needs "
			      "CONFIG_SECCOMP_FILTER and Linux 4.14 or newer%s; start ptvm with "
			      "--seccomp off to run unconfined", mode == CONFINE_LOG ?
			      " for --seccomp log" : "", strerror(errno),
		       mode == CONFINE_LOG ? " (5.5 for log)" : "");
}

/* --- enforce: the SIGSYS report ------------------------------------------------------- */

#define NAMES 512
static const char *names[NAMES]; /* system calls by number, resolved before the filter */

static size_t put(char *buf, size_t at, size_t cap, const char *s)
{
	while (*s && at + 1 < cap)
		buf[at++] = *s++;
	return at;
}

static size_t put_num(char *buf, size_t at, size_t cap, unsigned long v, unsigned base)
{
	char tmp[24];
	int n = 0;

	do
		tmp[n++] = "0123456789abcdef"[v % base];
	while ((v /= base) && n < (int)sizeof(tmp));
	if (base == 16)
		at = put(buf, at, cap, "0x");
	while (n && at + 1 < cap)
		buf[at++] = tmp[--n];
	return at;
}

/* Runs in the thread that made the call; only async-signal-safe work. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	char msg[320];
	size_t n = 0, cap = sizeof(msg);
	int nr = si->si_syscall;
	const char *name = nr >= 0 && nr < NAMES && names[nr] ? names[nr] : NULL;

	n = put(msg, n, cap, "ptvm: seccomp: forbidden system call ");
	n = put(msg, n, cap, name ? name : "number");
	n = put(msg, n, cap, " (");
	n = put_num(msg, n, cap, (unsigned long)nr, 10);
	n = put(msg, n, cap, ")");
	if (name && !strcmp(name, "ioctl")) {
		unsigned long req = arch_sigsys_arg(uc, 1);
		const char *rn = seccomp_ioctl_name(req);

		n = put(msg, n, cap, " request ");
		n = put(msg, n, cap, rn ? rn : "");
		n = put(msg, n, cap, rn ? " (" : "");
		n = put_num(msg, n, cap, req & 0xffffffffu, 16);
		n = put(msg, n, cap, rn ? ")" : "");
	}
	n = put(msg, n, cap, " in thread ");
	n = put_num(msg, n, cap, (unsigned long)gettid(), 10);
	n = put(msg, n, cap, "; ptvm stops (--seccomp log reports such calls and lets them run)\n");
	if (write(2, msg, n) < 0) {
		/* nothing more to do: the signal below still ends the process */
	}
	/* Die of SIGSYS, as the kernel's own kill would, so a supervisor sees why: the
	 * handler was reset to the default on entry (SA_RESETHAND). */
	syscall(SYS_tgkill, getpid(), gettid(), SIGSYS);
	(void)sig;
}

/* --- log: the listener ---------------------------------------------------------------- */

static struct {
	pthread_mutex_t lock;
	pthread_cond_t ready;
	int fd; /* the filter's notification fd; -1 until loaded */
	bool waiting; /* the thread is up and waits for fd (its own start-up calls are done) */
	struct seccomp_notif *req;
	struct seccomp_notif_resp *resp;
} listener = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, -1, false, NULL, NULL };

static void report_once(const struct seccomp_notif *req)
{
	static struct { int nr; unsigned long req; } seen[64];
	static int nseen;
	unsigned long ioreq = 0;
	char *name = seccomp_syscall_resolve_num_arch(req->data.arch, req->data.nr);
	bool is_ioctl = name && !strcmp(name, "ioctl");
	const char *rn;

	if (is_ioctl)
		ioreq = (unsigned long)req->data.args[1] & 0xffffffffu;
	for (int i = 0; i < nseen; i++)
		if (seen[i].nr == req->data.nr && seen[i].req == ioreq) {
			free(name);
			return;
		}
	if (nseen < (int)(sizeof(seen) / sizeof(seen[0])))
		seen[nseen++].nr = req->data.nr, seen[nseen - 1].req = ioreq;
	rn = is_ioctl ? seccomp_ioctl_name(ioreq) : NULL;
	if (is_ioctl)
		fprintf(stderr, "ptvm: seccomp: log: system call ioctl (%d) request %s%s0x%lx%s "
				"by thread %d is not on the allow-list; allowed\n", req->data.nr,
			rn ? rn : "", rn ? " (" : "", ioreq, rn ? ")" : "", (int)req->pid);
	else
		fprintf(stderr, "ptvm: seccomp: log: system call %s (%d) by thread %d is not on the "
				"allow-list; allowed\n", name ? name : "?", req->data.nr, (int)req->pid);
	free(name);
}

static void *listen_forbidden(void *arg)
{
	int fd;

	(void)arg;
	pthread_mutex_lock(&listener.lock);
	listener.waiting = true;
	pthread_cond_broadcast(&listener.ready);
	while (listener.fd < 0)
		pthread_cond_wait(&listener.ready, &listener.lock);
	fd = listener.fd;
	pthread_mutex_unlock(&listener.lock);
	for (;;) {
		int r;

		memset(listener.req, 0, sizeof(*listener.req));
		r = seccomp_notify_receive(fd, listener.req);
		if (r == -EINTR || r == -ENOENT)
			continue;
		if (r < 0)
			break;
		report_once(listener.req);
		listener.resp->id = listener.req->id;
		listener.resp->val = 0;
		listener.resp->error = 0;
		listener.resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		seccomp_notify_respond(fd, listener.resp); /* ENOENT: the caller is gone */
	}
	return NULL;
}

/* --- the filter ----------------------------------------------------------------------- */

static int add_rules(scmp_filter_ctx ctx, enum confine_mode mode)
{
	int r = 0;

	for (size_t i = 0; i < seccomp_nsyscalls() && r == 0; i++) {
		const struct seccomp_syscall *s = seccomp_syscall(i);
		int nr = seccomp_syscall_resolve_name(s->name);

		if (nr == __NR_SCMP_ERROR)
			return err_msg(EINVAL, "seccomp: libseccomp does not know the system call %s",
				       s->name);
		switch (s->args) {
		case SECCOMP_ARGS_ANY:
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
			break;
		case SECCOMP_ARGS_IOCTL:
			for (size_t k = 0; k < seccomp_nioctls() && r == 0; k++)
				if (seccomp_ioctl(k)->running)
					r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
							     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
								     seccomp_ioctl(k)->request & 0xffffffffu));
			if (mode == CONFINE_LOG) {
				static const unsigned long own[] = { SECCOMP_IOCTL_NOTIF_RECV,
					SECCOMP_IOCTL_NOTIF_SEND, SECCOMP_IOCTL_NOTIF_ID_VALID };

				for (size_t k = 0; k < 3 && r == 0; k++)
					r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
							     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu,
								     own[k] & 0xffffffffu));
			}
			break;
		case SECCOMP_ARGS_NO_EXEC:
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1,
					     SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
			break;
		case SECCOMP_ARGS_UNIX:
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 1, SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
			break;
		}
		if (r < 0)
			return err_errno(-r, "seccomp: the rule for %s", s->name);
	}
	return 0;
}

int seccomp_install(enum confine_mode mode)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO | SA_RESETHAND };
	scmp_filter_ctx ctx;
	size_t nioctls = 0;
	pthread_t t;
	int r;

	if (mode == CONFINE_DEFAULT)
		mode = CONFINE_ENFORCE;
	if (mode == CONFINE_OFF)
		return 0;
	if ((r = seccomp_kernel_check(mode)) < 0)
		return r;
	/* What the C library opens lazily, opened now: glibc reads the time zone file on
	 * its first time conversion, even gmtime_r's (the RTC's clock), and the filter
	 * forbids open. */
	tzset();
	if (mode == CONFINE_ENFORCE) {
		for (int nr = 0; nr < NAMES; nr++)
			names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGSYS, &sa, NULL) < 0)
			return err_errno(errno, "seccomp: the SIGSYS handler");
	} else {
		if ((r = seccomp_notify_alloc(&listener.req, &listener.resp)) < 0)
			return err_errno(-r, "seccomp: the kernel's user notifications (Linux 5.5+)");
		if ((r = pthread_create(&t, NULL, listen_forbidden, NULL)))
			return err_errno(r, "seccomp: start the listener thread");
		pthread_detach(t);
		/* Its calls must not wait for itself: the filter goes on once it is waiting. */
		pthread_mutex_lock(&listener.lock);
		while (!listener.waiting)
			pthread_cond_wait(&listener.ready, &listener.lock);
		pthread_mutex_unlock(&listener.lock);
	}
	ctx = seccomp_init(mode == CONFINE_ENFORCE ? SCMP_ACT_TRAP : SCMP_ACT_NOTIFY);
	if (!ctx)
		return err_msg(ENOMEM, "seccomp: seccomp_init failed");
	if ((r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0 ||
	    (r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS)) < 0) {
		seccomp_release(ctx);
		return err_errno(-r, "seccomp: filter attributes");
	}
	if ((r = add_rules(ctx, mode)) < 0) {
		seccomp_release(ctx);
		return r;
	}
	r = seccomp_load(ctx);
	if (r < 0) {
		seccomp_release(ctx);
		return err_errno(-r, "seccomp: load the filter (%s mode)", confine_mode_name(mode));
	}
	if (mode == CONFINE_LOG) {
		pthread_mutex_lock(&listener.lock);
		listener.fd = seccomp_notify_fd(ctx);
		pthread_cond_broadcast(&listener.ready);
		pthread_mutex_unlock(&listener.lock);
	}
	seccomp_release(ctx);
	for (size_t k = 0; k < seccomp_nioctls(); k++)
		nioctls += seccomp_ioctl(k)->running;
	log_step("seccomp filter on (%s): %zu system calls, %zu ioctl requests",
		 confine_mode_name(mode), seccomp_nsyscalls(), nioctls);
	return 0;
}
