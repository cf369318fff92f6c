/* The simulated kernel (see sim_kernel.h). It replaces vmm/sys.c in unit tests and fuzzers:
 * what the monitor believes the kernel did, this file did, with the same rules, and
 * it remembers everything so that leaks, double undos and use after close show. */
#include "tests/unit/sim_kernel.h"
#include "tests/unit/sim_arch.h"

#include "passthrough/uapi.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/iommufd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "vmm/err.h"
#include "vmm/seccomp_policy.h"
#include "vmm/sys.h"
#include "vmm/irq.h"
#include "vmm/vm.h"

struct sim sim;

enum kind { K_FREE, K_KVM, K_VM, K_VCPU, K_KVM_VFIO, K_IOMMUFD, K_VFIO, K_KVM_DEV };
static const char *const kind_names[] = { "free", "/dev/kvm", "VM", "vCPU", "KVM-VFIO device",
					  "iommufd", "VFIO device", "KVM device" };

/* a vCPU's run area and, after it, the coalesced MMIO ring's page */
#define RUN_SIZE ((KVM_COALESCED_MMIO_PAGE_OFFSET + 1) * 4096)

struct obj {
	enum kind kind;
	int vcpu_id;
	struct kvm_run *run;
	/* iommufd */
	uint32_t ioas_mask;       /* IOAS ids 1..31 */
	bool resv_known;          /* a device attached: reserved ranges apply */
	/* VFIO device */
	int bound_to;             /* iommufd fd, or -1 */
	uint32_t attached;        /* IOAS id, or 0 */
	/* KVM-VFIO device */
	int files[8];
};

enum real_kind { R_NONE, R_EVENTFD, R_MEMFD, R_FILE };

struct map {
	void *p;
	size_t len;
	bool real;
};

static struct obj objs[SIM_MAX_FDS];
static uint8_t real[65536]; /* by fd number: what kind of real fd is open */
static int real_hi;         /* above every fd in real[] */
static struct map maps[128];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct obj *obj_of(int fd, enum kind k)
{
	if (fd < SIM_FD_BASE || fd >= SIM_FD_BASE + SIM_MAX_FDS)
		return NULL;
	if (objs[fd - SIM_FD_BASE].kind == K_FREE || (k && objs[fd - SIM_FD_BASE].kind != k))
		return NULL;
	return &objs[fd - SIM_FD_BASE];
}

static bool is_real(int fd, enum real_kind k)
{
	return fd >= 0 && fd < (int)sizeof(real) && real[fd] && (!k || real[fd] == k);
}

static int obj_new(enum kind k)
{
	/* SIM_VM_FD and SIM_DEV_FD stay for sim_install_*() */
	for (int i = 2; i < SIM_MAX_FDS; i++)
		if (objs[i].kind == K_FREE) {
			objs[i] = (struct obj){ .kind = k, .bound_to = -1 };
			for (int f = 0; f < 8; f++)
				objs[i].files[f] = -1;
			return SIM_FD_BASE + i;
		}
	return -EMFILE;
}

static void real_track(int fd, enum real_kind k)
{
	if (fd >= 0 && fd < (int)sizeof(real)) {
		real[fd] = (uint8_t)k;
		if (fd >= real_hi)
			real_hi = fd + 1;
		sim.open_real++;
		if (k == R_EVENTFD)
			sim.open_eventfds++;
	}
}

/* One call: a fault-injection site. True when this call must fail. */
static bool site(const char *call)
{
	long n = ++sim.calls;

	if (n <= SIM_MAX_SITES)
		snprintf(sim.site[n - 1], sizeof(sim.site[0]), "%s", call);
	if (n != sim.fail_at)
		return false;
	snprintf(sim.failed_call, sizeof(sim.failed_call), "%s", call);
	return true;
}

/* A call the running VM's seccomp filter would stop (see sim.seccomp_on). */
static void confined(const char *syscall, unsigned long a0, unsigned long a1, unsigned long a2,
		     const char *what)
{
	if (!sim.seccomp_on)
		return;
	sim.seccomp_checked++;
	if (seccomp_policy_allows(syscall, a0, a1, a2))
		return;
	if (!sim.seccomp_denied++)
		snprintf(sim.seccomp_denied_call, sizeof(sim.seccomp_denied_call), "%s", what);
}

/* The simulated kernel stands in for the filter: ptvm's installation only switches the
 * checks on (a real filter would confine the test process). */
bool seccomp_built_in(void)
{
	return true;
}

int seccomp_install(enum confine_mode mode)
{
	sim.seccomp_on = mode != CONFINE_OFF;
	return 0;
}

void sim_reset(void)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < 6; i++)
		if (sim.bar[i].mem)
			munmap(sim.bar[i].mem, sim.bar[i].size < 4096 ? 4096 : sim.bar[i].size);
	for (int fd = 0; fd < real_hi; fd++)
		if (real[fd])
			close(fd);
	for (int i = 0; i < 128; i++)
		if (maps[i].p && maps[i].real)
			munmap(maps[i].p, maps[i].len);
	for (int i = 0; i < SIM_MAX_FDS; i++)
		if (objs[i].kind == K_VCPU && objs[i].run)
			munmap(objs[i].run, RUN_SIZE);
	memset(real, 0, (size_t)real_hi);
	real_hi = 0;
	memset(maps, 0, sizeof(maps));
	memset(objs, 0, sizeof(objs));
	memset(&sim, 0, sizeof(sim));
	for (int i = 0; i < 5; i++)
		sim.set_count[i] = -1;
	sim.resv_start = SIM_RESV_START;
	sim.resv_last = SIM_RESV_LAST;
	sim.vcpus_at_first_irqfd = -1;
	sim_arch_reset();
	pthread_mutex_unlock(&lock);
}

