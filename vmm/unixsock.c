/* Listening unix sockets that are safe to put where a user says: never over a file that
 * is not a stale socket, never readable by others (0600 from bind on), and removed at the
 * end only if they are still ours. */
#include "vmm/unixsock.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "vmm/err.h"

/* Is PATH a socket that nobody listens on? 1 yes, 0 a live one, -errno otherwise. */
static int stale_socket(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 ? 0
	    : errno == ECONNREFUSED ? 1 : -errno;
	close(fd);
	return r;
}

int unixsock_listen(const char *what, const char *path, struct unixsock_id *id)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_msg(ENAMETOOLONG, "%s: '%s' is longer than a socket path may be "
			       "(%zu bytes)", what, path, sizeof(sa.sun_path) - 1);
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode))
			return err_msg(EEXIST, "%s: %s exists and is not a socket; ptvm will not "
				       "replace it", what, path);
		r = stale_socket(path);
		if (r == 0)
			return err_msg(EADDRINUSE, "%s: %s is in use (another ptvm?)", what, path);
		if (r < 0)
			return err_errno(-r, "%s: %s", what, path);
		if (unlink(path) < 0)
			return err_errno(errno, "%s: remove the stale socket %s", what, path);
	}
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_errno(errno, "%s: socket", what);
	old = umask(0177); /* 0600 from the start: no window with a wider mode */
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	umask(old);
	if (r < 0 || listen(fd, 8) < 0 || stat(path, &st) < 0) {
		r = err_errno(errno, "%s: listen on %s", what, path);
		close(fd);
		return r;
	}
	id->dev = st.st_dev;
	id->ino = st.st_ino;
	return fd;
}

void unixsock_remove(const char *path, const struct unixsock_id *id)
{
	struct stat st;

	if (lstat(path, &st) == 0 && st.st_dev == id->dev && st.st_ino == id->ino)
		unlink(path);
}

int unixsock_connect(const char *path, const char *hint)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return err_msg(ENAMETOOLONG, "'%s' is too long for a socket path", path);
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return err_errno(errno, "socket");
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		r = err_errno(errno, "cannot connect to %s (is a ptvm running with %s?)", path, hint);
		close(fd);
		return r;
	}
	return fd;
}
