/* The kernel boundary. Every open/close/ioctl/mmap/munmap/pread/pwrite/eventfd that the
 * monitor makes on a device node goes through here. Production passes straight to libc;
 * unit tests link a simulated kernel in place of sys.c. Each call returns the result or
 * -errno and, on failure, leaves a message naming the call (ioctls by their macro name). */
#ifndef PTVM_SYS_H
#define PTVM_SYS_H

#include <stddef.h>
#include <sys/types.h>

int sys_open(const char *path, int flags);
int sys_close(int fd);
int sys_ioctl_named(int fd, unsigned long request, void *arg, const char *name);
#define sys_ioctl(fd, request, arg) sys_ioctl_named((fd), (request), (void *)(arg), #request)
/* KVM_RUN: not retried on EINTR (a signal is how a vCPU is told to come back); returns
 * -EINTR without setting a message. */
int sys_kvm_run(int vcpu_fd);
/* Returns MAP_FAILED-free results: a mapping, or NULL with *err set to -errno. */
void *sys_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off, int *err);
int sys_munmap(void *addr, size_t len);
ssize_t sys_pread(int fd, void *buf, size_t len, off_t off);
ssize_t sys_pwrite(int fd, const void *buf, size_t len, off_t off);
int sys_eventfd(unsigned int initval, int flags);
int sys_memfd_create(const char *name, unsigned int flags);
int sys_ftruncate(int fd, off_t len);

#endif