int sim_irqfds_assigned(void)
{
	int n = 0;

	for (int i = 0; i < SIM_MAX_IRQFDS; i++)
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

int sim_objects_open(void)
{
	int n = sim.open_real + sim.open_mmaps;

	for (int i = 0; i < 8; i++)
		n += sim.ioeventfds[i].used;

	for (int i = 0; i < SIM_MAX_FDS; i++)
		n += objs[i].kind != K_FREE;
	return n;
}

void sim_describe_open(char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < SIM_MAX_FDS && n < len; i++)
		if (objs[i].kind != K_FREE)
			n += (size_t)snprintf(buf + n, len - n, " %s(fd %d)", kind_names[objs[i].kind],
					      SIM_FD_BASE + i);
	for (int fd = 0; fd < real_hi && n < len; fd++)
		if (real[fd])
			n += (size_t)snprintf(buf + n, len - n, " %s(fd %d)",
					      real[fd] == R_EVENTFD ? "eventfd"
					      : real[fd] == R_MEMFD ? "memfd" : "file", fd);
	for (int i = 0; i < 128 && n < len; i++)
		if (maps[i].p)
			n += (size_t)snprintf(buf + n, len - n, " mapping(%zu bytes)", maps[i].len);
}

void sim_install_vm(void)
{
	objs[SIM_VM_FD - SIM_FD_BASE] = (struct obj){ .kind = K_VM, .bound_to = -1 };
	sim_arch_irqchip_assume_ready();
}

void sim_vm_init(struct vm *vm, uint8_t *ram, uint64_t size)
{
	sim_reset();
	sim_install_vm();
	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = -1;
	vm->vm_fd = SIM_VM_FD;
	vm->coalesced.timer_fd = -1;
	bus_init(&vm->pio, "pio");
	bus_init(&vm->mmio, "mmio");
	vm->nmem = 1;
	vm->mem[0] = (struct mem_region){ .gpa = 0, .size = size, .hva = ram };
}

void sim_vm_free(struct vm *vm)
{
	vm_remove_devices(vm);
	irq_free(vm);
	bus_free(&vm->pio);
	bus_free(&vm->mmio);
}

void sim_install_device(void)
{
	objs[SIM_DEV_FD - SIM_FD_BASE] = (struct obj){ .kind = K_VFIO, .bound_to = SIM_VM_FD,
						       .attached = 1 };
	sim.vfio_present = true;
}

/* The kernel forgets an object when its last fd closes. */
static void release(int fd)
{
	struct obj *o = obj_of(fd, 0);

	switch (o->kind) {
	case K_VM:
		memset(sim.slots, 0, sizeof(sim.slots));
		memset(sim.irqfds, 0, sizeof(sim.irqfds));
		sim.nroutes = 0;
		break;
	case K_IOMMUFD:
		for (int i = 0; i < 64; i++)
			if (sim.iomaps[i].used && sim.iomaps[i].fd == fd) {
				sim.pinned -= sim.iomaps[i].pinned ? sim.iomaps[i].length : 0;
				sim.iomaps[i].used = false;
			}
		for (int i = 0; i < SIM_MAX_FDS; i++)
			if (objs[i].kind == K_VFIO && objs[i].bound_to == fd) {
				objs[i].bound_to = -1; /* cannot happen: a bound device holds the ctx */
				objs[i].attached = 0;
			}
		break;
	case K_VCPU:
		/* the run area stays mapped until munmap, as with the real kernel */
		break;
	default:
		break;
	}
	o->kind = K_FREE;
}

int sys_open(const char *path, int flags)
{
	int fd;

	pthread_mutex_lock(&lock);
	confined("openat", 0, 0, 0, "openat");
	if (site("open")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "open %s", path);
	}
	if (!strcmp(path, "/dev/kvm"))
		fd = obj_new(K_KVM);
	else if (!strcmp(path, "/dev/iommu"))
		fd = obj_new(K_IOMMUFD);
	else if (!strcmp(path, SIM_VFIO_CDEV) && sim.vfio_present)
		fd = obj_new(K_VFIO);
	else if (!strncmp(path, "/dev/", 5))
		fd = -ENOENT;
	else if ((fd = open(path, flags | O_CLOEXEC)) < 0)
		fd = -errno;
	else
		real_track(fd, R_FILE);
	pthread_mutex_unlock(&lock);
	return fd >= 0 ? fd : err_errno(fd, "open %s", path);
}

int sys_close(int fd)
{
	bool fail;

	pthread_mutex_lock(&lock);
	confined("close", 0, 0, 0, "close");
	fail = site("close");
	if (obj_of(fd, 0)) {
		release(fd);
	} else if (is_real(fd, 0)) {
		/* KVM drops an irqfd when its eventfd goes away (EPOLLHUP); VFIO keeps its own
		 * reference to a trigger eventfd, so SET_IRQS state stays. */
		for (int i = 0; i < SIM_MAX_IRQFDS && real[fd] == R_EVENTFD; i++)
			if (sim.irqfds[i].used && sim.irqfds[i].fd == fd)
				sim.irqfds[i].used = false;
		close(fd);
		sim.open_real--;
		if (real[fd] == R_EVENTFD)
			sim.open_eventfds--;
		real[fd] = R_NONE;
	} else {
		sim.bad_closes++;
		pthread_mutex_unlock(&lock);
		return err_errno(EBADF, "close fd %d", fd);
	}
	pthread_mutex_unlock(&lock);
	/* Linux releases the fd even when close reports an error; EINTR is not one (sys.c). */
	if (fail && sim.fail_errno != EINTR)
		return err_errno(sim.fail_errno, "close fd %d", fd);
	return 0;
}

