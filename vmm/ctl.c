/* "ptvm ctl SOCKET COMMAND": a client of a running ptvm's control socket (--api unix:PATH):
 * sends {"cmd": COMMAND}, waits up to 10 s for the one-line answer, and prints it as
 * "key: value" lines (or as it came, with --json). */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/api.h"
#include "vmm/cmd.h"
#include "vmm/json.h"
#include "vmm/unixsock.h"

#define CTL_TIMEOUT_MS 10000

static void ctl_usage(FILE *f)
{
	fputs("usage: ptvm ctl SOCKET status|powerdown|stop [--json]\n\n"
	      "Asks the ptvm whose control socket is SOCKET ('ptvm run --api unix:SOCKET'):\n"
	      "  status     its state, uptime, vCPUs, memory, exits so far, and each assigned\n"
	      "             device: host and guest address, iommufd device, IOAS and page\n"
	      "             table, interrupt mode and the vectors in use\n"
	      "  powerdown  press the guest's power button (as SIGTERM does); the guest has\n"
	      "             the VM's shutdown timeout to power off\n"
	      "  stop       stop the VM at once (ptvm exits 0)\n"
	      "  --json     print the answer as it came: one JSON object\n\n"
	      "Exit status: 0 when the answer says ok, 1 when it carries an error or no answer\n"
	      "came, 2 for bad usage.\n", f);
}

/* A value as text: strings without their quotes, the rest as written. */
static void print_value(const char *v, const char *vend, enum jtype type)
{
	char s[512];

	if (type == J_STRING && json_string(v, vend, s, sizeof(s)) == 0)
		fputs(s, stdout);
	else
		fwrite(v, 1, (size_t)(vend - v), stdout);
}

static int print_inner(void *ctx, const char *key, const char *v, const char *vend,
		       enum jtype type)
{
	(void)ctx;
	printf(" %s=", key);
	print_value(v, vend, type);
	return 0;
}

static int print_element(void *ctx, const char *v, const char *vend, enum jtype type)
{
	printf("%s:", (const char *)ctx);
	if (type != J_OBJECT || json_object(v, vend, print_inner, NULL) < 0) {
		putchar(' ');
		print_value(v, vend, type);
	}
	putchar('\n');
	return 0;
}

static int print_member(void *ctx, const char *key, const char *v, const char *vend,
			enum jtype type)
{
	int *printed = ctx;

	if (!strcmp(key, "ok") || !strcmp(key, "id"))
		return 0;
	(*printed)++;
	if (type == J_ARRAY) { /* "devices": one line per element, named in the singular */
		char one[64];
		size_t n = strlen(key);

		snprintf(one, sizeof(one), "%.*s", (int)(n > 1 && key[n - 1] == 's' ? n - 1 : n),
			 key);
		return json_array(v, vend, print_element, one);
	}
	printf("%s: ", key);
	print_value(v, vend, type);
	putchar('\n');
	return 0;
}

struct answer {
	int ok;            /* 1 true, 0 false, -1 absent */
	char error[512];
};

static int read_answer(void *ctx, const char *key, const char *v, const char *vend,
		       enum jtype type)
{
	struct answer *a = ctx;

	if (!strcmp(key, "ok"))
		a->ok = type == J_TRUE ? 1 : 0;
	else if (!strcmp(key, "error") && type == J_STRING)
		json_string(v, vend, a->error, sizeof(a->error));
	return 0;
}

static int ctl_main(int argc, char **argv)
{
	const char *path = NULL, *cmd = NULL;
	char req[64], hint[128], buf[API_MAX_REPLY + 1];
	struct answer a = { .ok = -1 };
	size_t len = 0;
	bool json = false;
	char *nl = NULL;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (argv[i][0] == '-' && argv[i][1])
			return fprintf(stderr, "ptvm ctl: unknown option '%s' (see 'ptvm ctl "
				       "--help')\n", argv[i]), EXIT_USAGE;
		else if (!path)
			path = argv[i];
		else if (!cmd)
			cmd = argv[i];
		else
			return fprintf(stderr, "ptvm ctl: unexpected argument '%s'\n", argv[i]),
			       EXIT_USAGE;
	}
	if (!path || !cmd)
		return fprintf(stderr, "ptvm ctl: give a socket and a command (see 'ptvm ctl "
			       "--help')\n"), EXIT_USAGE;
	if (strcmp(cmd, "status") && strcmp(cmd, "powerdown") && strcmp(cmd, "stop"))
		return fprintf(stderr, "ptvm ctl: unknown command '%s' (status, powerdown, "
			       "stop)\n", cmd), EXIT_USAGE;
	snprintf(hint, sizeof(hint), "--api unix:%.100s", path);
	if ((fd = unixsock_connect(path, hint)) < 0)
		return fd; /* main prints "ptvm ctl: <message>", exit 1 */
	snprintf(req, sizeof(req), "{\"cmd\":\"%s\"}\n", cmd);
	if (send(fd, req, strlen(req), MSG_NOSIGNAL) != (ssize_t)strlen(req)) {
		fprintf(stderr, "ptvm ctl: cannot send to %s: %s\n", path, strerror(errno));
		close(fd);
		return 1;
	}
	while (!nl && len < sizeof(buf) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, CTL_TIMEOUT_MS) <= 0) {
			fprintf(stderr, "ptvm ctl: no answer from %s within %d s\n", path,
				CTL_TIMEOUT_MS / 1000);
			close(fd);
			return 1;
		}
		n = recv(fd, buf + len, sizeof(buf) - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
		buf[len] = '\0';
		nl = memchr(buf, '\n', len);
	}
	close(fd);
	if (!nl) {
		fprintf(stderr, "ptvm ctl: %s closed without a whole answer\n", path);
		return 1;
	}
	*nl = '\0';
	if (json_object(buf, nl, read_answer, &a) < 0 || a.ok < 0) {
		fprintf(stderr, "ptvm ctl: not an answer from ptvm: %.200s\n", buf);
		return 1;
	}
	if (json) {
		puts(buf);
	} else if (a.ok) {
		int printed = 0;

		json_object(buf, nl, print_member, &printed);
		if (!printed)
			puts("ok");
	} else {
		fprintf(stderr, "ptvm ctl: %s\n", a.error);
	}
	return a.ok ? 0 : 1;
}

static const struct ptvm_cmd cmd_ctl = {
	.name = "ctl",
	.summary = "ask a running ptvm (its --api socket): status, powerdown, stop",
	.usage = ctl_usage,
	.main = ctl_main,
};
PTVM_COMMAND(cmd_ctl);
