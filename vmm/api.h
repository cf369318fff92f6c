/* The control socket, --api unix:PATH (api.c): one JSON object per line each way. */
#ifndef PTVM_API_H
#define PTVM_API_H

#include <poll.h>
#include <stddef.h>

#include "vmm/vm.h"

#define API_MAX_CLIENTS 8
#define API_MAX_POLLS (1 + API_MAX_CLIENTS)
#define API_MAX_REQUEST 4096 /* bytes in one request line, newline included */
#define API_MAX_REPLY 8192

/* Listens on PATH (mode 0600). A path that exists is replaced only when it is a socket
 * nobody listens on (left by a ptvm that died); anything else is refused with a message.
 * Before the vCPUs start; vm->api is set. */
int api_open(struct vm *vm, const char *path);
/* The fds the main thread polls for it (at most API_MAX_POLLS); 0 without a socket. */
int api_fill(struct vm *vm, struct pollfd *p, int max);
/* Accepts clients, reads requests, answers them, writes what is pending; never blocks.
 * P: what api_fill gave, with revents. */
void api_service(struct vm *vm, struct pollfd *p, int n);
/* Flushes what clients can take at once, closes them and the socket, and removes PATH
 * (if it is still the socket ptvm made). Idempotent. */
void api_close(struct vm *vm);

/* One request line (without its newline) answered into reply (NUL-terminated, no
 * newline); what the socket does per line, and what the tests and the fuzzer call. */
void api_answer(struct vm *vm, const char *line, size_t len, char *reply, size_t cap);

#endif