int sys_eventfd(unsigned int initval, int flags)
{
	int fd;

	pthread_mutex_lock(&lock);
	confined("eventfd2", 0, 0, 0, "eventfd2");
	if (site("eventfd")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "eventfd");
	}
	fd = eventfd(initval, flags | EFD_CLOEXEC | EFD_NONBLOCK);
	if (fd >= 0)
		real_track(fd, R_EVENTFD);
	pthread_mutex_unlock(&lock);
	return fd >= 0 ? fd : err_errno(errno, "eventfd");
}

int sys_memfd_create(const char *name, unsigned int flags)
{
	int fd;

	pthread_mutex_lock(&lock);
	confined("memfd_create", 0, 0, 0, "memfd_create");
	if (site("memfd_create")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "memfd_create %s", name);
	}
	/* huge pages are not promised on a test host: a plain memfd stands in */
	fd = memfd_create(name, (flags & ~(unsigned)MFD_HUGETLB) | MFD_CLOEXEC);
	if (fd >= 0)
		real_track(fd, R_MEMFD);
	pthread_mutex_unlock(&lock);
	return fd >= 0 ? fd : err_errno(errno, "memfd_create %s", name);
}

int sys_ftruncate(int fd, off_t len)
{
	int r;

	pthread_mutex_lock(&lock);
	confined("ftruncate", 0, 0, 0, "ftruncate");
	if (site("ftruncate")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "ftruncate fd %d to %lld bytes", fd, (long long)len);
	}
	if (!is_real(fd, R_MEMFD)) {
		sim.bad_uses++;
		pthread_mutex_unlock(&lock);
		return err_errno(EBADF, "ftruncate fd %d", fd);
	}
	r = ftruncate(fd, len);
	pthread_mutex_unlock(&lock);
	return r == 0 ? 0 : err_errno(errno, "ftruncate fd %d to %lld bytes", fd, (long long)len);
}

/* --- the VFIO device's regions ----------------------------------------------------- */

static int region_of(uint64_t off, uint64_t len, uint8_t **p)
{
	if (off >= SIM_CFG_OFF) {
		uint64_t size = sim.cfg_size ? sim.cfg_size : sizeof(sim.cfg);

		if (off - SIM_CFG_OFF > size || len > size - (off - SIM_CFG_OFF))
			return -EINVAL;
		*p = sim.cfg + (off - SIM_CFG_OFF);
		return 0;
	}
	for (int i = 0; i < 6; i++) {
		uint64_t base = (uint64_t)i << 40;

		if (sim.bar[i].size && off >= base && off - base <= sim.bar[i].size &&
		    len <= sim.bar[i].size - (off - base)) {
			*p = sim.bar[i].mem + (off - base);
			return 0;
		}
	}
	return -EINVAL;
}

/* A device call: on a bound device only (the cdev refuses everything else before bind). */
static int device_ready(int fd)
{
	struct obj *o = obj_of(fd, K_VFIO);

	if (!o) {
		sim.bad_uses += !is_real(fd, 0);
		return -EBADF;
	}
	if (o->bound_to < 0) {
		sim.bad_uses++;
		return -EINVAL;
	}
	return 0;
}

ssize_t sys_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n;
	uint8_t *p;
	int r;

	pthread_mutex_lock(&lock);
	confined("pread64", 0, 0, 0, "pread64");
	if (site("pread")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "pread fd %d at 0x%llx", fd, (unsigned long long)off);
	}
	if (is_real(fd, R_FILE)) {
		n = pread(fd, buf, len, off);
		r = n < 0 ? -errno : 0;
	} else if ((r = device_ready(fd)) == 0 && (r = region_of((uint64_t)off, len, &p)) == 0) {
		memcpy(buf, p, len);
		n = (ssize_t)len;
	} else {
		n = -1;
	}
	pthread_mutex_unlock(&lock);
	return r < 0 ? err_errno(r, "pread fd %d at 0x%llx", fd, (unsigned long long)off) : n;
}

ssize_t sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	uint8_t *p;
	int r;

	pthread_mutex_lock(&lock);
	confined("pwrite64", 0, 0, 0, "pwrite64");
	if (site("pwrite")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "pwrite fd %d at 0x%llx", fd, (unsigned long long)off);
	}
	if ((r = device_ready(fd)) == 0 && (r = region_of((uint64_t)off, len, &p)) == 0 &&
	    !((uint64_t)off >= SIM_CFG_OFF && (uint64_t)off - SIM_CFG_OFF < 4))
		memcpy(p, buf, len); /* the read-only IDs stay as they are */
	if (r == 0 && (uint64_t)off >= SIM_CFG_OFF)
		sim.cfg_writes[sim.ncfg_writes++ % 64] =
			(struct sim_cfg_write){ (uint32_t)((uint64_t)off - SIM_CFG_OFF), (uint32_t)len,
						++sim.seq };
	pthread_mutex_unlock(&lock);
	return r < 0 ? err_errno(r, "pwrite fd %d at 0x%llx", fd, (unsigned long long)off)
		     : (ssize_t)len;
}

