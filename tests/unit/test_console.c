/* The console's host side (vmm/console.c): the Ctrl-A escapes; a unix socket one client
 * at a time attaches to, detaches from and comes back to, with the log keeping what was
 * written while nobody was there and a client that does not read never blocking output;
 * a pseudo-terminal both ways. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/console.h"

static struct vm_config cfg;
static char received[4096];
static size_t nreceived;

static void rx(void *opaque, const uint8_t *buf, size_t len)
{
	(void)opaque;
	if (nreceived + len < sizeof(received)) {
		memcpy(received + nreceived, buf, len);
		nreceived += len;
		received[nreceived] = '\0';
	}
}

static void fake_vm(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	vm->cfg = &cfg;
	vm->stop_fd = -1;
	pthread_mutex_init(&vm->stop_lock, NULL);
}

static void pump(struct vm *vm)
{
	for (int round = 0; round < 10; round++) {
		struct pollfd p[CONSOLE_MAX_POLLS];
		int n = console_fill(vm->console, p, CONSOLE_MAX_POLLS);

		if (poll(p, (nfds_t)n, 10) <= 0)
			return;
		console_service(vm->console, p, n);
	}
}

static void escapes(void **state)
{
	const uint8_t in[] = { 'a', 1, 1, 'b', 1, 'q', 'c', 1 };
	uint8_t out[16];
	bool esc = false;
	size_t m;

	(void)state;
	assert_int_equal(console_escape(&esc, in, sizeof(in), out, &m), 0);
	assert_int_equal(m, 4);
	assert_memory_equal(out, "a\001bc", 4);
	assert_true(esc); /* the last Ctrl-A waits for the next read */
	assert_int_equal(console_escape(&esc, (const uint8_t *)"xyz", 3, out, &m), 1);
	assert_int_equal(m, 0);
}

static int attach(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static char *heard(int fd)
{
	static char buf[256];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void unix_socket(void **state)
{
	char dir[] = "/tmp/ptvm-console-XXXXXX", path[64], logpath[64], log[256], *big;
	struct vm vm;
	struct stat st;
	int a, b, fd;
	ssize_t n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/console.sock", dir);
	snprintf(logpath, sizeof(logpath), "%s/console.log", dir);
	config_init(&cfg);
	assert_int_equal(parse_console(strcat(strcpy(log, "unix:"), path), &cfg), 0);
	cfg.console_log = logpath;
	fake_vm(&vm);
	assert_int_equal(console_create(&vm), 0);
	console_set_rx(vm.console, rx, NULL);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	console_write(vm.console, "before\n", 7); /* nobody attached: the log has it */
	a = attach(path);
	pump(&vm);
	b = attach(path); /* the second is turned away */
	pump(&vm);
	assert_string_equal(heard(b), "ptvm: the console is in use by another client\r\n");
	close(b);
	console_write(vm.console, "hello\n", 6);
	assert_string_equal(heard(a), "hello\n");
	assert_int_equal(send(a, "ls\r", 3, 0), 3); /* keys reach the guest, Ctrl-A and all */
	assert_int_equal(send(a, "\001x", 2, 0), 2);
	pump(&vm);
	assert_string_equal(received, "ls\r\001x");
	/* a client that does not read: output goes on, dropped for it, never waited for */
	big = malloc(1 << 20);
	memset(big, 'z', 1 << 20);
	for (int i = 0; i < 8; i++)
		console_write(vm.console, big, 1 << 20);
	free(big);
	/* it detaches; output meanwhile only in the log; another attaches */
	close(a);
	pump(&vm);
	console_write(vm.console, "alone\n", 6);
	a = attach(path);
	pump(&vm);
	console_write(vm.console, "again\n", 6);
	assert_string_equal(heard(a), "again\n");
	vm_remove_devices(&vm);
	assert_int_equal(access(path, F_OK), -1); /* removed */
	assert_int_equal(recv(a, log, 1, 0), 0);  /* and the client told */
	close(a);
	fd = open(logpath, O_RDONLY);
	n = read(fd, log, 7);
	assert_int_equal(n, 7);
	assert_memory_equal(log, "before\n", 7);
	assert_true(lseek(fd, 0, SEEK_END) == 7 + 6 + 8 * (1 << 20) + 6 + 6);
	close(fd);
	unlink(logpath);
	rmdir(dir);
}

static void pseudo_terminal(void **state)
{
	struct vm vm;
	char name[64] = "", buf[64];
	int slave, err[2], saved;
	ssize_t n;
	FILE *f;

	(void)state;
	config_init(&cfg);
	cfg.console = CONSOLE_PTY;
	fake_vm(&vm);
	/* ptvm names the pty on stderr */
	assert_int_equal(pipe(err), 0);
	saved = dup(2);
	dup2(err[1], 2);
	assert_int_equal(console_create(&vm), 0);
	dup2(saved, 2);
	close(saved);
	close(err[1]);
	f = fdopen(err[0], "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_int_equal(sscanf(buf, "ptvm: console on %63s", name), 1);
	slave = open(name, O_RDWR | O_NOCTTY);
	assert_true(slave >= 0);
	console_set_rx(vm.console, rx, NULL);
	console_write(vm.console, "out\r\n", 5);
	n = read(slave, buf, sizeof(buf));
	assert_int_equal(n, 5); /* raw: passed as it is */
	assert_memory_equal(buf, "out\r\n", 5);
	nreceived = 0;
	assert_int_equal(write(slave, "in", 2), 2);
	pump(&vm);
	assert_string_equal(received, "in");
	close(slave);
	console_write(vm.console, "nobody\n", 7); /* nobody on it: no error, no wait */
	vm_remove_devices(&vm);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes),
		cmocka_unit_test(unix_socket),
		cmocka_unit_test(pseudo_terminal),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
