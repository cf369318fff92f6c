#include "vmm/coalesced.h"

#include <errno.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "vmm/sys.h"
#include "vmm/vm.h"

#define KICK_NS 5000000 /* the longest a queued write waits when no exit comes: 5 ms */

static int zone(struct vm *vm, unsigned long req, bool pio, uint64_t addr, uint32_t len)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = len, .pio = pio };

	return req == KVM_REGISTER_COALESCED_MMIO
		       ? sys_ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &z)
		       : sys_ioctl(vm->vm_fd, KVM_UNREGISTER_COALESCED_MMIO, &z);
}

/* What the kernel offers, asked once per VM (a failed check is asked again next time):
 * 0, -EOPNOTSUPP, or the failed check's error. */
static int probe(struct vm *vm, bool pio)
{
	int r;

	if (vm->kvm_fd < 0) /* no KVM (device tests and fuzzing): nothing queues writes */
		return -EOPNOTSUPP;
	if (!vm->coalesced.probed) {
		if ((r = sys_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO)) < 0)
			return r;
		vm->coalesced.page = r; /* the ring's page in a vCPU's run area; 0: none */
		if ((r = sys_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO)) < 0)
			return r;
		vm->coalesced.pio = r > 0;
		vm->coalesced.probed = true;
	}
	return vm->coalesced.page > 0 && (!pio || vm->coalesced.pio) ? 0 : -EOPNOTSUPP;
}

int coalesced_add(struct vm *vm, bool pio, uint64_t addr, uint32_t len)
{
	int r;

	if ((r = probe(vm, pio)) < 0)
		return r;
	if (vm->coalesced.timer_fd < 0) {
		vm->coalesced.timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
		if (vm->coalesced.timer_fd < 0)
			return err_errno(errno, "timerfd_create");
	}
	if ((r = zone(vm, KVM_REGISTER_COALESCED_MMIO, pio, addr, len)) < 0)
		return r;
	/* the ring is found when the vCPUs are mapped; a range added later finds it here */
	if (vm->ncpus > 0 && vm->vcpus[0].run)
		coalesced_attach(vm, vm->vcpus[0].run, vm->vcpus[0].run_size);
	return 0;
}

int coalesced_remove(struct vm *vm, bool pio, uint64_t addr, uint32_t len)
{
	return zone(vm, KVM_UNREGISTER_COALESCED_MMIO, pio, addr, len);
}

void coalesced_attach(struct vm *vm, void *run, size_t run_size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t off = (size_t)vm->coalesced.page * page;

	if (!vm->coalesced.page || vm->coalesced.ring || off + page > run_size)
		return;
	vm->coalesced.max = (uint32_t)((page - sizeof(struct kvm_coalesced_mmio_ring)) /
				       sizeof(struct kvm_coalesced_mmio));
	vm->coalesced.ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)run + off);
}

void coalesced_drain(struct vm *vm)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced.ring;
	uint32_t first, last;

	if (!ring || __atomic_load_n(&ring->first, __ATOMIC_RELAXED) ==
			     __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&vm->coalesced.lock);
	while ((first = ring->first) != (last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))) {
		struct kvm_coalesced_mmio e;

		/* the kernel fills the ring; take a copy and check it like any exit */
		if (first >= vm->coalesced.max || last >= vm->coalesced.max)
			break;
		e = ring->coalesced_mmio[first];
		if (e.len >= 1 && e.len <= 8)
			bus_access(e.pio ? &vm->pio : &vm->mmio, e.phys_addr, e.data, e.len, true);
		vm->coalesced.writes++;
		__atomic_store_n(&ring->first, (first + 1) % vm->coalesced.max, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&vm->coalesced.lock);
}

void coalesced_kick(struct vm *vm)
{
	struct itimerspec t = { .it_value = { .tv_nsec = KICK_NS } };

	/* armed once until it fires: a burst of kicks costs one system call */
	if (vm->coalesced.timer_fd < 0 || __atomic_exchange_n(&vm->coalesced.kicked, true,
							      __ATOMIC_ACQ_REL))
		return;
	timerfd_settime(vm->coalesced.timer_fd, 0, &t, NULL);
}

int coalesced_timer_fd(const struct vm *vm)
{
	return vm->coalesced.timer_fd;
}

void coalesced_timer(struct vm *vm)
{
	uint64_t n;

	if (read(vm->coalesced.timer_fd, &n, sizeof(n)) != sizeof(n))
		return;
	__atomic_store_n(&vm->coalesced.kicked, false, __ATOMIC_RELEASE);
	coalesced_drain(vm);
}
