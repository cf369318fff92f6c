#include "vmm/vm.h"

#include <fcntl.h>
#include <linux/memfd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"
#include "vmm/util.h"

/* Huge pages come from the host's pool, reserved when guest RAM is mapped: say how many
 * are needed and how to get them before the kernel says ENOMEM. */
static int hugepage_pool(const struct vm_config *cfg)
{
	unsigned long kb = (unsigned long)(cfg->hugepages >> 10);
	uint64_t need = cfg->memory / cfg->hugepages, have;
	char path[128], text[32], size[32];

	snprintf(path, sizeof(path), "/sys/kernel/mm/hugepages/hugepages-%lukB/free_hugepages", kb);
	if (read_text(path, text, sizeof(text)) < 0)
		return err_msg(ENOENT, "--hugepages=%s: this host has no %s huge pages (%s is "
				       "missing)", format_size(cfg->hugepages, size, sizeof(size)),
			       size, path);
	if (parse_u64(text, UINT64_MAX, &have) == 0 && have < need)
		return err_msg(ENOMEM, "guest RAM needs %llu huge pages of %s; the pool has %llu "
				       "free: echo %llu > /sys/kernel/mm/hugepages/hugepages-%lukB/"
				       "nr_hugepages (more if other users hold some), or reserve them at "
				       "boot (hugepagesz=%s hugepages=%llu)",
			       (unsigned long long)need, format_size(cfg->hugepages, size, sizeof(size)),
			       (unsigned long long)have, (unsigned long long)need, kb,
			       hugepage_name(cfg->hugepages), (unsigned long long)need);
	return 0;
}

/* The chosen map, for --verbose: each region, and what it was laid out around. */
static void log_layout(const struct vm *vm)
{
	char line[512], sz[32];
	size_t o = 0;

	if (!log_verbose)
		return;
	for (int i = 0; i < vm->nmem && o < sizeof(line); i++)
		o += (size_t)snprintf(line + o, sizeof(line) - o, "%s[0x%llx, 0x%llx] (%s)",
				      i ? ", " : "", (unsigned long long)vm->mem[i].gpa,
				      (unsigned long long)(vm->mem[i].gpa + vm->mem[i].size - 1),
				      format_size(vm->mem[i].size, sz, sizeof(sz)));
	log_step("guest RAM at %s", line);
	for (int i = 0; i < vm->nreserved; i++)
		log_step("guest RAM avoids [0x%llx, 0x%llx]: reserved by the IOMMU",
			 (unsigned long long)vm->reserved[i].start,
			 (unsigned long long)vm->reserved[i].last);
}

int vm_create_ram(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	unsigned int flags = 0;
	uint64_t off = 0, align = cfg->hugepages > (2u << 20) ? cfg->hugepages : 2u << 20;
	char size[32];
	int r, n;

	n = arch_ram_layout(cfg->memory, align, vm->reserved, vm->nreserved, vm->mem, VM_MAX_MEM);
	if (n < 0)
		return n;
	vm->nmem = n;
	log_layout(vm);
	vm->ram_size = cfg->memory;
	if (cfg->hugepages) {
		if ((r = hugepage_pool(cfg)) < 0)
			return r;
		flags = MFD_HUGETLB | (cfg->hugepages == HUGEPAGE_1G ? MFD_HUGE_1GB : MFD_HUGE_2MB);
	}
	vm->ram_fd = sys_memfd_create("ptvm-guest-ram", flags);
	if (vm->ram_fd < 0)
		return err_ctx(vm->ram_fd, "guest RAM");
	r = sys_ftruncate(vm->ram_fd, (off_t)vm->ram_size);
	if (r < 0)
		return err_ctx(r, "guest RAM of %s%s", format_size(vm->ram_size, size, sizeof(size)),
			       cfg->hugepages ? " in huge pages" : "");
	vm->ram = sys_mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->ram_fd, 0,
			   &r);
	if (!vm->ram) {
		vm->ram = NULL;
		return err_ctx(r, "map guest RAM%s", cfg->hugepages ? " in huge pages (the pool "
			       "ran short: see /sys/kernel/mm/hugepages)" : "");
	}
	/* Guest RAM is not worth a core dump of gigabytes. */
	madvise(vm->ram, vm->ram_size, MADV_DONTDUMP);
	for (int i = 0; i < n; i++) {
		struct kvm_userspace_memory_region slot = {
			.slot = (uint32_t)i,
			.guest_phys_addr = vm->mem[i].gpa,
			.memory_size = vm->mem[i].size,
			.userspace_addr = (uint64_t)(uintptr_t)(vm->ram + off),
		};

		vm->mem[i].hva = vm->ram + off;
		off += vm->mem[i].size;
		r = sys_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &slot);
		if (r < 0)
			return err_ctx(r, "register guest RAM at 0x%llx with KVM",
				       (unsigned long long)slot.guest_phys_addr);
		vm->memslots_used |= 1u << i;
	}
	return 0;
}

int vm_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region m = { .guest_phys_addr = gpa, .memory_size = size,
						 .userspace_addr = (uint64_t)(uintptr_t)hva };
	int r;

	while (m.slot < 32 && (vm->memslots_used & (1u << m.slot)))
		m.slot++;
	if (m.slot == 32)
		return err_msg(ENOSPC, "no free KVM memory slot for device memory at 0x%llx",
			       (unsigned long long)gpa);
	r = sys_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m);
	if (r < 0)
		return err_ctx(r, "map device memory at 0x%llx into the guest",
			       (unsigned long long)gpa);
	vm->memslots_used |= 1u << m.slot;
	return (int)m.slot;
}

