/* Listening unix sockets for the control socket and the console (unixsock.c). */
#ifndef PTVM_UNIXSOCK_H
#define PTVM_UNIXSOCK_H

#include <sys/types.h>

struct unixsock_id {
	dev_t dev;
	ino_t ino;
};

/* A non-blocking listening stream socket at PATH, mode 0600 from the start. A PATH that
 * exists is replaced only when it is a socket nobody listens on (left by a process that
 * died); a live socket or any other file is refused. WHAT ("--api") starts each message.
 * Returns the fd, or -errno with a message; *id is what unixsock_remove checks. */
int unixsock_listen(const char *what, const char *path, struct unixsock_id *id);
/* A blocking stream connection to the socket at PATH: the fd, or -errno with a message
 * that names PATH and says what is expected to listen there (HINT, "--api unix:PATH"). */
int unixsock_connect(const char *path, const char *hint);
/* Removes PATH if it still is the socket file ID names (not one put there since). */
void unixsock_remove(const char *path, const struct unixsock_id *id);

#endif
