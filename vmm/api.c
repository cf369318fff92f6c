/* The control socket: a manager (or `ptvm ctl`) connects to --api unix:PATH and sends one
 * JSON object per line, {"cmd": "status"} (with an optional "id" echoed back), and gets
 * one object per line back, always with "ok". Commands: status, powerdown (the guest's
 * power button, as SIGTERM), stop (at once). It lives in the main thread's poll loop:
 * every socket is non-blocking, a request is answered when its newline arrives, a client
 * that sends a line longer than API_MAX_REQUEST or stops reading its answers is told so
 * (when it can be) and dropped, and a ninth client is turned away. Nothing a client does
 * makes the main thread wait. */
#include "vmm/api.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/config.h"
#include "vmm/devtype.h"
#include "vmm/json.h"
#include "vmm/log.h"
#include "vmm/powerdown.h"
#include "vmm/unixsock.h"
#include "vmm/util.h"

#define API_MAX_PENDING (4 * API_MAX_REPLY) /* unread answers a client may leave */

struct api_client {
	int fd;                    /* -1: a free slot */
	char in[API_MAX_REQUEST];  /* what came of the current request line */
	size_t inlen;
	char out[API_MAX_PENDING]; /* answers not yet written */
	size_t outlen;
	bool closing;              /* close once out is written */
};

struct api {
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct unixsock_id id;     /* the socket file ptvm made, to remove no other */
	struct api_client clients[API_MAX_CLIENTS];
};

/* --- answers --- */

struct request {
	char cmd[16];
	char id[72];  /* the "id" member's JSON text, echoed */
	bool has_cmd, has_id;
	char error[160];
};

static int request_member(void *ctx, const char *key, const char *v, const char *vend,
			  enum jtype type)
{
	struct request *rq = ctx;

	if ((!strcmp(key, "cmd") && rq->has_cmd) || (!strcmp(key, "id") && rq->has_id)) {
		snprintf(rq->error, sizeof(rq->error), "'%s' is given twice", key);
	} else if (!strcmp(key, "cmd")) {
		if (type != J_STRING)
			snprintf(rq->error, sizeof(rq->error), "'cmd' must be a string");
		else if (json_string(v, vend, rq->cmd, sizeof(rq->cmd)) < 0)
			snprintf(rq->error, sizeof(rq->error), "unknown command (known: status, "
				 "powerdown, stop)");
		rq->has_cmd = true;
	} else if (!strcmp(key, "id")) {
		if ((type != J_STRING && type != J_NUMBER) || (size_t)(vend - v) >= sizeof(rq->id))
			snprintf(rq->error, sizeof(rq->error), "'id' must be a number or a string "
				 "of at most %zu bytes", sizeof(rq->id) - 3);
		else
			snprintf(rq->id, sizeof(rq->id), "%.*s", (int)(vend - v), v);
		rq->has_id = true;
	} else {
		snprintf(rq->error, sizeof(rq->error), "unknown member '%.40s' (known: cmd, id)",
			 key);
	}
	return rq->error[0] ? 1 : 0;
}

static uint64_t exits_so_far(struct vm *vm)
{
	uint64_t n = 0;

	for (int i = 0; i < vm->ncpus; i++)
		n += __atomic_load_n(&vm->vcpus[i].exits, __ATOMIC_RELAXED);
	return n;
}

static void status(struct vm *vm, struct jbuf *b)
{
	double up = vm->started_ns ? (double)(monotonic_ns() - vm->started_ns) / 1e9 : 0;

	jb_member_str(b, "state", vm_stopping(vm) ? "stopping"
				  : vm->powerdown.pressed ? "powering-down" : "running");
	jb_key(b, "uptime_s");
	jb_printf(b, "%.3f", up);
	jb_member_u64(b, "vcpus", (uint64_t)vm->ncpus);
	jb_member_u64(b, "memory_mib", vm->cfg->memory >> 20);
	jb_member_u64(b, "exits", exits_so_far(vm));
	jb_member_u64(b, "shutdown_timeout_s", vm->cfg->shutdown_timeout);
	if (vm->powerdown.pressed) {
		jb_key(b, "power_button_s");
		jb_printf(b, "%.3f", powerdown_elapsed(vm));
	}
	jb_key(b, "devices");
	jb_open(b, '[');
	PTVM_FOREACH(ptvm_device_types, t)
		if (t->status)
			t->status(vm, b);
	jb_close(b, ']');
}

