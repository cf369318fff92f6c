/* The arguments of a system call that seccomp trapped, as x86_64 passes them: rdi, rsi,
 * rdx, r10, r8, r9 (the kernel's convention, not the C one: r10 replaces rcx). */
#include <signal.h>
#include <ucontext.h>

#include "vmm/arch.h"

unsigned long arch_sigsys_arg(const void *ucontext, int n)
{
	static const int reg[6] = { REG_RDI, REG_RSI, REG_RDX, REG_R10, REG_R8, REG_R9 };
	const ucontext_t *uc = ucontext;

	return n >= 0 && n < 6 ? (unsigned long)uc->uc_mcontext.gregs[reg[n]] : 0;
}
