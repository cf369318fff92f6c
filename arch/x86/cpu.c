/* vCPU state: CPUID from KVM_GET_SUPPORTED_CPUID with deliberate edits, the MSRs Linux
 * expects a firmware to have set, the FPU, the LAPIC's LINT pins, and the boot vCPU's
 * entry registers (64-bit long mode for a bzImage; flat 32-bit protected mode for a
 * payload, or for a PVH vmlinux with EBX pointing at its start info). Other vCPUs wait
 * for INIT/SIPI in the in-kernel LAPIC. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/log.h"
#include "vmm/sys.h"

#define CPUID_MAX_ENTRIES 256

int x86_supported_cpuid(struct vm *vm, struct x86_vm *x)
{
	int n = CPUID_MAX_ENTRIES, r;

	if (x->cpuid)
		return 0;
	for (;;) {
		x->cpuid = calloc(1, sizeof(*x->cpuid) + (size_t)n * sizeof(x->cpuid->entries[0]));
		if (!x->cpuid)
			return err_msg(ENOMEM, "out of memory");
		x->cpuid->nent = (uint32_t)n;
		r = sys_ioctl(vm->kvm_fd, KVM_GET_SUPPORTED_CPUID, x->cpuid);
		if (r != -E2BIG || n >= 4096)
			break;
		free(x->cpuid);
		x->cpuid = NULL;
		n *= 2;
	}
	if (r < 0) {
		free(x->cpuid);
		x->cpuid = NULL;
		return r;
	}
	r = sys_ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER);
	if (r < 0) {
		log_warn("%s: cannot tell whether KVM emulates the TSC-deadline timer; the guest "
			 "gets none", err_get());
		err_clear();
	}
	x->tsc_deadline = r > 0;
	x->amd = x86_cpuid_is_amd(x->cpuid);
	return 0;
}

static int set_cpuid(struct vcpu *v, struct x86_vm *x)
{
	size_t sz = sizeof(*x->cpuid) + (x->cpuid->nent + X86_CPUID_ADDED) *
						 sizeof(x->cpuid->entries[0]);
	struct kvm_cpuid2 *c = malloc(sz);
	int r;

	if (!c)
		return err_msg(ENOMEM, "out of memory");
	memcpy(c, x->cpuid, sizeof(*x->cpuid) + x->cpuid->nent * sizeof(x->cpuid->entries[0]));
	x86_guest_cpuid(c, &v->vm->cfg->topology, v->id, x->tsc_deadline);
	r = sys_ioctl(v->fd, KVM_SET_CPUID2, c);
	free(c);
	return r < 0 ? r : 0;
}

static const struct {
	uint32_t index;
	uint64_t value;
	const char *name;
} boot_msrs[] = {
	{ 0x174, 0, "IA32_SYSENTER_CS" },
	{ 0x175, 0, "IA32_SYSENTER_ESP" },
	{ 0x176, 0, "IA32_SYSENTER_EIP" },
	{ 0xc0000081, 0, "STAR" },
	{ 0xc0000082, 0, "LSTAR" },
	{ 0xc0000083, 0, "CSTAR" },
	{ 0xc0000084, 0, "SYSCALL_MASK" },
	{ 0xc0000102, 0, "KERNEL_GS_BASE" },
	{ 0x1a0, 1, "IA32_MISC_ENABLE (fast strings)" },
	{ 0x2ff, (1u << 11) | 6, "MTRRdefType (enabled, write-back)" },
};

/* KVM_SET_MSRS stops at the first MSR it refuses and returns how many it set: name that
 * one, skip it, and go on with the rest. A refused MSR is a warning, not a failure. */
static int set_msrs(struct vcpu *v)
{
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[sizeof(boot_msrs) / sizeof(boot_msrs[0])];
	} m;
	size_t total = sizeof(boot_msrs) / sizeof(boot_msrs[0]), start = 0;

	while (start < total) {
		int r;

		memset(&m, 0, sizeof(m));
		m.h.nmsrs = (uint32_t)(total - start);
		for (size_t i = start; i < total; i++) {
			m.e[i - start].index = boot_msrs[i].index;
			m.e[i - start].data = boot_msrs[i].value;
		}
		r = sys_ioctl(v->fd, KVM_SET_MSRS, &m);
		if (r < 0)
			return r;
		if ((size_t)r < total - start && v->id == 0)
			fprintf(stderr, "ptvm: warning: KVM refused MSR 0x%x (%s); continuing "
					"without it\n", boot_msrs[start + (size_t)r].index,
				boot_msrs[start + (size_t)r].name);
		start += (size_t)r + 1;
	}
	return 0;
}

