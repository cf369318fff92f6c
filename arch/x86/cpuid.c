/* The guest's CPUID: KVM's supported list with the edits ptvm makes on purpose, as a
 * pure function of that list, the topology and the vCPU (unit-tested in test_x86_cpuid). */
#include <string.h>

#include "arch/x86/x86.h"

/* KVM_CPUID_FLAG_SIGNIFCANT_INDEX is the uAPI's spelling */
#define INDEXED KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static struct kvm_cpuid_entry2 *leaf(struct kvm_cpuid2 *c, uint32_t fn, uint32_t index)
{
	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function == fn &&
		    (!(c->entries[i].flags & INDEXED) || c->entries[i].index == index))
			return &c->entries[i];
	return NULL;
}

static void drop_leaf(struct kvm_cpuid2 *c, uint32_t fn)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < c->nent; i++)
		if (c->entries[i].function != fn)
			c->entries[n++] = c->entries[i];
	c->nent = n;
}

bool x86_cpuid_is_amd(struct kvm_cpuid2 *c)
{
	struct kvm_cpuid_entry2 *e = leaf(c, 0, 0);

	return e && (e->ebx == 0x68747541 /* "Auth"enticAMD */ ||
		     e->ebx == 0x6f677948 /* "Hygo"nGenuine */);
}

/* Leaves 4 and 0x8000001d: EAX[25:14] + 1 logical processors share this cache: a core's
 * threads for L1 and L2, the package for L3 and beyond. */
static void cache_sharing(struct kvm_cpuid_entry2 *e, int smt_bits, int core_bits)
{
	unsigned level = (e->eax >> 5) & 7;
	uint32_t share = (1u << (level >= 3 ? smt_bits + core_bits : smt_bits)) - 1;

	if (e->eax & 0x1f) /* a cache, not the end of the list */
		e->eax = (e->eax & ~(0xfffu << 14)) | (share & 0xfff) << 14;
}

/* Leaf 0xb or 0x1f, subleaves 0 (threads of a core), 1 (cores of a package) and 2 (the
 * end), replacing KVM's, which describe the host. */
static void extended_topology(struct kvm_cpuid2 *c, uint32_t fn, const struct cpu_topology *t,
			      int smt_bits, int core_bits, uint32_t apic)
{
	drop_leaf(c, fn);
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = fn, .index = 0, .flags = INDEXED, .eax = (uint32_t)smt_bits,
		.ebx = (uint32_t)t->threads, .ecx = 1u << 8, .edx = apic };
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = fn, .index = 1, .flags = INDEXED, .eax = (uint32_t)(smt_bits + core_bits),
		.ebx = (uint32_t)(t->threads * t->cores), .ecx = 2u << 8 | 1, .edx = apic };
	c->entries[c->nent++] = (struct kvm_cpuid_entry2){
		.function = fn, .index = 2, .flags = INDEXED, .ecx = 2, .edx = apic };
}

/* The edits, each on purpose. The topology (--cpus sockets, cores, threads; by default one
 * socket of single-thread cores) is told the same way by every leaf that tells it:
 *  - leaf 1: APIC ID, the package's logical processor ID space, HTT when it holds more
 *    than one, the hypervisor bit, TSC-deadline when KVM emulates it (KVM's supported list
 *    leaves that bit to the VMM: KVM_CAP_TSC_DEADLINE_TIMER);
 *  - leaves 4 and 0x8000001d: the cores per package and which CPUs share each cache;
 *  - leaves 0xb and 0x1f (when KVM has them): threads per core, cores per package, x2APIC ID;
 *  - leaf 0x80000008: threads per package and the APIC ID bits that number them;
 *  - leaf 0x8000001e on AMD (KVM zeroes it): the extended APIC ID, core ID, threads per
 *    core, node (= socket); with more than one thread per core, TOPOEXT is offered so that
 *    the guest reads it (without it an AMD guest sees every thread as a core);
 *  - leaf 6 (thermal/power) and 0xa (performance counters) hidden: there is no vPMU or
 *    power management to offer, and guests then do not probe their MSRs. */
void x86_guest_cpuid(struct kvm_cpuid2 *c, const struct cpu_topology *t, int index,
		     bool tsc_deadline)
{
	uint32_t apic = x86_apic_id(t, index);
	int smt = topology_bits(t->threads), core = topology_bits(t->cores), socket, core_id,
	    thread;
	struct kvm_cpuid_entry2 *e;
	bool amd = x86_cpuid_is_amd(c);

	topology_place(t, index, &socket, &core_id, &thread);
	for (uint32_t i = 0; i < c->nent; i++) {
		e = &c->entries[i];
		switch (e->function) {
		case 1:
			e->ebx = (e->ebx & 0x0000ffff) | (apic << 24) |
				 ((1u << (smt + core)) & 0xff) << 16;
			e->ecx |= 1u << 31;
			if (tsc_deadline)
				e->ecx |= 1u << 24;
			e->edx = smt + core > 0 ? e->edx | 1u << 28 : e->edx & ~(1u << 28);
			break;
		case 4:
			if (!(e->eax & 0x1f)) /* the end of the list */
				break;
			e->eax = (e->eax & 0x03ffffff) | (((1u << core) - 1) & 0x3f) << 26;
			cache_sharing(e, smt, core);
			break;
		case 0x8000001d:
			cache_sharing(e, smt, core);
			break;
		case 6:
		case 0xa:
			e->eax = e->ebx = e->ecx = e->edx = 0;
			break;
		case 0x80000008:
			e->ecx = (e->ecx & ~0xf0ffu) | (uint32_t)(smt + core) << 12 |
				 (uint32_t)((t->cores * t->threads - 1) & 0xff);
			break;
		}
	}
	if (leaf(c, 0xb, 0))
		extended_topology(c, 0xb, t, smt, core, apic);
	if (leaf(c, 0x1f, 0))
		extended_topology(c, 0x1f, t, smt, core, apic);
	struct kvm_cpuid_entry2 *ext_max = leaf(c, 0x80000000, 0), *ext1 = leaf(c, 0x80000001, 0);

	if (amd && ext_max && ext1) {
		if (t->threads > 1 && !leaf(c, 0x8000001e, 0)) {
			c->entries[c->nent++] = (struct kvm_cpuid_entry2){ .function = 0x8000001e };
			if (ext_max->eax < 0x8000001e)
				ext_max->eax = 0x8000001e;
		}
		if (t->threads > 1)
			ext1->ecx |= 1u << 22; /* TOPOEXT */
		if ((e = leaf(c, 0x8000001e, 0)))
			*e = (struct kvm_cpuid_entry2){
				.function = 0x8000001e, .eax = apic,
				.ebx = (uint32_t)(t->threads - 1) << 8 | (uint32_t)core_id,
				.ecx = (uint32_t)socket & 0xff };
	}
}

