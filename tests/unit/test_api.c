/* The control socket (vmm/api.c) and its JSON (vmm/json.c): answers to good and bad
 * requests; then a real socket in /tmp driven the way the main thread drives it: several
 * clients at once, requests split anywhere, a line too long, a client that never reads,
 * the ninth client turned away, mode 0600, a stale socket replaced and nothing else. */
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
#include <unistd.h>

#include "vmm/api.h"
#include "vmm/config.h"
#include "vmm/json.h"

static struct vm_config cfg;

static void fake_vm(struct vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	config_init(&cfg);
	vm->cfg = &cfg;
	vm->stop_fd = vm->powerdown.timer_fd = -1; /* no deadline: as --shutdown-timeout 0 */
	pthread_mutex_init(&vm->stop_lock, NULL);
}

static void answer(struct vm *vm, const char *req, const char *want)
{
	char reply[API_MAX_REPLY];

	api_answer(vm, req, strlen(req), reply, sizeof(reply));
	if (strcmp(reply, want)) {
		printf("request: %s\n  got:  %s\n  want: %s\n", req, reply, want);
		fail();
	}
}

static void answers(void **state)
{
	struct vm vm;
	char reply[API_MAX_REPLY];

	(void)state;
	fake_vm(&vm);
	api_answer(&vm, "{\"cmd\":\"status\",\"id\":7}", 23, reply, sizeof(reply));
	assert_non_null(strstr(reply, "{\"id\":7,\"ok\":true,\"state\":\"running\",\"uptime_s\":"));
	assert_non_null(strstr(reply, "\"vcpus\":0,\"memory_mib\":512,\"exits\":0,"
				      "\"shutdown_timeout_s\":30,\"devices\":[]}"));
	answer(&vm, " { \"id\" : \"a b\" , \"cmd\" : \"powerdown\" } ",
	       "{\"id\":\"a b\",\"ok\":false,\"error\":\"no power button: --shutdown-timeout is "
	       "0 (use stop)\"}");
	answer(&vm, "{\"cmd\":\"reset\"}", "{\"ok\":false,\"error\":\"reset is not offered: stop "
	       "the VM and let its supervisor start it again\"}");
	answer(&vm, "{\"cmd\":\"reboot\"}", "{\"ok\":false,\"error\":\"unknown command 'reboot' "
	       "(known: status, powerdown, stop)\"}");
	answer(&vm, "{\"cmd\":\"a-command-name-too-long-to-be-one\"}", "{\"ok\":false,\"error\":"
	       "\"unknown command (known: status, powerdown, stop)\"}");
	answer(&vm, "{\"cmd\":\"status\",\"id\":\"status\",\"id\":1}", "{\"id\":\"status\","
	       "\"ok\":false,\"error\":\"'id' is given twice\"}");
	answer(&vm, "{\"cmd\":7}", "{\"ok\":false,\"error\":\"'cmd' must be a string\"}");
	answer(&vm, "{\"id\":1}", "{\"id\":1,\"ok\":false,\"error\":\"no 'cmd' (status, "
	       "powerdown or stop)\"}");
	answer(&vm, "{\"cmd\":\"status\",\"x\":[1,{\"y\":2}]}", "{\"ok\":false,\"error\":"
	       "\"unknown member 'x' (known: cmd, id)\"}");
	answer(&vm, "{\"cmd\":\"status\",\"id\":{\"nested\":1}}", "{\"ok\":false,\"error\":"
	       "\"'id' must be a number or a string of at most 69 bytes\"}");
	answer(&vm, "status", "{\"ok\":false,\"error\":\"not a JSON object: send one object per "
	       "line, such as {\\\"cmd\\\": \\\"status\\\"}\"}");
	answer(&vm, "{\"cmd\":\"status\"} {}", "{\"ok\":false,\"error\":\"not a JSON object: "
	       "send one object per line, such as {\\\"cmd\\\": \\\"status\\\"}\"}");
	{
		const char *q = "{\"cmd\":\"st\\u0061tus\",\"id\":-1.5e3}";

		api_answer(&vm, q, strlen(q), reply, sizeof(reply));
	}
	assert_non_null(strstr(reply, "{\"id\":-1.5e3,\"ok\":true,"));
	answer(&vm, "{\"cmd\":\"\\u0000\"}", "{\"ok\":false,\"error\":\"unknown command (known: "
	       "status, powerdown, stop)\"}");
	/* an answer that does not fit is an error that does */
	api_answer(&vm, "{\"cmd\":\"status\"}", 16, reply, 60);
	assert_string_equal(reply, "{\"ok\":false,\"error\":\"the answer is longer than 60 "
				   "bytes\"}");
	assert_false(vm_stopping(&vm));
	answer(&vm, "{\"cmd\":\"stop\"}", "{\"ok\":true}");
	assert_true(vm_stopping(&vm));
	assert_string_equal(vm.exit_reason, "stopped through the control socket");
	assert_int_equal(vm.exit_status, 0);
}