static void map_track(void *p, size_t len, bool is_real_map)
{
	for (int i = 0; i < 128; i++)
		if (!maps[i].p) {
			maps[i] = (struct map){ p, len, is_real_map };
			sim.open_mmaps++;
			return;
		}
	abort(); /* the test leaks mappings by the hundred: a bug worth stopping for */
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, int *err)
{
	struct obj *o;
	uint8_t *p = NULL;
	int r = 0;

	pthread_mutex_lock(&lock);
	confined("mmap", 0, 0, (unsigned long)prot, "mmap");
	if (site("mmap")) {
		pthread_mutex_unlock(&lock);
		*err = err_errno(sim.fail_errno, "mmap %zu bytes of fd %d at offset 0x%llx", len, fd,
				 (unsigned long long)off);
		return NULL;
	}
	if (is_real(fd, R_MEMFD)) {
		p = mmap(addr, len, prot, flags, fd, off);
		if (p == MAP_FAILED) {
			p = NULL;
			r = -errno;
		} else {
			map_track(p, len, true);
		}
	} else if ((o = obj_of(fd, K_VCPU))) {
		if (len != RUN_SIZE || off || o->run) {
			r = -EINVAL;
		} else {
			p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
			if (p == MAP_FAILED) {
				p = NULL;
				r = -errno;
			} else {
				o->run = (struct kvm_run *)p;
				map_track(p, len, true);
			}
		}
	} else if ((r = device_ready(fd)) == 0 && (r = region_of((uint64_t)off, len, &p)) == 0) {
		map_track(p, len, false);
	} else {
		p = NULL;
	}
	pthread_mutex_unlock(&lock);
	if (!p) {
		*err = err_errno(r ? r : -EINVAL, "mmap %zu bytes of fd %d at offset 0x%llx", len,
				 fd, (unsigned long long)off);
		return NULL;
	}
	*err = 0;
	return p;
}

/* Not a fault-injection site: munmap of a whole mapping cannot fail on Linux. */
int sys_munmap(void *addr, size_t len)
{
	pthread_mutex_lock(&lock);
	confined("munmap", 0, 0, 0, "munmap");
	for (int i = 0; i < 128; i++)
		if (maps[i].p == addr && maps[i].len == len) {
			for (int k = 0; k < SIM_MAX_FDS; k++)
				if (objs[k].run == addr)
					objs[k].run = NULL;
			if (maps[i].real)
				munmap(addr, len);
			maps[i].p = NULL;
			sim.open_mmaps--;
			pthread_mutex_unlock(&lock);
			return 0;
		}
	sim.bad_undos++;
	pthread_mutex_unlock(&lock);
	return err_errno(EINVAL, "munmap %zu bytes", len);
}

/* --- /dev/kvm, the VM, vCPUs ------------------------------------------------------- */

static int kvm_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case KVM_GET_API_VERSION:
		return KVM_API_VERSION;
	case KVM_CREATE_VM:
		return obj_new(K_VM);
	case KVM_CHECK_EXTENSION: /* the coalesced ring's page, where this architecture's KVM has it */
		return (long)arg == KVM_CAP_COALESCED_MMIO ? KVM_COALESCED_MMIO_PAGE_OFFSET : 1;
	case KVM_GET_VCPU_MMAP_SIZE:
		return RUN_SIZE;
	}
	return sim_arch_kvm_ioctl(req, arg);
}

static int memslot(const struct kvm_userspace_memory_region *m)
{
	struct sim_slot *s;

	if (m->slot >= 32 || (m->guest_phys_addr | m->memory_size | m->userspace_addr) & 0xfff)
		return -EINVAL;
	s = &sim.slots[m->slot];
	if (!m->memory_size) {
		if (!s->used) {
			sim.bad_undos++; /* deleting a slot that is not there */
			return -EINVAL;
		}
		s->used = false;
		sim.slot_deleted_seq = ++sim.seq;
		return 0;
	}
	for (int i = 0; i < 32; i++)
		if (i != (int)m->slot && sim.slots[i].used &&
		    m->guest_phys_addr < sim.slots[i].gpa + sim.slots[i].size &&
		    sim.slots[i].gpa < m->guest_phys_addr + m->memory_size)
			return -EEXIST;
	*s = (struct sim_slot){ true, m->guest_phys_addr, m->memory_size, m->userspace_addr };
	if (sim.nslot_log < SIM_RANGE_LOG)
		sim.slot_log[sim.nslot_log++] = (struct sim_range){ m->guest_phys_addr,
								    m->memory_size };
	return 0;
}

static int irqfd(const struct kvm_irqfd *f)
{
	bool deassign = f->flags & KVM_IRQFD_FLAG_DEASSIGN;
	int r;

	if (!is_real((int)f->fd, R_EVENTFD) ||
	    (!deassign && (f->flags & KVM_IRQFD_FLAG_RESAMPLE) &&
	     !is_real((int)f->resamplefd, R_EVENTFD))) {
		sim.bad_uses++;
		return -EBADF;
	}
	for (int i = 0; i < SIM_MAX_IRQFDS; i++) {
		struct sim_irqfd *q = &sim.irqfds[i];

		if (deassign && q->used && q->fd == (int)f->fd && q->gsi == f->gsi) {
			q->used = false;
			return 0;
		}
		if (!deassign && q->used && q->fd == (int)f->fd)
			return -EBUSY; /* KVM refuses a second irqfd on one eventfd */
	}
	if (deassign) {
		sim.bad_undos++;
		return -ENOENT;
	}
	if ((r = sim_arch_irqfd_assign()) < 0)
		return r;
	if (sim.vcpus_at_first_irqfd < 0) {
		sim.vcpus_at_first_irqfd = 0;
		for (int i = 0; i < SIM_MAX_FDS; i++)
			sim.vcpus_at_first_irqfd += objs[i].kind == K_VCPU;
	}
	for (int i = 0; i < SIM_MAX_IRQFDS; i++)
		if (!sim.irqfds[i].used) {
			sim.irqfds[i] = (struct sim_irqfd){
				true, (int)f->fd,
				(f->flags & KVM_IRQFD_FLAG_RESAMPLE) ? (int)f->resamplefd : -1, f->gsi };
			return 0;
		}
	return -ENOSPC;
}