void vm_unmap_memory(struct vm *vm, int slot)
{
	struct kvm_userspace_memory_region m = { .slot = (uint32_t)slot };

	if (slot < 0 || slot >= 32 || !(vm->memslots_used & (1u << slot)))
		return;
	sys_ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &m); /* size 0 deletes the slot */
	vm->memslots_used &= ~(1u << slot);
}

int vm_create(struct vm *vm, const struct vm_config *cfg)
{
	int r;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->vm_fd = vm->ram_fd = vm->stop_fd = vm->coalesced.timer_fd = -1;
	vm->powerdown.timer_fd = -1;
	vm->exit_status = VM_EXIT_OK;
	pthread_mutex_init(&vm->stop_lock, NULL);
	pthread_mutex_init(&vm->gate_lock, NULL);
	pthread_cond_init(&vm->gate, NULL);
	pthread_mutex_init(&vm->coalesced.lock, NULL);
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");

	vm->stop_fd = sys_eventfd(0, 0);
	if (vm->stop_fd < 0) {
		r = err_ctx(vm->stop_fd, "the VM's stop signal");
		goto fail_r;
	}
	vm->kvm_fd = sys_open("/dev/kvm", O_RDWR);
	if (vm->kvm_fd < 0) {
		r = vm->kvm_fd;
		char hint[256];

		err_ctx(r, "KVM (run 'ptvm check' for what the host lacks)");
		err_append(r, "%s", access_hint(r, "/dev/kvm", hint, sizeof(hint)));
		goto fail_r;
	}
	r = sys_ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0);
	if (r < 0) {
		r = err_ctx(r, "KVM");
		goto fail_r;
	}
	if (r != KVM_API_VERSION) {
		r = err_msg(EINVAL, "KVM API version %d, ptvm needs %d", r, KVM_API_VERSION);
		goto fail_r;
	}
	vm->vm_fd = sys_ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0) {
		r = err_ctx(vm->vm_fd, "create the VM");
		goto fail_r;
	}
	r = irq_init(vm);
	if (r < 0)
		goto fail_r;
	r = arch_vm_init(vm);
	if (r < 0)
		goto fail_r;
	return 0;
fail_r:
	vm_destroy(vm);
	return r;
}

void vm_remove_devices(struct vm *vm)
{
	while (vm->devices) {
		struct device *d = vm->devices;

		vm->devices = d->next;
		if (d->teardown)
			d->teardown(d);
	}
}

void vm_destroy(struct vm *vm)
{
	vm_remove_devices(vm);
	arch_vm_teardown(vm);
	irq_free(vm);
	if (vm->vm_fd >= 0)
		sys_close(vm->vm_fd); /* frees memslots, irqchip and vCPUs' kernel state */
	vm->vm_fd = -1;
	if (vm->ram)
		sys_munmap(vm->ram, vm->ram_size);
	vm->ram = NULL;
	if (vm->ram_fd >= 0)
		sys_close(vm->ram_fd);
	vm->ram_fd = -1;
	if (vm->kvm_fd >= 0)
		sys_close(vm->kvm_fd);
	vm->kvm_fd = -1;
	if (vm->stop_fd >= 0)
		sys_close(vm->stop_fd);
	vm->stop_fd = -1;
	if (vm->coalesced.timer_fd >= 0)
		close(vm->coalesced.timer_fd);
	vm->coalesced.timer_fd = -1;
	if (vm->powerdown.timer_fd >= 0)
		close(vm->powerdown.timer_fd);
	vm->powerdown.timer_fd = -1;
	if (vm->pio.name)
		bus_free(&vm->pio);
	if (vm->mmio.name)
		bus_free(&vm->mmio);
	vm->pio.name = vm->mmio.name = NULL;
}

void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len)
{
	for (int i = 0; i < vm->nmem; i++) {
		const struct mem_region *m = &vm->mem[i];

		if (gpa >= m->gpa && gpa - m->gpa < m->size && len <= m->size - (gpa - m->gpa))
			return m->hva + (gpa - m->gpa);
	}
	return NULL;
}

void vm_request_stop(struct vm *vm, int status, const char *fmt, ...)
{
	uint64_t one = 1;
	va_list ap;

	pthread_mutex_lock(&vm->stop_lock);
	if (!vm->stopping) {
		__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
		vm->exit_status = status;
		va_start(ap, fmt);
		vsnprintf(vm->exit_reason, sizeof(vm->exit_reason), fmt, ap);
		va_end(ap);
		if (write(vm->stop_fd, &one, sizeof(one)) < 0) {
			/* the counter cannot overflow with one write; nothing to do */
		}
	}
	pthread_mutex_unlock(&vm->stop_lock);
}

bool vm_stopping(struct vm *vm)
{
	return __atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE);
}

int vm_irq_line(struct vm *vm, uint32_t gsi, int level)
{
	struct kvm_irq_level irq = { .irq = arch_irq_line(gsi), .level = level };

	return sys_ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq);
}

int vm_add_poll(struct vm *vm, int fd, void (*fn)(void *opaque), void *opaque)
{
	if (vm->npolls == VM_MAX_POLLS)
		return err_msg(ENOSPC, "more than %d event sources", VM_MAX_POLLS);
	vm->polls[vm->npolls++] = (struct vm_poll){ fd, fn, opaque };
	return 0;
}

void vm_add_device(struct vm *vm, struct device *d)
{
	d->next = vm->devices;
	vm->devices = d;
}
