#include "vmm/vcpu.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/arch.h"
#include "vmm/coalesced.h"
#include "vmm/exit_stats.h"
#include "vmm/log.h"
#include "vmm/sys.h"

/* The signal that interrupts KVM_RUN when the VM stops. */
#define SIG_KICK SIGUSR1

static void kick_handler(int sig) { (void)sig; }

/* With --verbose: the vCPU's last exits, oldest first, one per line. */
static void recent_exits(const struct vcpu *v, char *buf, size_t len)
{
	uint64_t n = v->exits < VCPU_RECENT ? v->exits : VCPU_RECENT;
	size_t at = 0;

	buf[0] = '\0';
	if (!log_verbose || n == 0)
		return;
	at += (size_t)snprintf(buf, len, "\n  its last %llu exits to ptvm, oldest first:",
			       (unsigned long long)n);
	for (uint64_t i = v->exits - n; i < v->exits && at < len; i++) {
		const struct vcpu_exit *e = &v->recent[i % VCPU_RECENT];
		const char *name = exit_stats_reason_name(e->reason);
		char reason[16];

		if (!name) {
			snprintf(reason, sizeof(reason), "reason %u", e->reason);
			name = reason;
		}
		if (e->reason == KVM_EXIT_IO || e->reason == KVM_EXIT_MMIO)
			at += (size_t)snprintf(buf + at, len - at, "\n    %s %s 0x%llx", name,
					       e->write ? "write" : "read",
					       (unsigned long long)e->addr);
		else
			at += (size_t)snprintf(buf + at, len - at, "\n    %s", name);
	}
}

static void stop_with_registers(struct vcpu *v, const char *what, bool after_shutdown)
{
	char regs[512], recent[640];

	arch_vcpu_dump(v, after_shutdown, regs, sizeof(regs));
	recent_exits(v, recent, sizeof(recent));
	vm_request_stop(v->vm, VM_EXIT_ERROR, "vCPU %d: %s\n%s%s", v->id, what, regs, recent);
}

static void handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	uint8_t *p = (uint8_t *)run + run->io.data_offset;

	/* The kernel fills these; check anyway rather than trust an offset into our memory. */
	if (run->io.data_offset >= v->run_size || bytes > v->run_size - run->io.data_offset ||
	    run->io.size == 0 || run->io.size > 4) {
		stop_with_registers(v, "malformed KVM_EXIT_IO", false);
		return;
	}
	for (uint32_t i = 0; i < run->io.count; i++, p += run->io.size)
		bus_access(&v->vm->pio, run->io.port, p, run->io.size,
			   run->io.direction == KVM_EXIT_IO_OUT);
}

