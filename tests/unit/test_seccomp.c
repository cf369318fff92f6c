/* The seccomp filter on this host's real kernel: each case forks a child that installs
 * the filter the way `ptvm run` does (every thread at once) and then makes calls, and the
 * parent reads how the child ended and what it wrote on stderr. Also the allow-list's own
 * consistency, and that docs/confinement.md lists every entry. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <seccomp.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/err.h"
#include "vmm/seccomp_policy.h"

struct child {
	int status;        /* from waitpid */
	char err[2048];    /* its stderr */
};

/* Runs body(arg) in a child whose stderr goes to a file; the child exits 0 if body
 * returns. */
static void in_child(void (*body)(void *), void *arg, struct child *c)
{
	FILE *f = tmpfile();
	pid_t pid;
	size_t n;

	assert_non_null(f);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		dup2(fileno(f), 2);
		body(arg);
		/* no atexit handlers, and none of LeakSanitizer's exit check (it needs ptrace
		 * and clone, which the filter forbids) */
		syscall(SYS_exit_group, 0);
	}
	assert_int_equal(waitpid(pid, &c->status, 0), pid);
	rewind(f);
	n = fread(c->err, 1, sizeof(c->err) - 1, f);
	c->err[n] = '\0';
	fclose(f);
}

static void install_or_exit(enum confine_mode mode)
{
	if (seccomp_install(mode) < 0) {
		fprintf(stderr, "install failed: %s\n", err_get());
		_exit(90);
	}
}

/* "NAME (NUMBER)" as the reports spell a system call, with this architecture's number. */
static const char *call(const char *name, long nr)
{
	static char buf[4][64];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s (%ld)", name, nr);
	return b;
}

static bool killed_by_sigsys(const struct child *c)
{
	return WIFSIGNALED(c->status) && WTERMSIG(c->status) == SIGSYS;
}

/* --- enforce ---------------------------------------------------------------------------- */

/* What a running ptvm does all the time works under the filter. */
static void allowed_calls(void *arg)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	uint64_t one = 1;
	void *p;
	char *big;

	(void)arg;
	install_or_exit(CONFINE_ENFORCE);
	efd = eventfd(0, EFD_CLOEXEC); /* eventfd2: irqfds are made at run time */
	if (efd < 0 || write(efd, &one, 8) != 8 || read(efd, &one, 8) != 8)
		_exit(91);
	p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED || munmap(p, 1 << 20))
		_exit(92);
	big = malloc(64 << 20); /* malloc's own mmap */
	if (!big)
		_exit(93);
	memset(big, 1, 4096);
	free(big);
	if (getpid() <= 0 || close(efd))
		_exit(94);
	fprintf(stderr, "all allowed\n");
}

static void test_allowed(void **state)
{
	struct child c;

	(void)state;
	in_child(allowed_calls, NULL, &c);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
		fail_msg("status 0x%x, stderr: %s", c.status, c.err);
	assert_non_null(strstr(c.err, "all allowed"));
}

static void forbidden_socket(void *arg)
{
	(void)arg;
	install_or_exit(CONFINE_ENFORCE);
	if (socket(AF_INET, SOCK_STREAM, 0) >= 0)
		fprintf(stderr, "socket(AF_INET) ran\n");
	fprintf(stderr, "still alive\n");
}

static void test_forbidden_syscall(void **state)
{
	struct child c;

	(void)state;
	in_child(forbidden_socket, NULL, &c);
	if (!killed_by_sigsys(&c))
		fail_msg("status 0x%x, stderr: %s", c.status, c.err);
	assert_non_null(strstr(c.err, "ptvm: seccomp: forbidden system call "));
	assert_non_null(strstr(c.err, call("socket", __NR_socket)));
	assert_null(strstr(c.err, "ran"));
	assert_null(strstr(c.err, "still alive"));
}

static void forbidden_ioctl(void *arg)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	(void)arg;
	install_or_exit(CONFINE_ENFORCE);
	ioctl(fd, *(unsigned long *)arg, 0);
	fprintf(stderr, "still alive\n");
}

