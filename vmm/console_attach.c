/* "ptvm console SOCKET": attaches this terminal to the console of a running ptvm
 * (--console unix:SOCKET): the guest's output here, keys to the guest; Ctrl-A x detaches
 * and leaves the guest running. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/cmd.h"
#include "vmm/console.h"
#include "vmm/unixsock.h"

static void console_usage(FILE *f)
{
	fputs("usage: ptvm console SOCKET\n\n"
	      "Attaches this terminal to the console of the ptvm started with --console\n"
	      "unix:SOCKET: the guest's output appears here and keys go to the guest. On a\n"
	      "terminal, Ctrl-A x detaches (the guest keeps running) and Ctrl-A Ctrl-A sends\n"
	      "one Ctrl-A; otherwise standard input is sent as it is until it ends, and\n"
	      "output is shown until ptvm closes the console or this is stopped. One client\n"
	      "at a time: another one is told the console is in use.\n"
	      "Exit status: 0 when detached or when ptvm ended, 1 when it cannot attach.\n", f);
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int console_main(int argc, char **argv)
{
	struct termios saved, raw;
	char hint[128];
	bool tty, escape = false, in_open = true;
	int fd;

	if (argc != 2 || argv[1][0] == '-')
		return fprintf(stderr, "ptvm console: give the console's socket (see 'ptvm "
			       "console --help')\n"), EXIT_USAGE;
	snprintf(hint, sizeof(hint), "--console unix:%.100s", argv[1]);
	if ((fd = unixsock_connect(argv[1], hint)) < 0)
		return fd; /* main prints "ptvm console: <message>", exit 1 */
	tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw);
		fprintf(stderr, "ptvm console: attached to %s; Ctrl-A x detaches\r\n", argv[1]);
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = fd, .events = POLLIN },
				       { .fd = in_open ? STDIN_FILENO : -1, .events = POLLIN } };
		uint8_t in[256], out[256];
		ssize_t n;
		size_t m;

		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = recv(fd, in, sizeof(in), 0);
			if (n <= 0)
				break; /* ptvm closed the console: the VM ended, or another attach */
			if (write(STDOUT_FILENO, in, (size_t)n) < 0)
				break;
		}
		if (p[1].revents & (POLLIN | POLLHUP | POLLERR)) {
			n = read(STDIN_FILENO, in, sizeof(in));
			if (n <= 0) {
				in_open = false; /* keep showing the guest's output */
				continue;
			}
			if (!tty) {
				memcpy(out, in, (size_t)n);
				m = (size_t)n;
			} else if (console_escape(&escape, in, (size_t)n, out, &m)) {
				if (m)
					send_all(fd, out, m);
				break; /* Ctrl-A x: detach */
			}
			if (m && send_all(fd, out, m) < 0)
				break;
		}
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		fprintf(stderr, "\nptvm console: detached from %s\n", argv[1]);
	}
	close(fd);
	return 0;
}

static const struct ptvm_cmd cmd_console = {
	.name = "console",
	.summary = "attach to a running ptvm's console (--console unix:PATH)",
	.usage = console_usage,
	.main = console_main,
};
PTVM_COMMAND(cmd_console);