static int set_lapic(struct vcpu *v)
{
	struct kvm_lapic_state l;
	uint32_t lint0, lint1;
	int r = sys_ioctl(v->fd, KVM_GET_LAPIC, &l);

	if (r < 0)
		return r;
	/* LINT0 = ExtINT (the PIC, virtual wire mode), LINT1 = NMI: what firmware sets. */
	memcpy(&lint0, l.regs + 0x350, 4);
	memcpy(&lint1, l.regs + 0x360, 4);
	lint0 = (lint0 & ~0x700u) | 0x700;
	lint1 = (lint1 & ~0x700u) | 0x400;
	memcpy(l.regs + 0x350, &lint0, 4);
	memcpy(l.regs + 0x360, &lint1, 4);
	return sys_ioctl(v->fd, KVM_SET_LAPIC, &l);
}

static void flat_segment(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code64)
{
	*s = (struct kvm_segment){ .base = 0, .limit = 0xffffffff, .selector = sel, .type = type,
				   .present = 1, .dpl = 0, .db = code64 ? 0 : 1, .s = 1,
				   .l = code64, .g = 1 };
}

static int set_boot_regs(struct vcpu *v, struct x86_vm *x)
{
	struct kvm_sregs sr;
	struct kvm_regs regs = { .rflags = 2, .rip = x->entry, .rsp = X86_STACK };
	int r = sys_ioctl(v->fd, KVM_GET_SREGS, &sr);

	if (r < 0)
		return r;
	if (x->protected32) {
		regs.rbx = x->ebx;
		flat_segment(&sr.cs, 0x08, 0xb, false);
		flat_segment(&sr.ds, 0x10, 0x3, false);
		sr.cr0 = 0x11; /* PE | ET */
		sr.cr4 = 0;
		sr.efer = 0;
	} else {
		flat_segment(&sr.cs, 0x10, 0xb, true);
		flat_segment(&sr.ds, 0x18, 0x3, false);
		sr.cr0 = 0x80050033; /* PG | AM | WP | NE | ET | MP | PE */
		sr.cr3 = X86_PML4;
		sr.cr4 = 0x20; /* PAE */
		sr.efer = 0x500; /* LME | LMA */
		sr.gdt.base = X86_GDT;
		sr.gdt.limit = 4 * 8 - 1;
		regs.rsi = X86_BOOT_PARAMS;
	}
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.tr = (struct kvm_segment){ .limit = 0xffff, .type = 0xb, .present = 1 };
	sr.ldt = (struct kvm_segment){ .limit = 0xffff, .type = 0x2, .present = 1 };
	r = sys_ioctl(v->fd, KVM_SET_SREGS, &sr);
	if (r < 0)
		return r;
	return sys_ioctl(v->fd, KVM_SET_REGS, &regs);
}

unsigned long arch_vcpu_id(const struct vm *vm, int index)
{
	return x86_apic_id(&vm->cfg->topology, index);
}

int arch_vcpu_init(struct vcpu *v)
{
	struct x86_vm *x = v->vm->arch;
	struct kvm_fpu fpu = { .fcw = 0x37f, .mxcsr = 0x1f80 };
	int r;

	if ((r = x86_supported_cpuid(v->vm, x)) < 0 || (r = set_cpuid(v, x)) < 0)
		return err_ctx(r, "CPUID");
	if ((r = set_msrs(v)) < 0 || (r = sys_ioctl(v->fd, KVM_SET_FPU, &fpu)) < 0)
		return r;
	return set_lapic(v);
}

int arch_vcpu_entry(struct vcpu *v)
{
	int r;

	/* the application processors wait for INIT and SIPI, as on a PC */
	if (v->id == 0 && (r = set_boot_regs(v, v->vm->arch)) < 0)
		return err_ctx(r, "entry registers");
	return 0;
}

bool arch_vcpu_exit(struct vcpu *v)
{
	(void)v;
	return false; /* x86 has no exits of its own */
}

void arch_vcpu_dump(struct vcpu *v, bool after_shutdown, char *buf, size_t len)
{
	struct x86_vm *x = v->vm->arch;
	struct kvm_regs r;
	struct kvm_sregs s;

	/* SVM leaves the guest's state undefined on a shutdown intercept, so KVM on AMD puts
	 * the vCPU through INIT before ptvm can look: what it reads is not the fault's. */
	if (after_shutdown && x && x->amd) {
		snprintf(buf, len, "  (its registers at the fault are gone: KVM on AMD "
				   "re-initialises a vCPU that shuts down; run with --verbose for "
				   "its last exits to ptvm)");
		return;
	}
	if (sys_ioctl(v->fd, KVM_GET_REGS, &r) < 0 || sys_ioctl(v->fd, KVM_GET_SREGS, &s) < 0) {
		snprintf(buf, len, "  (registers unavailable: %s)", err_get());
		return;
	}
	snprintf(buf, len,
		 "  rip %016llx rsp %016llx rflags %08llx\n"
		 "  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		 "  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx\n"
		 "  cs %04x (base %llx, l %u, db %u)",
		 r.rip, r.rsp, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, s.cr0, s.cr2, s.cr3, s.cr4,
		 s.efer, s.cs.selector, s.cs.base, s.cs.l, s.cs.db);
}
