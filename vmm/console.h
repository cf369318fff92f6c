/* The guest console's host side: stdio (raw mode on a terminal, restored on exit), a file,
 * a pseudo-terminal, a unix socket one client at a time attaches to ('ptvm console'), or
 * nothing; and beside any of them a log file with all output. Output comes from vCPU
 * threads; a pty or a socket gets what it takes at once and the rest is dropped (never
 * waited for). Input is read by the main thread. */
#ifndef PTVM_CONSOLE_H
#define PTVM_CONSOLE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/vm.h"

typedef void (*console_rx_fn)(void *opaque, const uint8_t *buf, size_t len);

struct console;

/* Opens the console the configuration asks for and registers it with the VM (teardown
 * restores the terminal). */
int console_create(struct vm *vm);
void console_write(struct console *c, const void *buf, size_t len);
void console_set_rx(struct console *c, console_rx_fn fn, void *opaque);
/* The fds the main thread polls for it: the socket clients attach to, and the input. */
#define CONSOLE_MAX_POLLS 2
int console_fill(struct console *c, struct pollfd *p, int max);
/* Input read and handed on, a client attached or detached, as p (from console_fill, with
 * revents) says. */
void console_service(struct console *c, struct pollfd *p, int n);
/* The Ctrl-A escapes of a terminal: copies IN to OUT (*m bytes) but for Ctrl-A Ctrl-A
 * (one Ctrl-A) and Ctrl-A + anything else (nothing); returns 1 at Ctrl-A x (what follows
 * is not copied). *escape carries a Ctrl-A that ended the last call. */
int console_escape(bool *escape, const uint8_t *in, size_t n, uint8_t *out, size_t *m);
/* Reads what is available and hands it to the receiver. Ctrl-A x stops the VM, Ctrl-A
 * Ctrl-A sends one Ctrl-A. Returns -1 once input is closed (stop polling). */
int console_pump(struct console *c);

#endif
