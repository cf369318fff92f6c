#include "vmm/console.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/log.h"
#include "vmm/unixsock.h"

#define CTRL_A 0x01

struct console {
	struct device dev;
	struct vm *vm;
	enum console_kind kind;
	int in_fd, out_fd;   /* stdio: 0, 1; file: -, the file; pty: the master, twice;
				unix: the attached client, twice, or -1 */
	bool close_out, restore;
	bool drop;           /* pty, unix: output nobody takes at once is dropped */
	int pty_slave;       /* held open, so the master never reads EIO while no one is on */
	int listen_fd;       /* unix */
	char path[108];
	struct unixsock_id id;
	int log_fd;          /* --console-log */
	pthread_mutex_t lock; /* the unix client coming and going, against output */
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
	if (c->close_out && c->out_fd >= 0)
		close(c->out_fd);
	if (c->pty_slave >= 0)
		close(c->pty_slave);
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unixsock_remove(c->path, &c->id);
	}
	if (c->log_fd >= 0)
		close(c->log_fd);
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* A pseudo-terminal in raw mode whose other end a user opens (screen, minicom, picocom). */
static int open_pty(struct console *c)
{
	char name[64];
	struct termios raw;

	c->in_fd = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->in_fd < 0)
		return err_errno(errno, "--console pty: posix_openpt");
	if (grantpt(c->in_fd) < 0 || unlockpt(c->in_fd) < 0 ||
	    ptsname_r(c->in_fd, name, sizeof(name)) != 0)
		return err_errno(errno, "--console pty: set up the pseudo-terminal");
	c->pty_slave = open(name, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (c->pty_slave < 0)
		return err_errno(errno, "--console pty: open %s", name);
	if (tcgetattr(c->pty_slave, &raw) == 0) {
		cfmakeraw(&raw);
		tcsetattr(c->pty_slave, TCSANOW, &raw);
	}
	if (fcntl(c->in_fd, F_SETFL, O_NONBLOCK) < 0)
		return err_errno(errno, "--console pty: non-blocking");
	c->out_fd = c->in_fd;
	c->drop = true;
	fprintf(stderr, "ptvm: console on %s\n", name);
	return 0;
}

int console_create(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	struct console *c = calloc(1, sizeof(*c));
	int r = 0;

	if (!c)
		return err_msg(ENOMEM, "out of memory");
	c->dev.name = "console";
	c->dev.teardown = console_teardown;
	c->vm = vm;
	c->kind = cfg->console;
	c->in_fd = c->out_fd = c->pty_slave = c->listen_fd = c->log_fd = -1;
	pthread_mutex_init(&c->lock, NULL);
	vm_add_device(vm, &c->dev); /* teardown undoes whatever is done below */
	vm->console = c;
	if (cfg->console_log) {
		c->log_fd = open(cfg->console_log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (c->log_fd < 0)
			return err_errno(errno, "--console-log: open %s", cfg->console_log);
	}
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
		if (c->out_fd < 0)
			return err_errno(errno, "--console: open %s", cfg->console_path);
		c->close_out = true;
		break;
	case CONSOLE_PTY:
		r = open_pty(c);
		c->close_out = true;
		break;
	case CONSOLE_UNIX:
		r = unixsock_listen("--console", cfg->console_path, &c->id);
		if (r < 0)
			return r;
		c->listen_fd = r;
		r = 0;
		snprintf(c->path, sizeof(c->path), "%s", cfg->console_path);
		c->drop = true;
		c->close_out = true;
		log_step("console socket at %s", c->path);
		break;
	case CONSOLE_NONE:
		break;
	}
	return r;
}

static void write_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a closed stdout is the user's choice; the guest keeps running */
		p += n;
		len -= (size_t)n;
	}
}

