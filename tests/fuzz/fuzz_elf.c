/* libFuzzer target: any file given to --kernel, loaded into a VM's guest RAM as ptvm loads
 * it: an ELF vmlinux (header, program headers, notes, segments, the PVH start info), a
 * bzImage header, or neither. Guest RAM is plain memory here (no KVM needed). */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/config.h"

#define RAM (32u << 20)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t *ram;
	static int fd = -1;
	static char path[64];
	struct vm_config cfg;
	struct x86_vm x;
	struct vm vm;

	if (!ram) {
		ram = malloc(RAM);
		fd = memfd_create("kernel", 0);
		if (!ram || fd < 0)
			__builtin_trap();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size)
		__builtin_trap();
	memset(&vm, 0, sizeof(vm));
	memset(&x, 0, sizeof(x));
	config_init(&cfg);
	cfg.kernel = path;
	cfg.cmdline = "console=ttyS0";
	vm.cfg = &cfg;
	vm.arch = &x;
	vm.nmem = 1;
	vm.mem[0] = (struct mem_region){ .gpa = 0, .size = RAM, .hva = ram };
	if (arch_load(&vm) == 0 && (x.entry == 0 || (x.protected32 && x.ebx != X86_PVH_INFO)))
		__builtin_trap(); /* loaded, yet no place to start */
	return 0;
}
