/* Reading boot files (kernels, initrds, payloads) into guest RAM: what every
 * architecture's loader shares. Errors name the file. */
#ifndef PTVM_LOADER_H
#define PTVM_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/vm.h"

/* Reads up to LEN bytes from the start of the kernel file FD (PATH, for errors) into BUF:
 * *GOT bytes read, *SIZE the file's size. -EINVAL for anything but a regular file. */
int loader_read_head(int fd, const char *path, uint8_t *buf, size_t len, size_t *got,
		     uint64_t *size);
/* Reads [OFF, OFF + LEN) of the file FD into DST (guest memory); a file that shrinks
 * meanwhile is -EIO. */
int loader_read_into(int fd, const char *path, uint8_t *dst, uint64_t off, uint64_t len);
/* Reads the whole file PATH (WHAT it is, for errors) into guest RAM within [LO, HI): at LO,
 * or (AT_TOP) page aligned as high as it fits. One open decides both the size and the
 * place: *GPA_OUT and *SIZE. -ENOSPC, with the sizes, when it does not fit. */
int loader_load_file(struct vm *vm, const char *what, const char *path, uint64_t lo,
		     uint64_t hi, bool at_top, uint64_t *gpa_out, uint64_t *size);

#endif
