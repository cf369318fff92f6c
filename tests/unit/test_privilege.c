/* --user and the hints for a user without access: the passwd parsing (a file of our
 * own), the drop itself in a forked child when the tests run as root, and the message
 * an ordinary user gets for a device node it may not open. */
#include <errno.h>
#include <grp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "vmm/err.h"
#include "vmm/privilege.h"

static char passwd[64];

static int setup(void **state)
{
	int fd;
	FILE *f;

	(void)state;
	snprintf(passwd, sizeof(passwd), "/tmp/ptvm-passwd-XXXXXX");
	fd = mkstemp(passwd);
	if (fd < 0 || !(f = fdopen(fd, "w")))
		return -1;
	fputs("root:x:0:0:root:/root:/bin/sh\n"
	      "broken line without fields\n"
	      "vm:x:1001:1002:VM runner:/nonexistent:/usr/sbin/nologin\n"
	      "badnum:x:12x:5::/:/bin/sh\n"
	      "lab:x:1000:1000::/tmp:/bin/sh\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(passwd);
	return 0;
}

static void test_parse(void **state)
{
	struct run_user u;

	(void)state;
	assert_int_equal(run_user_parse("vm", passwd, &u), 0);
	assert_true(u.set);
	assert_int_equal(u.uid, 1001);
	assert_int_equal(u.gid, 1002);
	assert_string_equal(u.name, "vm");
	assert_int_equal(run_user_parse("1000", passwd, &u), 0); /* gid from passwd */
	assert_int_equal(u.uid, 1000);
	assert_int_equal(u.gid, 1000);
	assert_string_equal(u.name, "lab");
	assert_int_equal(run_user_parse("1001:7", passwd, &u), 0);
	assert_int_equal(u.gid, 7);
	assert_int_equal(run_user_parse("4242", passwd, &u), 0); /* unknown: gid = uid */
	assert_int_equal(u.uid, 4242);
	assert_int_equal(u.gid, 4242);
	assert_string_equal(u.name, "4242");
}

static void test_parse_errors(void **state)
{
	struct run_user u;

	(void)state;
	assert_int_equal(run_user_parse("nobody-here", passwd, &u), -EINVAL);
	assert_non_null(strstr(err_get(), "no user 'nobody-here' in "));
	assert_non_null(strstr(err_get(), "give UID:GID"));
	assert_false(u.set);
	assert_int_equal(run_user_parse("badnum", passwd, &u), -EINVAL); /* malformed entry */
	assert_int_equal(run_user_parse("root", passwd, &u), -EINVAL);
	assert_non_null(strstr(err_get(), "'root' is root"));
	assert_int_equal(run_user_parse("0", passwd, &u), -EINVAL);
	assert_int_equal(run_user_parse("12:", passwd, &u), -EINVAL);
	assert_int_equal(run_user_parse("12:x", passwd, &u), -EINVAL);
	assert_int_equal(run_user_parse("1x", passwd, &u), -EINVAL);
	assert_int_equal(run_user_parse("99999999999", passwd, &u), -EINVAL);
	assert_int_equal(run_user_parse("", passwd, &u), -EINVAL);
	assert_int_equal(run_user_parse("vm", "/nonexistent/passwd", &u), -EINVAL);
}

/* In a child: drop to uid/gid 4242 and report what the kernel says we are. */
static void test_drop(void **state)
{
	struct run_user u;
	int st, p[2];
	char buf[128] = "";
	pid_t pid;

	(void)state;
	if (geteuid() != 0)
		skip(); /* the drop needs root; CI runs as root */
	assert_int_equal(run_user_parse("4242:4243", passwd, &u), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int r = run_user_drop(&u);
		gid_t groups[4];
		int n = getgroups(4, groups);

		dprintf(p[1], "r=%d uid=%u euid=%u gid=%u groups=%d:%u root-again=%d", r,
			(unsigned)getuid(), (unsigned)geteuid(), (unsigned)getgid(), n,
			n > 0 ? (unsigned)groups[0] : 0, setuid(0) == 0);
		_exit(0);
	}
	close(p[1]);
	assert_true(read(p[0], buf, sizeof(buf) - 1) > 0);
	close(p[0]);
	waitpid(pid, &st, 0);
	assert_string_equal(buf, "r=0 uid=4242 euid=4242 gid=4243 groups=1:4243 root-again=0");
}

/* Not root: dropping to someone else is refused with the reason; to oneself is a no-op. */
static void test_drop_not_root(void **state)
{
	struct run_user u, self;
	int st, p[2];
	char buf[512] = "";
	pid_t pid;

	(void)state;
	assert_int_equal(run_user_parse("4242", passwd, &u), 0);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		if (geteuid() == 0 && (setgroups(0, NULL) || setresgid(4300, 4300, 4300) ||
				       setresuid(4300, 4300, 4300)))
			_exit(1);
		self = (struct run_user){ true, 4300, 4300, "self" };
		dprintf(p[1], "%d|%s|%d", run_user_drop(&u), err_get(), run_user_drop(&self));
		_exit(0);
	}
	close(p[1]);
	assert_true(read(p[0], buf, sizeof(buf) - 1) > 0);
	close(p[0]);
	waitpid(pid, &st, 0);
	if (geteuid() != 0)
		skip(); /* the child could not become a known user */
	assert_string_equal(buf, "-1|--user 4242: ptvm runs as uid 4300, not root: only root "
				 "can become another user|0");
}

static void test_access_hint(void **state)
{
	char buf[256];

	(void)state;
	assert_string_equal(access_hint(-ENOENT, "/dev/kvm", buf, sizeof(buf)), "");
	assert_non_null(strstr(access_hint(-EACCES, "/dev/kvm", buf, sizeof(buf)),
			       "needs read and write access to /dev/kvm"));
	assert_non_null(strstr(buf, "setfacl -m u:"));
	assert_non_null(strstr(access_hint(-EPERM, "/dev/iommu", buf, sizeof(buf)), "/dev/iommu"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_drop_not_root),
		cmocka_unit_test(test_access_hint),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