static void json_reader(void **state)
{
	static const char *bad[] = { "", "{", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{a:1}",
				     "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":tru}",
				     "{\"a\":\"\\x\"}", "{\"a\":\"\\u12\"}", "{\"a\":\"\x01\"}",
				     "[1,2]", "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", "{\"a\":1}x" };
	char s[8];
	enum jtype t;
	const char *e;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *b = bad[i];

		if (json_object(b, b + strlen(b), NULL, NULL) != -EINVAL) {
			printf("accepted: %s\n", b);
			fail();
		}
	}
	e = "[1, {\"a\": [true, false, null]}, \"x\", 2.5e-3]";
	assert_true(json_value(e, e + strlen(e), &t) == e + strlen(e) && t == J_ARRAY);
	e = "\"ab\\n\\\"\"";
	assert_int_equal(json_string(e, e + strlen(e), s, sizeof(s)), 0);
	assert_string_equal(s, "ab\n\"");
	assert_int_equal(json_string(e, e + strlen(e), s, 4), -ENOSPC);
	e = "\"\\u00e9\"";
	assert_int_equal(json_string(e, e + strlen(e), s, sizeof(s)), -EINVAL);
	/* a backslash before a NUL byte is no escape (fuzz_api found it accepted, and the
	 * control socket's reply then cut short at the NUL of the echoed "id") */
	{
		static const char nul_escape[] = "{\"id\":\"\\\0x\"}";

		assert_int_equal(json_object(nul_escape, nul_escape + sizeof(nul_escape) - 1, NULL,
					     NULL), -EINVAL);
	}
	/* never past end: a value cut anywhere is malformed */
	e = "{\"cmd\":\"status\",\"id\":[1,2,{\"k\":\"v\"}]}";
	for (size_t n = 0; n < strlen(e); n++) {
		char *cut = malloc(n ? n : 1); /* exactly n bytes: ASan sees any overread */

		memcpy(cut, e, n);
		assert_null(json_value(cut, cut + n, &t));
		free(cut);
	}
}

/* --- the socket --- */

static char dir[] = "/tmp/ptvm-api-XXXXXX";
static char path[64];

static void pump(struct vm *vm)
{
	for (int round = 0; round < 20; round++) {
		struct pollfd p[API_MAX_POLLS];
		int n = api_fill(vm, p, API_MAX_POLLS);

		if (poll(p, (nfds_t)n, 10) <= 0)
			return;
		api_service(vm, p, n);
	}
}

