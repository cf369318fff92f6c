#include "vmm/coalesced.h"

#include <errno.h>
#include <unistd.h>

#include "vmm/sys.h"
#include "vmm/vm.h"

int coalesced_pio_add(struct vm *vm, uint16_t port, uint32_t len)
{
	struct kvm_coalesced_mmio_zone z = { .addr = port, .size = len, .pio = 1 };
	int page, r;

	if ((r = sys_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_PIO)) <= 0)
		return r < 0 ? r : -EOPNOTSUPP;
	if ((page = sys_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_COALESCED_MMIO)) <= 0)
		return page < 0 ? page : -EOPNOTSUPP;
	if ((r = sys_ioctl(vm->vm_fd, KVM_REGISTER_COALESCED_MMIO, &z)) < 0)
		return r;
	vm->coalesced.page = page;
	return 0;
}

void coalesced_attach(struct vm *vm, void *run, size_t run_size)
{
	size_t off = (size_t)vm->coalesced.page * (size_t)sysconf(_SC_PAGESIZE);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

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
