#include "tests/unit/sim_kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/err.h"
#include "vmm/sys.h"

struct sim sim;

void sim_reset(void)
{
	for (int i = 0; i < 6; i++)
		free(sim.bar[i].mem);
	memset(&sim, 0, sizeof(sim));
	for (int i = 0; i < 5; i++)
		sim.set_count[i] = -1;
}

int sim_irqfds_assigned(void)
{
	int n = 0;

	for (int i = 0; i < 128; i++)
		n += sim.irqfds[i].used;
	return n;
}

const struct kvm_irq_routing_entry *sim_msi_route(uint32_t gsi)
{
	for (int i = 0; i < sim.nroutes; i++)
		if (sim.routes[i].gsi == gsi && sim.routes[i].type == KVM_IRQ_ROUTING_MSI)
			return &sim.routes[i];
	return NULL;
}

int sim_slots_used(void)
{
	int n = 0;

	for (int i = 0; i < 32; i++)
		n += sim.slots[i].used;
	return n;
}

int sys_open(const char *path, int flags) { return err_errno(ENOENT, "open %s", path); }

int sys_close(int fd)
{
	if (fd == SIM_VM_FD || fd == SIM_DEV_FD)
		return 0;
	if (close(fd)) {
		sim.bad_closes++;
		return err_errno(errno, "close");
	}
	sim.open_eventfds--;
	return 0;
}

int sys_eventfd(unsigned int initval, int flags)
{
	int fd = eventfd(initval, flags | EFD_CLOEXEC | EFD_NONBLOCK);

	if (fd >= 0)
		sim.open_eventfds++;
	return fd;
}

int sys_memfd_create(const char *name, unsigned int flags) { return err_msg(ENOSYS, "sim"); }
int sys_ftruncate(int fd, off_t len) { return err_msg(ENOSYS, "sim"); }
int sys_kvm_run(int vcpu_fd) { return err_msg(ENOSYS, "sim"); }

static int region_of(uint64_t off, uint64_t len, uint8_t **p)
{
	if (off >= SIM_CFG_OFF) {
		if (off - SIM_CFG_OFF + len > sizeof(sim.cfg))
			return -EINVAL;
		*p = sim.cfg + (off - SIM_CFG_OFF);
		return 0;
	}
	for (int i = 0; i < 6; i++) {
		uint64_t base = (uint64_t)i << 40;

		if (sim.bar[i].size && off >= base && off - base + len <= sim.bar[i].size) {
			*p = sim.bar[i].mem + (off - base);
			return 0;
		}
	}
	return -EINVAL;
}

ssize_t sys_pread(int fd, void *buf, size_t len, off_t off)
{
	uint8_t *p;

	if (fd != SIM_DEV_FD || region_of((uint64_t)off, len, &p))
		return err_errno(EINVAL, "pread");
	memcpy(buf, p, len);
	return (ssize_t)len;
}

ssize_t sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	uint8_t *p;

	if (fd != SIM_DEV_FD || region_of((uint64_t)off, len, &p))
		return err_errno(EINVAL, "pwrite");
	/* the device's read-only header and capability IDs stay as they are */
	if ((uint64_t)off >= SIM_CFG_OFF && (uint64_t)off - SIM_CFG_OFF < 4)
		return (ssize_t)len;
	memcpy(p, buf, len);
	return (ssize_t)len;
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, int *err)
{
	uint8_t *p;

	if (fd != SIM_DEV_FD || region_of((uint64_t)off, len, &p)) {
		*err = err_errno(EINVAL, "mmap");
		return NULL;
	}
	*err = 0;
	return p;
}

int sys_munmap(void *addr, size_t len) { return 0; }

