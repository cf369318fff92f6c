/* Readiness and stopping notifications to systemd (notify.c). */
#ifndef PTVM_NOTIFY_H
#define PTVM_NOTIFY_H

#include "vmm/err.h"

/* Sends STATE ("READY=1\nSTATUS=...") to $NOTIFY_SOCKET. 0 when sent, 1 when there is no
 * service manager to tell, -errno (message) when it could not be told. */
int notify_send(const char *state);
/* notify_send with a formatted STATE; one that cannot be delivered is a warning. */
void notify_manager(const char *fmt, ...) PTVM_PRINTF(1, 2);

#endif
