/* Graceful shutdown: a request to stop (SIGTERM, SIGINT) presses the guest's power button
 * and gives the guest --shutdown-timeout seconds to power off. The VM stops at once
 * instead on a second request, with no timeout, or when nothing in the guest listens for
 * the button (a payload, or a kernel still booting); when the time is up it stops with
 * VM_EXIT_SHUTDOWN_TIMEOUT. */
#include "vmm/powerdown.h"

#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/notify.h"
#include "vmm/util.h"

static void deadline(void *opaque)
{
	struct vm *vm = opaque;
	uint64_t n;

	if (read(vm->powerdown.timer_fd, &n, sizeof(n)) != sizeof(n))
		return; /* not expired after all */
	vm_request_stop(vm, VM_EXIT_SHUTDOWN_TIMEOUT, "the guest did not power off within %u s "
			"of its power button: stopped", vm->cfg->shutdown_timeout);
}

int powerdown_init(struct vm *vm)
{
	if (!vm->cfg->shutdown_timeout)
		return 0;
	vm->powerdown.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (vm->powerdown.timer_fd < 0)
		return err_errno(errno, "the shutdown timer");
	return vm_add_poll(vm, vm->powerdown.timer_fd, deadline, vm);
}

enum powerdown powerdown_press(struct vm *vm, const char *why, bool signal)
{
	struct itimerspec t = { .it_value = { .tv_sec = vm->cfg->shutdown_timeout } };

	if (vm->powerdown.timer_fd < 0)
		return POWERDOWN_NO_BUTTON;
	if (vm->powerdown.pressed)
		return POWERDOWN_ALREADY;
	if (!arch_power_button(vm))
		return POWERDOWN_NOT_LISTENING;
	if (timerfd_settime(vm->powerdown.timer_fd, 0, &t, NULL) < 0)
		return POWERDOWN_NO_BUTTON; /* EINVAL, EFAULT: cannot happen */
	vm->powerdown.pressed = true;
	vm->powerdown.pressed_ns = monotonic_ns();
	fprintf(stderr, "ptvm: %s: pressed the guest's power button; it has %u s to power off%s\n",
		why, vm->cfg->shutdown_timeout, signal ? " (send it again to stop at once)" : "");
	notify_manager("STOPPING=1\nSTATUS=power button pressed: the guest has %u s to power off",
		       vm->cfg->shutdown_timeout);
	return POWERDOWN_PRESSED;
}

void powerdown_request(struct vm *vm, int status, const char *why)
{
	switch (powerdown_press(vm, why, true)) {
	case POWERDOWN_PRESSED:
		break;
	case POWERDOWN_NOT_LISTENING:
		vm_request_stop(vm, status, "%s (the guest does not listen to its power button)",
				why);
		break;
	default:
		vm_request_stop(vm, status, "%s", why);
		break;
	}
}

double powerdown_elapsed(const struct vm *vm)
{
	return vm->powerdown.pressed ? (double)(monotonic_ns() - vm->powerdown.pressed_ns) / 1e9
				     : -1.0;
}