static void handle_exit(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char what[160];

	/* writes KVM queued instead of exiting happened before this exit: replay them first */
	coalesced_drain(v->vm);
	v->recent[(v->exits - 1) % VCPU_RECENT] = (struct vcpu_exit){
		.reason = run->exit_reason,
		.write = run->exit_reason == KVM_EXIT_IO ? run->io.direction == KVM_EXIT_IO_OUT
			 : run->exit_reason == KVM_EXIT_MMIO && run->mmio.is_write,
		.addr = run->exit_reason == KVM_EXIT_IO ? run->io.port
			: run->exit_reason == KVM_EXIT_MMIO ? run->mmio.phys_addr : 0 };
	if (v->stats) {
		exit_stats_reason(v->stats, run->exit_reason);
		if (run->exit_reason == KVM_EXIT_IO)
			exit_stats_address(v->stats, false, run->io.port);
		else if (run->exit_reason == KVM_EXIT_MMIO)
			exit_stats_address(v->stats, true, run->mmio.phys_addr);
	}
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		handle_io(v);
		break;
	case KVM_EXIT_MMIO:
		if (run->mmio.len == 0 || run->mmio.len > 8)
			stop_with_registers(v, "malformed KVM_EXIT_MMIO", false);
		else
			bus_access(&v->vm->mmio, run->mmio.phys_addr, run->mmio.data, run->mmio.len,
				   run->mmio.is_write);
		break;
	case KVM_EXIT_SYSTEM_EVENT:
		if (run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN)
			vm_request_stop(v->vm, VM_EXIT_OK, "guest powered off");
		else if (run->system_event.type == KVM_SYSTEM_EVENT_RESET)
			vm_request_stop(v->vm, VM_EXIT_OK, "guest rebooted");
		else {
			snprintf(what, sizeof(what), "system event %u (crash or unknown)",
				 run->system_event.type);
			stop_with_registers(v, what, false);
		}
		break;
	case KVM_EXIT_SHUTDOWN:
		stop_with_registers(v, "triple fault (KVM_EXIT_SHUTDOWN): the guest crashed or reset itself "
			      "the hard way", true);
		break;
	case KVM_EXIT_FAIL_ENTRY:
		snprintf(what, sizeof(what), "KVM could not enter the guest (KVM_EXIT_FAIL_ENTRY, "
			 "hardware reason 0x%llx)",
			 (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		stop_with_registers(v, what, false);
		break;
	case KVM_EXIT_INTERNAL_ERROR:
		snprintf(what, sizeof(what), "KVM internal error (KVM_EXIT_INTERNAL_ERROR, "
			 "suberror %u)", run->internal.suberror);
		stop_with_registers(v, what, false);
		break;
	case KVM_EXIT_HLT:
		stop_with_registers(v, "the guest halted with interrupts off (KVM_EXIT_HLT)", false);
		break;
	default:
		if (arch_vcpu_exit(v))
			break;
		snprintf(what, sizeof(what), "unexpected KVM exit reason %u", run->exit_reason);
		stop_with_registers(v, what, false);
		break;
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	pthread_mutex_lock(&v->vm->gate_lock);
	while (!v->vm->released)
		pthread_cond_wait(&v->vm->gate, &v->vm->gate_lock);
	pthread_mutex_unlock(&v->vm->gate_lock);
	while (!__atomic_load_n(&v->vm->stopping, __ATOMIC_ACQUIRE)) {
		int r = sys_kvm_run(v->fd);

		if (r == -EINTR || r == -EAGAIN)
			continue;
		if (r < 0) {
			vm_request_stop(v->vm, VM_EXIT_ERROR, "vCPU %d: %s", v->id, err_get());
			break;
		}
		/* one writer; the control socket's status reads it from the main thread */
		__atomic_store_n(&v->exits, v->exits + 1, __ATOMIC_RELAXED);
		handle_exit(v);
	}
	return NULL;
}

int vcpus_create(struct vm *vm, int n)
{
	int mmap_size, r;

	vm->vcpus = calloc((size_t)n, sizeof(*vm->vcpus));
	if (!vm->vcpus)
		return err_msg(ENOMEM, "out of memory for %d vCPUs", n);
	for (int i = 0; i < n; i++)
		vm->vcpus[i].fd = -1;
	vm->ncpus = n;
	mmap_size = sys_ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (mmap_size < (int)sizeof(struct kvm_run))
		return mmap_size < 0 ? err_ctx(mmap_size, "size of the vCPU run area")
				     : err_msg(EINVAL, "KVM run area is too small");
	for (int i = 0; i < n; i++) {
		struct vcpu *v = &vm->vcpus[i];

		v->vm = vm;
		v->id = i;
		v->fd = sys_ioctl(vm->vm_fd, KVM_CREATE_VCPU, arch_vcpu_id(vm, i));
		if (v->fd < 0)
			return err_ctx(v->fd, "create vCPU %d", i);
		v->run = sys_mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
				  0, &r);
		if (!v->run)
			return err_ctx(r, "vCPU %d run area", i);
		v->run_size = (size_t)mmap_size;
		coalesced_attach(vm, v->run, v->run_size);
		r = arch_vcpu_init(v);
		if (r < 0)
			return err_ctx(r, "set up vCPU %d", i);
	}
	return arch_vcpus_ready(vm);
}

int vcpus_entry(struct vm *vm)
{
	int r;

	for (int i = 0; i < vm->ncpus; i++)
		if ((r = arch_vcpu_entry(&vm->vcpus[i])) < 0)
			return err_ctx(r, "vCPU %d", i);
	return 0;
}

int vcpus_start(struct vm *vm)
{
	struct sigaction sa = { .sa_handler = kick_handler }; /* no SA_RESTART: interrupt KVM_RUN */
	sigset_t set;
	int r;

	sigaction(SIG_KICK, &sa, NULL);
	/* Threads inherit a mask with the kick blocked and unblock it themselves, so it is
	 * never delivered to the main thread. */
	sigemptyset(&set);
	sigaddset(&set, SIG_KICK);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	for (int i = 0; i < vm->ncpus; i++) {
		r = pthread_create(&vm->vcpus[i].thread, NULL, vcpu_thread, &vm->vcpus[i]);
		if (r)
			return err_errno(r, "start the thread of vCPU %d", i);
		vm->vcpus[i].started = true;
	}
	return 0;
}

void vcpus_release(struct vm *vm)
{
	pthread_mutex_lock(&vm->gate_lock);
	vm->released = true;
	pthread_cond_broadcast(&vm->gate);
	pthread_mutex_unlock(&vm->gate_lock);
}

void vcpus_stop(struct vm *vm)
{
	vm_request_stop(vm, VM_EXIT_OK, "stopped"); /* no-op when a reason is already set */
	vcpus_release(vm); /* threads still at the gate see the stop and end */
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (!v->started)
			continue;
		__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		pthread_kill(v->thread, SIG_KICK);
	}
	for (int i = 0; i < vm->ncpus; i++)
		if (vm->vcpus[i].started) {
			pthread_join(vm->vcpus[i].thread, NULL);
			vm->vcpus[i].started = false;
		}
}

void vcpus_destroy(struct vm *vm)
{
	vcpus_stop(vm);
	for (int i = 0; i < vm->ncpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			sys_munmap(v->run, v->run_size);
		if (v->fd >= 0)
			sys_close(v->fd);
		free(v->stats);
		v->stats = NULL;
		v->run = NULL;
		v->fd = -1;
	}
	free(vm->vcpus);
	vm->vcpus = NULL;
	vm->ncpus = 0;
}