void console_write(struct console *c, const void *buf, size_t len)
{
	if (c->log_fd >= 0)
		write_all(c->log_fd, buf, len);
	if (!c->drop) {
		if (c->out_fd >= 0)
			write_all(c->out_fd, buf, len);
		return;
	}
	/* a pty or a client: what it does not take at once is dropped, never waited for */
	pthread_mutex_lock(&c->lock);
	if (c->out_fd >= 0) {
		ssize_t n = c->kind == CONSOLE_UNIX
			    ? send(c->out_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL)
			    : write(c->out_fd, buf, len);

		/* it went away: shut the socket so the main thread reads its end and closes
		 * it; closing here could free the fd number while the main thread polls it */
		if (n < 0 && c->kind == CONSOLE_UNIX && errno != EAGAIN && errno != EINTR)
			shutdown(c->out_fd, SHUT_RDWR);
	}
	pthread_mutex_unlock(&c->lock);
}

void console_set_rx(struct console *c, console_rx_fn fn, void *opaque)
{
	c->rx = fn;
	c->rx_opaque = opaque;
}

int console_escape(bool *escape, const uint8_t *in, size_t n, uint8_t *out, size_t *m)
{
	*m = 0;
	for (size_t i = 0; i < n; i++) {
		if (*escape) {
			*escape = false;
			if (in[i] == 'x')
				return 1;
			if (in[i] != CTRL_A)
				continue;
		} else if (in[i] == CTRL_A) {
			*escape = true;
			continue;
		}
		out[(*m)++] = in[i];
	}
	return 0;
}

int console_pump(struct console *c)
{
	uint8_t in[256], out[256];
	size_t m = 0;
	ssize_t n = read(c->in_fd, in, sizeof(in));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if (n <= 0)
		return -1;
	if (!c->restore) { /* escapes only on a terminal */
		memcpy(out, in, (size_t)n);
		m = (size_t)n;
	} else if (console_escape(&c->escape, in, (size_t)n, out, &m)) {
		vm_request_stop(c->vm, 130, "stopped from the console (Ctrl-A x)");
		return 0;
	}
	if (m && c->rx)
		c->rx(c->rx_opaque, out, m);
	return 0;
}

int console_fill(struct console *c, struct pollfd *p, int max)
{
	int n = 0;

	if (!c || max < CONSOLE_MAX_POLLS)
		return 0;
	p[n++] = (struct pollfd){ .fd = c->listen_fd, .events = POLLIN };
	pthread_mutex_lock(&c->lock);
	p[n++] = (struct pollfd){ .fd = c->in_fd, .events = POLLIN };
	pthread_mutex_unlock(&c->lock);
	return n;
}

/* unix: one client at a time; a second is told so and closed. */
static void attach(struct console *c)
{
	static const char busy[] = "ptvm: the console is in use by another client\r\n";
	int fd;

	while ((fd = accept4(c->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		pthread_mutex_lock(&c->lock);
		if (c->in_fd < 0) {
			c->in_fd = c->out_fd = fd;
			fd = -1;
		}
		pthread_mutex_unlock(&c->lock);
		if (fd >= 0) {
			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				/* it learns by the close */
			}
			close(fd);
		} else {
			log_step("console: a client attached");
		}
	}
}

static void detach(struct console *c, int fd)
{
	pthread_mutex_lock(&c->lock);
	if (c->in_fd == fd) {
		close(fd);
		c->in_fd = c->out_fd = -1;
	}
	pthread_mutex_unlock(&c->lock);
	log_step("console: the client detached");
}

void console_service(struct console *c, struct pollfd *p, int n)
{
	if (!c || n != CONSOLE_MAX_POLLS)
		return;
	if (p[1].fd >= 0 && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
		if (c->kind == CONSOLE_UNIX) {
			if (console_pump(c) < 0) /* only this thread closes the client */
				detach(c, p[1].fd);
		} else if (console_pump(c) < 0) {
			c->in_fd = -1; /* input closed: keep running without it */
		}
	}
	if (p[0].revents & POLLIN)
		attach(c);
}