static int dev_ioctl(unsigned long req, void *arg, const char *name)
{
	if (req == VFIO_DEVICE_GET_REGION_INFO) {
		struct vfio_region_info *ri = arg;

		if (ri->index == VFIO_PCI_CONFIG_REGION_INDEX) {
			ri->size = sizeof(sim.cfg);
			ri->offset = SIM_CFG_OFF;
			ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
			return 0;
		}
		if (ri->index >= 6)
			return err_errno(EINVAL, "%s", name);
		ri->size = sim.bar[ri->index].size;
		ri->offset = (uint64_t)ri->index << 40;
		ri->flags = sim.bar[ri->index].flags;
		if (sim.bar[ri->index].caps_len) {
			uint32_t need = (uint32_t)sizeof(*ri) + sim.bar[ri->index].caps_len;

			ri->flags |= VFIO_REGION_INFO_FLAG_CAPS;
			if (ri->argsz < need) { /* too small: say how much, no chain */
				ri->argsz = need;
				ri->cap_offset = 0;
				return 0;
			}
			ri->cap_offset = sizeof(*ri);
			memcpy((uint8_t *)ri + sizeof(*ri), sim.bar[ri->index].caps,
			       sim.bar[ri->index].caps_len);
		}
		return 0;
	}
	if (req == VFIO_DEVICE_GET_IRQ_INFO) {
		struct vfio_irq_info *ii = arg;

		if (ii->index >= 5)
			return err_errno(EINVAL, "%s", name);
		ii->count = sim.irq_count[ii->index];
		return 0;
	}
	if (req == VFIO_DEVICE_SET_IRQS) {
		struct vfio_irq_set *s = arg;

		if (s->index >= 5 || s->count > 64)
			return err_errno(EINVAL, "%s", name);
		if (s->flags & VFIO_IRQ_SET_ACTION_UNMASK) {
			sim.intx_unmask_set = true;
			return 0;
		}
		/* vfio-pci: one kind of interrupt at a time */
		for (int k = 0; k < 3; k++)
			if (k != (int)s->index && sim.set_count[k] > 0 && s->count)
				return err_errno(EINVAL, "%s", name);
		sim.set_count[s->index] = (int)s->count;
		if (s->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			memcpy(sim.set_fds[s->index], s->data, s->count * sizeof(int32_t));
		return 0;
	}
	if (req == VFIO_DEVICE_RESET) {
		sim.resets++;
		return 0;
	}
	return err_errno(ENOTTY, "%s", name);
}

static int vm_ioctl(unsigned long req, void *arg, const char *name)
{
	if (req == KVM_SET_USER_MEMORY_REGION) {
		struct kvm_userspace_memory_region *m = arg;

		if (m->slot >= 32)
			return err_errno(EINVAL, "%s", name);
		sim.slots[m->slot] = (struct sim_slot){ m->memory_size != 0, m->guest_phys_addr,
							m->memory_size, m->userspace_addr };
		return 0;
	}
	if (req == KVM_SET_GSI_ROUTING) {
		struct kvm_irq_routing *t = arg;

		if (t->nr > 1100 || sim.fail_routing)
			return err_errno(sim.fail_routing ? ENOMEM : EINVAL, "%s", name);
		memcpy(sim.routes, t->entries, t->nr * sizeof(t->entries[0]));
		sim.nroutes = (int)t->nr;
		return 0;
	}
	if (req == KVM_IRQFD) {
		struct kvm_irqfd *f = arg;

		for (int i = 0; i < 128; i++) {
			struct sim_irqfd *q = &sim.irqfds[i];

			if (f->flags & KVM_IRQFD_FLAG_DEASSIGN) {
				if (q->used && q->fd == (int)f->fd && q->gsi == f->gsi) {
					q->used = false;
					return 0;
				}
			} else if (q->used && q->fd == (int)f->fd) {
				return err_errno(EBUSY, "%s", name); /* KVM refuses a second irqfd */
			}
		}
		if (f->flags & KVM_IRQFD_FLAG_DEASSIGN)
			return err_errno(ENOENT, "%s", name);
		for (int i = 0; i < 128; i++)
			if (!sim.irqfds[i].used) {
				sim.irqfds[i] = (struct sim_irqfd){
					true, (int)f->fd,
					(f->flags & KVM_IRQFD_FLAG_RESAMPLE) ? (int)f->resamplefd : -1,
					f->gsi };
				return 0;
			}
		return err_errno(ENOSPC, "%s", name);
	}
	if (req == KVM_IRQ_LINE)
		return 0;
	return err_errno(ENOTTY, "%s", name);
}

int sys_ioctl_named(int fd, unsigned long request, void *arg, const char *name)
{
	if (fd == SIM_DEV_FD)
		return dev_ioctl(request, arg, name);
	if (fd == SIM_VM_FD)
		return vm_ioctl(request, arg, name);
	return err_errno(EBADF, "%s", name);
}
