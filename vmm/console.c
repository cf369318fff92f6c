#include "vmm/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/config.h"

#define CTRL_A 0x01

struct console {
	struct device dev;
	struct vm *vm;
	int in_fd, out_fd;
	bool close_out, restore;
	struct termios saved;
	bool escape;
	console_rx_fn rx;
	void *rx_opaque;
};

static void console_teardown(struct device *d)
{
	struct console *c = (struct console *)d;

	if (c->restore)
		tcsetattr(c->in_fd, TCSAFLUSH, &c->saved);
	if (c->close_out)
		close(c->out_fd);
	free(c);
}

int console_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct console *c = calloc(1, sizeof(*c));

	if (!c)
		return err_msg(ENOMEM, "out of memory");
	c->dev.name = "console";
	c->dev.teardown = console_teardown;
	c->vm = vm;
	c->in_fd = c->out_fd = -1;
	switch (cfg->console) {
	case CONSOLE_STDIO:
		c->in_fd = STDIN_FILENO;
		c->out_fd = STDOUT_FILENO;
		if (isatty(c->in_fd) && tcgetattr(c->in_fd, &c->saved) == 0) {
			struct termios raw = c->saved;

			cfmakeraw(&raw);
			raw.c_oflag |= OPOST | ONLCR; /* keep the host's newline handling */
			if (tcsetattr(c->in_fd, TCSAFLUSH, &raw) == 0)
				c->restore = true;
		}
		break;
	case CONSOLE_FILE:
		c->out_fd = open(cfg->console_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (c->out_fd < 0) {
			int e = errno;

			free(c);
			return err_errno(e, "--console: open %s", cfg->console_path);
		}
		c->close_out = true;
		break;
	case CONSOLE_NONE:
		break;
	}
	vm->console = c;
	vm_add_device(vm, &c->dev);
	return 0;
}

void console_write(struct console *c, const void *buf, size_t len)
{
	const char *p = buf;

	while (c->out_fd >= 0 && len) {
		ssize_t n = write(c->out_fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a closed stdout is the user's choice; the guest keeps running */
		p += n;
		len -= (size_t)n;
	}
}

void console_set_rx(struct console *c, console_rx_fn fn, void *opaque)
{
	c->rx = fn;
	c->rx_opaque = opaque;
}

int console_input_fd(struct console *c) { return c->in_fd; }

int console_pump(struct console *c)
{
	uint8_t in[256], out[256];
	size_t m = 0;
	ssize_t n = read(c->in_fd, in, sizeof(in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	for (ssize_t i = 0; i < n; i++) {
		if (c->escape) {
			c->escape = false;
			if (in[i] == 'x') {
				vm_request_stop(c->vm, 130, "stopped from the console (Ctrl-A x)");
				return 0;
			}
			if (in[i] != CTRL_A)
				continue;
		} else if (in[i] == CTRL_A && c->restore) { /* escapes only on a terminal */
			c->escape = true;
			continue;
		}
		out[m++] = in[i];
	}
	if (m && c->rx)
		c->rx(c->rx_opaque, out, m);
	return 0;
}
