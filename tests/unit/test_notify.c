/* systemd notifications (vmm/notify.c): one datagram per state to $NOTIFY_SOCKET, a path
 * or an abstract name; nothing to do without it; a bad or dead socket is an error with a
 * message, never a crash. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/err.h"
#include "vmm/notify.h"

/* a datagram socket bound at NAME (a path, or @abstract) */
static int listener(const char *name)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = strlen(name);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0 && n < sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, n);
	if (name[0] == '@')
		sa.sun_path[0] = '\0';
	assert_int_equal(bind(fd, (struct sockaddr *)&sa,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n)), 0);
	return fd;
}

static void expect(int fd, const char *want)
{
	char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	assert_true(n >= 0);
	buf[n] = '\0';
	assert_string_equal(buf, want);
}

static void no_manager(void **state)
{
	(void)state;
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_send("READY=1"), 1);
	setenv("NOTIFY_SOCKET", "", 1);
	assert_int_equal(notify_send("READY=1"), 1);
}

static void path_and_abstract(void **state)
{
	char dir[] = "/tmp/ptvm-notify-XXXXXX", path[64], abstract[64];
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/notify", dir);
	fd = listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	assert_int_equal(notify_send("READY=1\nSTATUS=running"), 0);
	expect(fd, "READY=1\nSTATUS=running");
	notify_manager("STOPPING=1\nSTATUS=%s", "stopping: guest powered off");
	expect(fd, "STOPPING=1\nSTATUS=stopping: guest powered off");
	close(fd);
	unlink(path);
	/* the listener gone: an error that names the socket */
	assert_int_equal(notify_send("READY=1"), -ENOENT);
	assert_non_null(strstr(err_get(), path));
	notify_manager("READY=1"); /* a warning, nothing more */
	rmdir(dir);

	snprintf(abstract, sizeof(abstract), "@ptvm-notify-test-%d", (int)getpid());
	fd = listener(abstract);
	setenv("NOTIFY_SOCKET", abstract, 1);
	assert_int_equal(notify_send("READY=1"), 0);
	expect(fd, "READY=1");
	close(fd);
}

static void bad_names(void **state)
{
	char longname[200];

	(void)state;
	setenv("NOTIFY_SOCKET", "relative/notify", 1);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	assert_string_equal(err_get(), "NOTIFY_SOCKET 'relative/notify' is not a socket path or "
				       "@name");
	memset(longname, 'a', sizeof(longname) - 1);
	longname[0] = '/';
	longname[sizeof(longname) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longname, 1);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	setenv("NOTIFY_SOCKET", "@", 1);
	assert_int_equal(notify_send("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(no_manager),
		cmocka_unit_test(path_and_abstract),
		cmocka_unit_test(bad_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