/* KVM_IOEVENTFD for MMIO without data match, as virtio-mmio uses it. */
static int ioeventfd(const struct kvm_ioeventfd *e)
{
	bool deassign = e->flags & KVM_IOEVENTFD_FLAG_DEASSIGN;

	if (!is_real((int)e->fd, R_EVENTFD)) {
		sim.bad_uses++;
		return -EBADF;
	}
	if (e->flags & ~(uint32_t)KVM_IOEVENTFD_FLAG_DEASSIGN || !(e->len == 1 || e->len == 2 ||
	    e->len == 4 || e->len == 8))
		return -EINVAL;
	for (int i = 0; i < 8; i++) {
		__typeof__(sim.ioeventfds[0]) *q = &sim.ioeventfds[i];

		if (q->used && q->addr == e->addr && q->len == e->len) {
			if (!deassign)
				return -EEXIST;
			if (q->fd != (int)e->fd)
				break;
			q->used = false;
			return 0;
		}
	}
	if (deassign) {
		sim.bad_undos++;
		return -ENOENT;
	}
	for (int i = 0; i < 8; i++)
		if (!sim.ioeventfds[i].used) {
			sim.ioeventfds[i].used = true;
			sim.ioeventfds[i].fd = (int)e->fd;
			sim.ioeventfds[i].addr = e->addr;
			sim.ioeventfds[i].len = e->len;
			return 0;
		}
	return -ENOSPC;
}

int sim_ioeventfd_at(uint64_t addr, uint32_t len)
{
	for (int i = 0; i < 8; i++)
		if (sim.ioeventfds[i].used && sim.ioeventfds[i].addr == addr &&
		    sim.ioeventfds[i].len == len)
			return sim.ioeventfds[i].fd;
	return -1;
}

static int vm_ioctl(unsigned long req, void *arg)
{
	switch (req) {
	case KVM_IRQ_LINE:
	case KVM_REGISTER_COALESCED_MMIO:
	case KVM_UNREGISTER_COALESCED_MMIO:
	case KVM_CHECK_EXTENSION:
		return req == KVM_CHECK_EXTENSION;
	case KVM_SET_USER_MEMORY_REGION:
		return memslot(arg);
	case KVM_SET_GSI_ROUTING: {
		struct kvm_irq_routing *t = arg;

		if (t->nr > SIM_MAX_ROUTES || t->flags)
			return -EINVAL;
		if (sim.fail_routing)
			return -ENOMEM;
		sim.routing_calls++;
		memcpy(sim.routes, t->entries, t->nr * sizeof(t->entries[0]));
		sim.nroutes = (int)t->nr;
		return 0;
	}
	case KVM_IRQFD:
		return irqfd(arg);
	case KVM_ENABLE_CAP:
		return sim_arch_enable_cap(arg);
	case KVM_IOEVENTFD:
		return ioeventfd(arg);
	case KVM_CREATE_VCPU: {
		unsigned long id = (unsigned long)(uintptr_t)arg;
		int fd = sim_arch_vcpu_create();

		if (fd < 0)
			return fd;
		for (int i = 0; i < SIM_MAX_FDS; i++)
			if (objs[i].kind == K_VCPU && objs[i].vcpu_id == (int)id)
				return -EEXIST;
		if (id >= 64)
			return -EINVAL;
		fd = obj_new(K_VCPU);
		if (fd >= 0) {
			obj_of(fd, 0)->vcpu_id = (int)id;
			sim_arch_vcpu_new(fd - SIM_FD_BASE, (int)id);
		}
		return fd;
	}
	case KVM_CREATE_DEVICE: {
		struct kvm_create_device *kd = arg;
		int fd;

		if (kd->type != KVM_DEV_TYPE_VFIO) {
			if ((fd = sim_arch_device_type(kd->type)) < 0 || (fd = obj_new(K_KVM_DEV)) < 0)
				return fd;
			sim_arch_device_new(fd - SIM_FD_BASE, kd->type);
		} else if ((fd = obj_new(K_KVM_VFIO)) < 0) {
			return fd;
		}
		kd->fd = (uint32_t)fd;
		return 0;
	}
	}
	return sim_arch_vm_ioctl(req, arg);
}

static int kvm_vfio_ioctl(struct obj *o, unsigned long req, void *arg)
{
	const struct kvm_device_attr *a = arg;
	int32_t fd;

	if (req != KVM_SET_DEVICE_ATTR || a->group != KVM_DEV_VFIO_FILE)
		return -ENXIO;
	memcpy(&fd, (void *)(uintptr_t)a->addr, sizeof(fd));
	if (!obj_of(fd, K_VFIO)) {
		sim.bad_uses++;
		return -EBADF;
	}
	if (a->attr == KVM_DEV_VFIO_FILE_ADD) {
		for (int i = 0; i < 8; i++)
			if (o->files[i] == fd)
				return -EEXIST;
		for (int i = 0; i < 8; i++)
			if (o->files[i] < 0) {
				o->files[i] = fd;
				return 0;
			}
		return -ENOSPC;
	}
	if (a->attr == KVM_DEV_VFIO_FILE_DEL) {
		for (int i = 0; i < 8; i++)
			if (o->files[i] == fd) {
				o->files[i] = -1;
				return 0;
			}
		sim.bad_undos++;
		return -ENOENT;
	}
	return -ENXIO;
}

