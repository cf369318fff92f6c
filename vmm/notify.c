/* systemd's service notification protocol (sd_notify(3)), spoken directly rather than
 * through libsystemd: when the service manager set NOTIFY_SOCKET (a datagram socket: a
 * path, or @NAME in the abstract namespace), each state change is one datagram of
 * NEWLINE-separated VARIABLE=VALUE lines. */
#include "vmm/notify.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/err.h"
#include "vmm/log.h"

int notify_send(const char *state)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	size_t n = path ? strlen(path) : 0;
	ssize_t sent;
	int fd;

	if (!path || !*path)
		return 1;
	if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path) || n < 2)
		return err_msg(EINVAL, "NOTIFY_SOCKET '%s' is not a socket path or @name", path);
	memcpy(sa.sun_path, path, n);
	if (path[0] == '@')
		sa.sun_path[0] = '\0'; /* the abstract namespace */
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_errno(errno, "notify the service manager: socket");
	sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa,
		      (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
	close(fd);
	if (sent < 0)
		return err_errno(errno, "notify the service manager at %s", path);
	return 0;
}

void notify_manager(const char *fmt, ...)
{
	char state[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(state, sizeof(state), fmt, ap);
	va_end(ap);
	if (notify_send(state) < 0)
		log_warn("%s", err_get());
}
