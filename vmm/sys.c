/* Production kernel boundary: thin pass-through to libc (see sys.h). */
#include "vmm/sys.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/err.h"

int sys_open(const char *path, int flags)
{
	int fd;

	do
		fd = open(path, flags | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	return fd >= 0 ? fd : err_errno(errno, "open %s", path);
}

int sys_close(int fd)
{
	/* Linux closes the fd even when close() reports EINTR: never retry. */
	return close(fd) == 0 || errno == EINTR ? 0 : err_errno(errno, "close fd %d", fd);
}

int sys_ioctl_named(int fd, unsigned long request, void *arg, const char *name)
{
	int r;

	do
		r = ioctl(fd, request, arg);
	while (r < 0 && errno == EINTR);
	return r >= 0 ? r : err_errno(errno, "%s", name);
}

int sys_kvm_run(int vcpu_fd)
{
	if (ioctl(vcpu_fd, KVM_RUN, 0) == 0)
		return 0;
	return errno == EINTR || errno == EAGAIN ? -errno : err_errno(errno, "KVM_RUN");
}

void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, int *err)
{
	void *p = mmap(addr, len, prot, flags, fd, off);

	if (p == MAP_FAILED) {
		*err = err_errno(errno, "mmap %zu bytes of fd %d at offset 0x%llx", len, fd,
				 (unsigned long long)off);
		return NULL;
	}
	*err = 0;
	return p;
}

int sys_munmap(void *addr, size_t len)
{
	return munmap(addr, len) == 0 ? 0 : err_errno(errno, "munmap %zu bytes", len);
}

ssize_t sys_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t r;

	do
		r = pread(fd, buf, len, off);
	while (r < 0 && errno == EINTR);
	return r >= 0 ? r : err_errno(errno, "pread fd %d at 0x%llx", fd, (unsigned long long)off);
}

ssize_t sys_pwrite(int fd, const void *buf, size_t len, off_t off)
{
	ssize_t r;

	do
		r = pwrite(fd, buf, len, off);
	while (r < 0 && errno == EINTR);
	return r >= 0 ? r : err_errno(errno, "pwrite fd %d at 0x%llx", fd, (unsigned long long)off);
}

int sys_eventfd(unsigned int initval, int flags)
{
	int fd = eventfd(initval, flags | EFD_CLOEXEC);

	return fd >= 0 ? fd : err_errno(errno, "eventfd");
}

int sys_memfd_create(const char *name, unsigned int flags)
{
	int fd = memfd_create(name, flags | MFD_CLOEXEC);

	return fd >= 0 ? fd : err_errno(errno, "memfd_create %s", name);
}

int sys_ftruncate(int fd, off_t len)
{
	return ftruncate(fd, len) == 0 ? 0
				       : err_errno(errno, "ftruncate fd %d to %lld bytes", fd,
						   (long long)len);
}
