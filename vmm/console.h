/* The guest console's host side: stdio (raw mode on a terminal, restored on exit), a file,
 * or nothing. Output comes from vCPU threads; input is read by the main thread. */
#ifndef PTVM_CONSOLE_H
#define PTVM_CONSOLE_H

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
/* The fd to poll for input, or -1. */
int console_input_fd(struct console *c);
/* Reads what is available and hands it to the receiver. Ctrl-A x stops the VM, Ctrl-A
 * Ctrl-A sends one Ctrl-A. Returns -1 once input is closed (stop polling). */
int console_pump(struct console *c);

#endif