/* --- /dev/iommu ---------------------------------------------------------------------- */

static bool ioas_exists(struct obj *o, uint32_t id)
{
	return id >= 1 && id < 32 && (o->ioas_mask & (1u << id));
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a <= b + (blen - 1) && b <= a + (alen - 1);
}

/* Whether a device is attached to this IOAS of iommufd fd (it has an IOMMU domain). */
static bool ioas_attached(int fd, uint32_t ioas)
{
	for (int i = 0; i < SIM_MAX_FDS; i++)
		if (objs[i].kind == K_VFIO && objs[i].bound_to == fd && objs[i].attached == ioas)
			return true;
	return false;
}

/* The first domain of an IOAS: every page mapped so far gets pinned, or none. */
static int pin_ioas(int fd, uint32_t ioas)
{
	uint64_t need = 0;

	for (int i = 0; i < 64; i++)
		if (sim.iomaps[i].used && sim.iomaps[i].fd == fd && sim.iomaps[i].ioas == ioas &&
		    !sim.iomaps[i].pinned)
			need += sim.iomaps[i].length;
	if (sim.memlock_budget && sim.pinned + need > sim.memlock_budget)
		return -ENOMEM;
	for (int i = 0; i < 64; i++)
		if (sim.iomaps[i].used && sim.iomaps[i].fd == fd && sim.iomaps[i].ioas == ioas &&
		    !sim.iomaps[i].pinned) {
			sim.iomaps[i].pinned = true;
			sim.pinned += sim.iomaps[i].length;
		}
	return 0;
}

static int ioas_map(int fd, struct obj *o, struct iommu_ioas_map *m)
{
	const uint32_t known = IOMMU_IOAS_MAP_FIXED_IOVA | IOMMU_IOAS_MAP_READABLE |
			       IOMMU_IOAS_MAP_WRITEABLE;

	if (m->size < sizeof(*m) || (m->flags & ~known) || !(m->flags & IOMMU_IOAS_MAP_FIXED_IOVA))
		return -EOPNOTSUPP;
	if (!ioas_exists(o, m->ioas_id))
		return -ENOENT;
	if (!m->length || ((m->iova | m->length | m->user_va) & 0xfff) ||
	    m->iova + m->length - 1 < m->iova)
		return -EINVAL;
	if (o->resv_known && overlaps(m->iova, m->length, sim.resv_start,
				      sim.resv_last - sim.resv_start + 1))
		return -EINVAL;
	for (int i = 0; i < 64; i++)
		if (sim.iomaps[i].used && sim.iomaps[i].fd == fd &&
		    sim.iomaps[i].ioas == m->ioas_id &&
		    overlaps(m->iova, m->length, sim.iomaps[i].iova, sim.iomaps[i].length))
			return -EEXIST;
	bool domain = ioas_attached(fd, m->ioas_id);

	if (domain && sim.memlock_budget && sim.pinned + m->length > sim.memlock_budget)
		return -ENOMEM;
	for (int i = 0; i < 64; i++)
		if (!sim.iomaps[i].used) {
			sim.iomaps[i] = (struct sim_iomap){ true, fd, m->ioas_id, m->iova, m->length,
							    domain };
			sim.pinned += domain ? m->length : 0;
			if (sim.niomap_log < SIM_RANGE_LOG)
				sim.iomap_log[sim.niomap_log++] = (struct sim_range){ m->iova,
										      m->length };
			return 0;
		}
	return -ENOSPC;
}

static int ioas_unmap(int fd, struct obj *o, struct iommu_ioas_unmap *u)
{
	bool all = u->iova == 0 && u->length == UINT64_MAX;
	uint64_t done = 0;

	if (!ioas_exists(o, u->ioas_id))
		return -ENOENT;
	for (int i = 0; i < 64; i++) {
		struct sim_iomap *q = &sim.iomaps[i];

		if (!q->used || q->fd != fd || q->ioas != u->ioas_id)
			continue;
		if (all || (q->iova >= u->iova && q->iova + q->length - 1 <= u->iova + u->length - 1)) {
			q->used = false;
			sim.pinned -= q->pinned ? q->length : 0;
			done += q->length;
		}
	}
	if (!done && !all) {
		sim.bad_undos++;
		return -ENOENT;
	}
	u->length = done;
	return 0;
}

