/* Graceful shutdown through the guest's power button, with a deadline (powerdown.c). */
#ifndef PTVM_POWERDOWN_H
#define PTVM_POWERDOWN_H

#include "vmm/vm.h"

/* The deadline's timer, polled by the main thread; before the vCPUs start. Nothing to do
 * when the configuration's shutdown timeout is 0. */
int powerdown_init(struct vm *vm);
enum powerdown {
	POWERDOWN_PRESSED,       /* the guest has --shutdown-timeout seconds from now */
	POWERDOWN_ALREADY,       /* pressed before; the deadline stands */
	POWERDOWN_NO_BUTTON,     /* --shutdown-timeout 0: no button, no deadline */
	POWERDOWN_NOT_LISTENING, /* the guest has not enabled its power button event */
};
/* Presses the guest's power button and starts the deadline, telling stderr (WHY names the
 * request; SIGNAL: a signal, which stops the VM if sent again) and the service manager;
 * stops nothing itself. Main thread only. */
enum powerdown powerdown_press(struct vm *vm, const char *why, bool signal);
/* Asks the guest to power off; WHY ("stopped by signal Terminated") names the request. The
 * VM stops at once, with STATUS, on a second request, without a timeout, or when the guest
 * does not listen to its power button. Main thread only. */
void powerdown_request(struct vm *vm, int status, const char *why);
/* Seconds since the power button was pressed, or a negative number if it was not. */
double powerdown_elapsed(const struct vm *vm);

#endif