static void powerdown(struct vm *vm, struct jbuf *b, char *error, size_t len)
{
	switch (powerdown_press(vm, "powerdown on the control socket", false)) {
	case POWERDOWN_PRESSED:
	case POWERDOWN_ALREADY:
		jb_member_bool(b, "pressed", true);
		jb_key(b, "power_button_s");
		jb_printf(b, "%.3f", powerdown_elapsed(vm));
		jb_member_u64(b, "shutdown_timeout_s", vm->cfg->shutdown_timeout);
		break;
	case POWERDOWN_NO_BUTTON:
		snprintf(error, len, "no power button: --shutdown-timeout is 0 (use stop)");
		break;
	case POWERDOWN_NOT_LISTENING:
		snprintf(error, len, "the guest does not listen to its power button (use stop)");
		break;
	}
}

void api_answer(struct vm *vm, const char *line, size_t len, char *reply, size_t cap)
{
	struct request rq = { 0 };
	struct jbuf b;
	int r;

	jb_init(&b, reply, cap);
	r = json_object(line, line + len, request_member, &rq);
	if (r < 0)
		snprintf(rq.error, sizeof(rq.error), "not a JSON object: send one object per line, "
			 "such as {\"cmd\": \"status\"}");
	else if (!rq.error[0] && !rq.has_cmd)
		snprintf(rq.error, sizeof(rq.error), "no 'cmd' (status, powerdown or stop)");
	jb_open(&b, '{');
	if (rq.id[0]) {
		jb_key(&b, "id");
		jb_raw(&b, rq.id);
	}
	jb_key(&b, "ok");
	jb_raw(&b, "true"); /* overwritten below when it is not */
	if (rq.error[0]) {
		/* nothing to do */
	} else if (!strcmp(rq.cmd, "status")) {
		status(vm, &b);
	} else if (!strcmp(rq.cmd, "powerdown")) {
		powerdown(vm, &b, rq.error, sizeof(rq.error));
	} else if (!strcmp(rq.cmd, "stop")) {
		vm_request_stop(vm, VM_EXIT_OK, "stopped through the control socket");
	} else if (!strcmp(rq.cmd, "reset")) {
		snprintf(rq.error, sizeof(rq.error), "reset is not offered: stop the VM and let "
			 "its supervisor start it again");
	} else {
		snprintf(rq.error, sizeof(rq.error), "unknown command '%s' (known: status, "
			 "powerdown, stop)", rq.cmd);
	}
	jb_close(&b, '}');
	if (rq.error[0] || b.full) {
		if (b.full)
			snprintf(rq.error, sizeof(rq.error), "the answer is longer than %zu bytes", cap);
		jb_init(&b, reply, cap);
		jb_open(&b, '{');
		if (rq.id[0]) {
			jb_key(&b, "id");
			jb_raw(&b, rq.id);
		}
		jb_member_bool(&b, "ok", false);
		jb_member_str(&b, "error", rq.error);
		jb_close(&b, '}');
	}
}

/* --- the socket --- */

static void queue(struct api_client *c, const char *s, size_t n)
{
	if (c->outlen + n > sizeof(c->out)) { /* it does not read what it asked for */
		c->outlen = 0;
		c->closing = true;
		return;
	}
	memcpy(c->out + c->outlen, s, n);
	c->outlen += n;
}

static void queue_answer(struct vm *vm, struct api_client *c, const char *line, size_t len)
{
	char reply[API_MAX_REPLY];

	api_answer(vm, line, len, reply, sizeof(reply) - 1);
	strcat(reply, "\n");
	queue(c, reply, strlen(reply));
}

static void queue_error(struct api_client *c, const char *msg)
{
	char reply[256];
	struct jbuf b;

	jb_init(&b, reply, sizeof(reply) - 1);
	jb_open(&b, '{');
	jb_member_bool(&b, "ok", false);
	jb_member_str(&b, "error", msg);
	jb_close(&b, '}');
	strcat(reply, "\n");
	queue(c, reply, strlen(reply));
}

static void drop(struct api_client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->inlen = c->outlen = 0;
	c->closing = false;
}