static int iommufd_ioctl(int fd, struct obj *o, unsigned long req, void *arg)
{
	switch (req) {
	case IOMMU_IOAS_ALLOC: {
		struct iommu_ioas_alloc *a = arg;

		for (uint32_t id = 1; id < 32; id++)
			if (!(o->ioas_mask & (1u << id))) {
				o->ioas_mask |= 1u << id;
				a->out_ioas_id = id;
				return 0;
			}
		return -ENOSPC;
	}
	case IOMMU_IOAS_MAP:
		return ioas_map(fd, o, arg);
	case IOMMU_IOAS_UNMAP:
		return ioas_unmap(fd, o, arg);
#if PTVM_UAPI_MAP_FILE
	case IOMMU_IOAS_MAP_FILE: {
		struct iommu_ioas_map_file *f = arg;
		struct iommu_ioas_map m = { .size = sizeof(m), .flags = f->flags,
					    .ioas_id = f->ioas_id, .length = f->length,
					    .iova = f->iova, .user_va = f->start };

		if (sim.no_map_file)
			return -ENOTTY; /* a kernel before 6.13 */
		if (f->size < sizeof(*f))
			return -EINVAL;
		if (!is_real(f->fd, R_MEMFD)) {
			sim.bad_uses += !is_real(f->fd, 0);
			return -EBADF;
		}
		sim.map_file_calls++;
		return ioas_map(fd, o, &m);
	}
#endif
	case IOMMU_DESTROY: {
		struct iommu_destroy *d = arg;

		if (!ioas_exists(o, d->id)) {
			sim.bad_undos++;
			return -ENOENT;
		}
		for (int i = 0; i < SIM_MAX_FDS; i++)
			if (objs[i].kind == K_VFIO && objs[i].bound_to == fd && objs[i].attached == d->id)
				return -EBUSY;
		for (int i = 0; i < 64; i++)
			if (sim.iomaps[i].used && sim.iomaps[i].fd == fd && sim.iomaps[i].ioas == d->id) {
				sim.iomaps[i].used = false;
				sim.pinned -= sim.iomaps[i].pinned ? sim.iomaps[i].length : 0;
			}
		o->ioas_mask &= ~(1u << d->id);
		return 0;
	}
	case IOMMU_IOAS_IOVA_RANGES: {
		struct iommu_ioas_iova_ranges *q = arg;
		struct iommu_iova_range r[2] = { { 0, UINT64_MAX } };
		uint32_t n = 1;

		if (!ioas_exists(o, q->ioas_id))
			return -ENOENT;
		if (o->resv_known) {
			r[0] = (struct iommu_iova_range){ 0, sim.resv_start - 1 };
			r[1] = (struct iommu_iova_range){ sim.resv_last + 1, UINT64_MAX };
			n = 2;
		}
		q->out_iova_alignment = 4096;
		if (q->num_iovas < n) {
			q->num_iovas = n;
			return -EMSGSIZE;
		}
		memcpy((void *)(uintptr_t)q->allowed_iovas, r, n * sizeof(r[0]));
		q->num_iovas = n;
		return 0;
	}
	}
	return -ENOTTY;
}

/* --- the VFIO device ------------------------------------------------------------------ */

