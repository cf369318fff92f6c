/* The arguments of a system call that seccomp trapped, as arm64 passes them: x0-x5. */
#include <signal.h>
#include <ucontext.h>

#include "vmm/arch.h"

unsigned long arch_sigsys_arg(const void *ucontext, int n)
{
	const ucontext_t *uc = ucontext;

	return n >= 0 && n < 6 ? (unsigned long)uc->uc_mcontext.regs[n] : 0;
}