static void test_forbidden_ioctl(void **state)
{
	unsigned long setup_only = KVM_CREATE_VM, unknown = 0xdead1234;
	struct child c;

	(void)state;
	in_child(forbidden_ioctl, &setup_only, &c);
	if (!killed_by_sigsys(&c))
		fail_msg("status 0x%x, stderr: %s", c.status, c.err);
	assert_non_null(strstr(c.err, call("ioctl", __NR_ioctl)));
	assert_non_null(strstr(c.err, ") request KVM_CREATE_VM (0xae01) in thread "));
	in_child(forbidden_ioctl, &unknown, &c);
	assert_true(killed_by_sigsys(&c));
	assert_non_null(strstr(c.err, ") request 0xdead1234 in thread"));
}

static void exec_mapping(void *arg)
{
	(void)arg;
	install_or_exit(CONFINE_ENFORCE);
	mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	fprintf(stderr, "still alive\n");
}

static void test_no_exec_mapping(void **state)
{
	struct child c;

	(void)state;
	in_child(exec_mapping, NULL, &c);
	if (!killed_by_sigsys(&c))
		fail_msg("status 0x%x, stderr: %s", c.status, c.err);
	assert_non_null(strstr(c.err, call("forbidden system call mmap", __NR_mmap)));
}

/* A thread started before the filter (as vCPU threads are) is confined too. */
static volatile int go;

static void *late_opener(void *arg)
{
	(void)arg;
	while (!__atomic_load_n(&go, __ATOMIC_ACQUIRE))
		usleep(1000);
	open("/dev/null", O_RDONLY);
	fprintf(stderr, "thread still alive\n");
	return NULL;
}

static void thread_then_filter(void *arg)
{
	pthread_t t;

	(void)arg;
	if (pthread_create(&t, NULL, late_opener, NULL))
		_exit(95);
	install_or_exit(CONFINE_ENFORCE);
	__atomic_store_n(&go, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
}

static void test_every_thread(void **state)
{
	struct child c;

	(void)state;
	in_child(thread_then_filter, NULL, &c);
	if (!killed_by_sigsys(&c))
		fail_msg("status 0x%x, stderr: %s", c.status, c.err);
	assert_non_null(strstr(c.err, call("forbidden system call openat", __NR_openat)));
	assert_null(strstr(c.err, "thread still alive"));
}

/* --- log ------------------------------------------------------------------------------ */

static void logged_calls(void *arg)
{
	int a, b;

	(void)arg;
	install_or_exit(CONFINE_LOG);
	a = socket(AF_INET, SOCK_DGRAM, 0);
	b = socket(AF_INET, SOCK_DGRAM, 0); /* the same call again: not reported twice */
	ioctl(a, KVM_CREATE_VM, 0);        /* runs: ENOTTY on a socket */
	fprintf(stderr, "sockets %s, ioctl errno %d\n", a >= 0 && b >= 0 ? "made" : "refused",
		errno);
}

static void test_log(void **state)
{
	struct child c;
	const char *first;

	(void)state;
	in_child(logged_calls, NULL, &c);
	if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0)
		fail_msg("status 0x%x, stderr: %s", c.status, c.err);
	first = strstr(c.err, call("ptvm: seccomp: log: system call socket", __NR_socket));
	assert_non_null(first);
	if (strstr(first + 1, "ptvm: seccomp: log: system call socket"))
		fail_msg("reported twice: %s", c.err);
	assert_non_null(strstr(c.err, ") request KVM_CREATE_VM (0xae01) by thread "));
	assert_non_null(strstr(c.err, "sockets made, ioctl errno 25")); /* ENOTTY */
}

/* --- off, modes ----------------------------------------------------------------------- */

static void off_then_socket(void *arg)
{
	(void)arg;
	install_or_exit(CONFINE_OFF);
	if (socket(AF_INET, SOCK_STREAM, 0) < 0)
		_exit(96);
}

static void test_off(void **state)
{
	struct child c;

	(void)state;
	in_child(off_then_socket, NULL, &c);
	assert_true(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 0);
}