static int dev_ioctl(int fd, struct obj *o, unsigned long req, void *arg)
{
	if (req == VFIO_DEVICE_BIND_IOMMUFD) {
		struct vfio_device_bind_iommufd *b = arg;
		struct obj *ctx = obj_of(b->iommufd, K_IOMMUFD);

#if PTVM_UAPI_BIND_TOKEN
		if (b->argsz < 16 || (b->flags & ~VFIO_DEVICE_BIND_FLAG_TOKEN) ||
		    (b->flags && sim.no_bind_token))
			return -EINVAL;
#else
		if (b->argsz < 16 || b->flags)
			return -EINVAL;
#endif
		if (!ctx) {
			sim.bad_uses++;
			return -EBADF;
		}
		if (o->bound_to >= 0)
			return -EINVAL; /* bound already */
		/* vfio-pci's VF token rules (the PF is bound to vfio-pci) */
		if (sim.vf_token_required && !b->flags)
			return -EACCES;
#if PTVM_UAPI_BIND_TOKEN
		if (b->flags & VFIO_DEVICE_BIND_FLAG_TOKEN) {
			if (!b->token_uuid_ptr)
				return -EFAULT;
			if (!sim.vf_token_required)
				return -EINVAL; /* neither a VF of a vfio-pci PF nor a PF */
			if (memcmp((void *)(uintptr_t)b->token_uuid_ptr, sim.vf_token, 16))
				return -EACCES;
		}
#endif
		o->bound_to = b->iommufd;
		b->out_devid = 1;
		return 0;
	}
	if (o->bound_to < 0) {
		sim.bad_uses++;
		return -EINVAL;
	}
	if (req == VFIO_DEVICE_ATTACH_IOMMUFD_PT) {
		struct vfio_device_attach_iommufd_pt *a = arg;
		struct obj *ctx = obj_of(o->bound_to, K_IOMMUFD);

		if (!ctx || !ioas_exists(ctx, a->pt_id))
			return -ENOENT;
		for (int i = 0; i < 64; i++)
			if (sim.iomaps[i].used && sim.iomaps[i].fd == o->bound_to &&
			    sim.iomaps[i].ioas == a->pt_id &&
			    overlaps(sim.iomaps[i].iova, sim.iomaps[i].length, sim.resv_start,
				     sim.resv_last - sim.resv_start + 1))
				return -EADDRINUSE;
		if (!ioas_attached(o->bound_to, a->pt_id)) {
			int r = pin_ioas(o->bound_to, a->pt_id);

			if (r < 0)
				return r;
		}
		o->attached = a->pt_id;
		ctx->resv_known = true;
		return 0;
	}
	if (req == VFIO_DEVICE_DETACH_IOMMUFD_PT) {
		if (!o->attached) {
			sim.bad_undos++;
			return -EINVAL;
		}
		o->attached = 0;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_INFO) {
		struct vfio_device_info *i = arg;

		i->flags = VFIO_DEVICE_FLAGS_PCI | VFIO_DEVICE_FLAGS_RESET;
		i->num_regions = VFIO_PCI_NUM_REGIONS;
		i->num_irqs = VFIO_PCI_NUM_IRQS;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_REGION_INFO) {
		struct vfio_region_info *ri = arg;

		if (ri->index == VFIO_PCI_CONFIG_REGION_INDEX) {
			ri->size = sim.cfg_size ? sim.cfg_size : sizeof(sim.cfg);
			ri->offset = SIM_CFG_OFF;
			ri->flags = VFIO_REGION_INFO_FLAG_READ | VFIO_REGION_INFO_FLAG_WRITE;
			return 0;
		}
		if (ri->index >= 6)
			return -EINVAL;
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
			return -EINVAL;
		ii->count = sim.irq_count[ii->index];
		return 0;
	}
	if (req == VFIO_DEVICE_SET_IRQS) {
		struct vfio_irq_set *s = arg;

		if (s->index >= 5 || s->count > SIM_MAX_VECTORS ||
		    (s->count && s->start + s->count > sim.irq_count[s->index]))
			return -EINVAL;
		if (s->flags & VFIO_IRQ_SET_ACTION_UNMASK) {
			sim.intx_unmask_set = true;
			return 0;
		}
		/* vfio-pci: one kind of interrupt at a time */
		for (int k = 0; k < 3; k++)
			if (k != (int)s->index && sim.set_count[k] > 0 && s->count)
				return -EINVAL;
		if (s->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			for (uint32_t i = 0; i < s->count; i++) {
				int32_t efd;

				memcpy(&efd, s->data + i * sizeof(efd), sizeof(efd));
				if (efd != -1 && !is_real(efd, R_EVENTFD)) {
					sim.bad_uses++;
					return -EBADF;
				}
			}
		sim.set_count[s->index] = (int)s->count;
		sim.set_calls[s->index]++;
		if (s->flags & VFIO_IRQ_SET_DATA_EVENTFD)
			memcpy(sim.set_fds[s->index], s->data, s->count * sizeof(int32_t));
		return 0;
	}
	if (req == VFIO_DEVICE_RESET) {
		sim.resets++;
		return 0;
	}
	if (req == VFIO_DEVICE_GET_PCI_HOT_RESET_INFO) {
		struct vfio_pci_hot_reset_info *h = arg;

		if (h->argsz < sizeof(*h) + sizeof(h->devices[0])) {
			h->argsz = sizeof(*h) + sizeof(h->devices[0]);
			h->count = 1;
			return -ENOSPC;
		}
		h->flags = VFIO_PCI_HOT_RESET_FLAG_DEV_ID | VFIO_PCI_HOT_RESET_FLAG_DEV_ID_OWNED;
		h->count = 1;
		h->devices[0] = (struct vfio_pci_dependent_device){ .devid = 1, .bus = 3 };
		return 0;
	}
	if (req == VFIO_DEVICE_PCI_HOT_RESET) {
		sim.hot_resets++;
		return 0;
	}
	(void)fd;
	return -ENOTTY;
}

int sys_ioctl_named(int fd, unsigned long request, void *arg, const char *name)
{
	struct obj *o;
	int r;

	pthread_mutex_lock(&lock);
	confined("ioctl", 0, request, 0, name);
	if (site(name)) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "%s", name);
	}
	o = obj_of(fd, 0);
	if (!o) {
		sim.bad_uses++;
		r = -EBADF;
	} else {
		switch (o->kind) {
		case K_KVM: r = kvm_ioctl(request, arg); break;
		case K_VM: r = vm_ioctl(request, arg); break;
		case K_VCPU: r = sim_arch_vcpu_ioctl(fd - SIM_FD_BASE, request, arg); break;
		case K_KVM_VFIO: r = kvm_vfio_ioctl(o, request, arg); break;
		case K_KVM_DEV: r = sim_arch_device_ioctl(fd - SIM_FD_BASE, request, arg); break;
		case K_IOMMUFD: r = iommufd_ioctl(fd, o, request, arg); break;
		case K_VFIO: r = dev_ioctl(fd, o, request, arg); break;
		default: r = -EBADF; break;
		}
	}
	pthread_mutex_unlock(&lock);
	return r >= 0 ? r : err_errno(r, "%s", name);
}

int sys_kvm_run(int vcpu_fd)
{
	struct kvm_run *run;
	struct obj *o;
	int id, r;

	pthread_mutex_lock(&lock);
	o = obj_of(vcpu_fd, K_VCPU);
	if (!o || !o->run) {
		sim.bad_uses++;
		pthread_mutex_unlock(&lock);
		return err_errno(EBADF, "KVM_RUN");
	}
	run = o->run;
	id = o->vcpu_id;
	confined("ioctl", 0, KVM_RUN, 0, "KVM_RUN");
	/* Only vCPU 0's runs are sites: the others' timing is up to the scheduler. */
	if (id == 0 && site("KVM_RUN")) {
		pthread_mutex_unlock(&lock);
		return err_errno(sim.fail_errno, "KVM_RUN");
	}
	if ((r = sim_arch_vcpu_run(vcpu_fd - SIM_FD_BASE)) < 0) {
		pthread_mutex_unlock(&lock);
		return err_errno(r, "KVM_RUN");
	}
	pthread_mutex_unlock(&lock);
	if (__atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE))
		return -EINTR;
	if (id != 0 || !sim.guest) {
		/* an idle vCPU: wait in the "kernel" until kicked */
		while (!__atomic_load_n(&run->immediate_exit, __ATOMIC_ACQUIRE))
			nanosleep(&(struct timespec){ 0, 200000 }, NULL);
		return -EINTR;
	}
	if (!sim.guest(run, sim.guest_ctx))
		run->exit_reason = KVM_EXIT_HLT;
	return 0;
}