static void flush(struct api_client *c)
{
	while (c->outlen) {
		ssize_t n = send(c->fd, c->out, c->outlen, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			drop(c);
			return;
		}
		memmove(c->out, c->out + n, c->outlen - (size_t)n);
		c->outlen -= (size_t)n;
	}
	if (c->closing)
		drop(c);
}

/* Answers every whole line in c->in; keeps the rest. */
static void lines(struct vm *vm, struct api_client *c)
{
	size_t start = 0;
	char *nl;

	while (!c->closing &&
	       (nl = memchr(c->in + start, '\n', c->inlen - start))) {
		size_t len = (size_t)(nl - (c->in + start));
		const char *line = c->in + start;
		size_t i;

		for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'); i++)
			;
		if (i < len) /* a blank line asks nothing */
			queue_answer(vm, c, line, len);
		start += len + 1;
	}
	memmove(c->in, c->in + start, c->inlen - start);
	c->inlen -= start;
}

static void readable(struct vm *vm, struct api_client *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) { /* the client is done sending */
			if (n == 0 && c->inlen)
				queue_error(c, "the last request has no newline");
			c->closing = true;
			return;
		}
		c->inlen += (size_t)n;
		lines(vm, c);
		if (c->closing)
			return;
		if (c->inlen == sizeof(c->in)) {
			char msg[80];

			snprintf(msg, sizeof(msg), "a request line is longer than %d bytes",
				 API_MAX_REQUEST);
			queue_error(c, msg);
			c->closing = true;
			return;
		}
	}
}

static void accept_clients(struct api *a)
{
	for (;;) {
		int fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), i;
		static const char busy[] = "{\"ok\":false,\"error\":\"too many clients\"}\n";

		if (fd < 0)
			return; /* EAGAIN, or a client that went away meanwhile */
		for (i = 0; i < API_MAX_CLIENTS && a->clients[i].fd >= 0; i++)
			;
		if (i == API_MAX_CLIENTS) {
			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				/* it learns by the close */
			}
			close(fd);
			continue;
		}
		a->clients[i].fd = fd;
	}
}

int api_fill(struct vm *vm, struct pollfd *p, int max)
{
	struct api *a = vm->api;
	int n = 0;

	if (!a || max < API_MAX_POLLS)
		return 0;
	p[n++] = (struct pollfd){ .fd = a->fd, .events = POLLIN };
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		p[n++] = (struct pollfd){ .fd = a->clients[i].fd, /* -1: poll ignores it */
					  .events = (short)(a->clients[i].closing ? 0 : POLLIN) |
						    (a->clients[i].outlen ? POLLOUT : 0) };
	return n;
}

void api_service(struct vm *vm, struct pollfd *p, int n)
{
	struct api *a = vm->api;

	if (!a || n != API_MAX_POLLS)
		return;
	for (int i = 0; i < API_MAX_CLIENTS; i++) {
		struct api_client *c = &a->clients[i];
		short ev = p[1 + i].revents;

		if (c->fd < 0 || c->fd != p[1 + i].fd || !ev)
			continue;
		if (ev & POLLIN)
			readable(vm, c);
		else if (ev & (POLLERR | POLLHUP | POLLNVAL))
			c->closing = true;
		if (c->fd >= 0)
			flush(c);
	}
	if (p[0].revents & POLLIN)
		accept_clients(a);
}

int api_open(struct vm *vm, const char *path)
{
	struct api *a = calloc(1, sizeof(*a));

	if (!a)
		return err_msg(ENOMEM, "out of memory");
	a->fd = unixsock_listen("--api", path, &a->id);
	if (a->fd < 0) {
		int r = a->fd;

		free(a);
		return r;
	}
	for (int i = 0; i < API_MAX_CLIENTS; i++)
		a->clients[i].fd = -1;
	snprintf(a->path, sizeof(a->path), "%s", path);
	vm->api = a;
	log_step("control socket at %s", path);
	return 0;
}

void api_close(struct vm *vm)
{
	struct api *a = vm->api;

	if (!a)
		return;
	for (int i = 0; i < API_MAX_CLIENTS; i++) {
		if (a->clients[i].fd < 0)
			continue;
		a->clients[i].closing = true;
		flush(&a->clients[i]); /* the answer to "stop", if it fits */
		drop(&a->clients[i]);
	}
	close(a->fd);
	unixsock_remove(a->path, &a->id);
	free(a);
	vm->api = NULL;
}