static int client(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static void say(int fd, const char *s)
{
	assert_int_equal(send(fd, s, strlen(s), MSG_NOSIGNAL), (ssize_t)strlen(s));
}

/* what has come on fd so far (non-blocking) */
static char *heard(int fd)
{
	static char buf[API_MAX_REPLY * 2];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static void socket_clients(void **state)
{
	struct vm vm;
	struct stat st;
	int c[API_MAX_CLIENTS], extra, fd;
	char big[API_MAX_REQUEST + 10];

	(void)state;
	fake_vm(&vm);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/api.sock", dir);
	assert_int_equal(api_open(&vm, path), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		c[i] = client();
	pump(&vm);
	extra = client(); /* the ninth */
	pump(&vm);
	assert_string_equal(heard(extra), "{\"ok\":false,\"error\":\"too many clients\"}\n");
	close(extra);
	/* a request in three pieces, and two in one send */
	say(c[0], "{\"cmd\":");
	pump(&vm);
	assert_string_equal(heard(c[0]), "");
	say(c[0], "\"reset\"");
	pump(&vm);
	say(c[0], "}\n\n{\"cmd\":\"nope\"}\n");
	pump(&vm);
	assert_string_equal(heard(c[0]), "{\"ok\":false,\"error\":\"reset is not offered: stop the "
				      "VM and let its supervisor start it again\"}\n{\"ok\":false,"
				      "\"error\":\"unknown command 'nope' (known: status, powerdown, "
				      "stop)\"}\n");
	/* a line too long: told, then dropped; the others carry on */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	say(c[1], big);
	pump(&vm);
	assert_string_equal(heard(c[1]), "{\"ok\":false,\"error\":\"a request line is longer than "
				      "4096 bytes\"}\n");
	{	/* closed: the end, or a reset for the bytes it sent that were never read */
		ssize_t rr = recv(c[1], big, 1, MSG_DONTWAIT);

		assert_true(rr == 0 || (rr < 0 && errno == ECONNRESET));
	}
	/* half a request, then the client stops sending */
	say(c[2], "{\"cmd\":\"status\"}");
	shutdown(c[2], SHUT_WR);
	pump(&vm);
	assert_string_equal(heard(c[2]), "{\"ok\":false,\"error\":\"the last request has no "
				      "newline\"}\n");
	/* a client that asks and asks and never reads is dropped, not waited for */
	fd = c[3];
	for (int i = 0; i < 2000; i++) {
		if (send(fd, "{\"cmd\":\"status\"}\n", 17, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			break;
		if (i % 50 == 0)
			pump(&vm);
	}
	pump(&vm);
	/* the slots freed take new clients */
	close(c[1]);
	c[1] = client();
	pump(&vm);
	say(c[1], "{\"cmd\":\"status\",\"id\":\"after\"}\n");
	pump(&vm);
	assert_non_null(strstr(heard(c[1]), "{\"id\":\"after\",\"ok\":true,\"state\":\"running\""));
	/* stop: answered, then the socket goes away with the VM */
	say(c[4], "{\"cmd\":\"stop\"}\n");
	pump(&vm);
	assert_true(vm_stopping(&vm));
	api_close(&vm);
	assert_string_equal(heard(c[4]), "{\"ok\":true}\n");
	assert_int_equal(access(path, F_OK), -1); /* removed */
	api_close(&vm); /* idempotent */
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		close(c[i]);
}

static void socket_paths(void **state)
{
	struct vm vm, other;
	int fd;

	(void)state;
	fake_vm(&vm);
	/* not a socket: refused, left alone */
	fd = open(path, O_CREAT | O_WRONLY, 0644);
	close(fd);
	assert_int_equal(api_open(&vm, path), -EEXIST);
	assert_non_null(strstr(err_get(), "exists and is not a socket"));
	unlink(path);
	/* a live one: refused */
	assert_int_equal(api_open(&vm, path), 0);
	fake_vm(&other);
	assert_int_equal(api_open(&other, path), -EADDRINUSE);
	assert_non_null(strstr(err_get(), "is in use"));
	/* a stale one (its ptvm died without removing it): replaced */
	close(((int *)vm.api)[0]); /* struct api starts with the listening fd */
	assert_int_equal(api_open(&other, path), 0);
	api_close(&other);
	assert_int_equal(access(path, F_OK), -1);
	free(vm.api); /* its socket file is gone already: only the memory is left */
	vm.api = NULL;
	/* too long */
	assert_int_equal(api_open(&vm, "/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
				   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
			 -ENAMETOOLONG);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(answers),
		cmocka_unit_test(json_reader),
		cmocka_unit_test(socket_clients),
		cmocka_unit_test(socket_paths),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