static void test_modes(void **state)
{
	enum confine_mode m;

	(void)state;
	assert_true(seccomp_built_in());
	assert_int_equal(seccomp_kernel_check(CONFINE_ENFORCE), 0); /* this host's kernel */
	assert_int_equal(seccomp_kernel_check(CONFINE_LOG), 0);
	assert_int_equal(confine_mode_parse("enforce", &m), 0);
	assert_int_equal(m, CONFINE_ENFORCE);
	assert_int_equal(confine_mode_parse("log", &m), 0);
	assert_int_equal(m, CONFINE_LOG);
	assert_int_equal(confine_mode_parse("off", &m), 0);
	assert_int_equal(m, CONFINE_OFF);
	assert_int_equal(confine_mode_parse("strict", &m), -EINVAL);
	assert_non_null(strstr(err_get(), "'strict' is not enforce, log or off"));
	assert_string_equal(confine_mode_name(CONFINE_DEFAULT), "enforce");
}

/* --- the list itself ------------------------------------------------------------------ */

static void test_policy_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < seccomp_nsyscalls(); i++) {
		if (seccomp_syscall_resolve_name(seccomp_syscall(i)->name) == __NR_SCMP_ERROR)
			fail_msg("libseccomp does not know '%s'", seccomp_syscall(i)->name);
		for (size_t k = 0; k < i; k++)
			if (!strcmp(seccomp_syscall(i)->name, seccomp_syscall(k)->name))
				fail_msg("'%s' twice", seccomp_syscall(i)->name);
	}
	for (size_t i = 0; i < seccomp_nioctls(); i++)
		for (size_t k = 0; k < i; k++)
			if ((uint32_t)seccomp_ioctl(i)->request == (uint32_t)seccomp_ioctl(k)->request)
				fail_msg("%s and %s share a number", seccomp_ioctl(i)->name,
					 seccomp_ioctl(k)->name);
	/* what the checks mean */
	assert_true(seccomp_policy_allows("ioctl", 0, KVM_RUN, 0));
	assert_false(seccomp_policy_allows("ioctl", 0, KVM_CREATE_VCPU, 0));
	assert_false(seccomp_policy_allows("mmap", 0, 0, PROT_READ | PROT_EXEC));
	assert_true(seccomp_policy_allows("mmap", 0, 0, PROT_READ | PROT_WRITE));
	assert_true(seccomp_policy_allows("socket", AF_UNIX, 0, 0));
	assert_false(seccomp_policy_allows("socket", AF_INET, 0, 0));
	assert_false(seccomp_policy_allows("openat", 0, 0, 0));
	assert_false(seccomp_policy_allows("execve", 0, 0, 0));
}

/* docs/confinement.md has a table row for every system call and every ioctl allowed. */
static void test_documented(void **state)
{
	const char *src = getenv("PTVM_SRC") ? getenv("PTVM_SRC") : ".";
	char path[4096], *doc, row[96];
	FILE *f;
	long n;

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/confinement.md", src);
	f = fopen(path, "r");
	if (!f)
		fail_msg("cannot read %s (run from the source tree or set PTVM_SRC)", path);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	doc = calloc(1, (size_t)n + 1);
	assert_non_null(doc);
	assert_int_equal(fread(doc, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	for (size_t i = 0; i < seccomp_nsyscalls(); i++) {
		snprintf(row, sizeof(row), "| `%s` |", seccomp_syscall(i)->name);
		if (!strstr(doc, row))
			fail_msg("docs/confinement.md lacks the row %s", row);
	}
	for (size_t i = 0; i < seccomp_nioctls(); i++) {
		snprintf(row, sizeof(row), "| `%s` |", seccomp_ioctl(i)->name);
		if (seccomp_ioctl(i)->running && !strstr(doc, row))
			fail_msg("docs/confinement.md lacks the row %s", row);
	}
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_policy_consistent),
		cmocka_unit_test(test_documented),
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_forbidden_syscall),
		cmocka_unit_test(test_forbidden_ioctl),
		cmocka_unit_test(test_no_exec_mapping),
		cmocka_unit_test(test_every_thread),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_off),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
