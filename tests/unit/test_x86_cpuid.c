/* The guest's CPUID (arch/x86/cpuid.c): one topology, told alike by every leaf that tells
 * it, on an Intel-like and an AMD-like supported list. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arch/x86/x86.h"

#define IDX KVM_CPUID_FLAG_SIGNIFCANT_INDEX

static struct kvm_cpuid2 *list(const struct kvm_cpuid_entry2 *e, uint32_t n)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (n + X86_CPUID_ADDED) * sizeof(*e));

	c->nent = n;
	memcpy(c->entries, e, n * sizeof(*e));
	return c;
}

static const struct kvm_cpuid_entry2 *get(const struct kvm_cpuid2 *c, uint32_t fn, uint32_t i)
{
	for (uint32_t k = 0; k < c->nent; k++)
		if (c->entries[k].function == fn && c->entries[k].index == i)
			return &c->entries[k];
	return NULL;
}

/* the host's own topology in 0xb (16 threads, 2 per core) must not reach the guest */
static const struct kvm_cpuid_entry2 intel[] = {
	{ .function = 0, .eax = 0x1f, .ebx = 0x756e6547, .edx = 0x49656e69, .ecx = 0x6c65746e },
	{ .function = 1, .eax = 0x906ea, .ebx = 0x00100800, .edx = 0x178bfbff | 1u << 28 },
	{ .function = 4, .index = 0, .flags = IDX, .eax = 0x1c004121 }, /* L1d, 2 share */
	{ .function = 4, .index = 1, .flags = IDX, .eax = 0x1c004122 }, /* L1i */
	{ .function = 4, .index = 2, .flags = IDX, .eax = 0x1c004143 }, /* L2 */
	{ .function = 4, .index = 3, .flags = IDX, .eax = 0x1c03c163 }, /* L3, 16 share */
	{ .function = 4, .index = 4, .flags = IDX },                    /* the end */
	{ .function = 0xa, .eax = 0x07300404 },
	{ .function = 0xb, .index = 0, .flags = IDX, .eax = 1, .ebx = 2, .ecx = 0x100 },
	{ .function = 0xb, .index = 1, .flags = IDX, .eax = 4, .ebx = 16, .ecx = 0x201 },
	{ .function = 0x1f, .index = 0, .flags = IDX, .eax = 1, .ebx = 2, .ecx = 0x100 },
	{ .function = 0x1f, .index = 1, .flags = IDX, .eax = 4, .ebx = 16, .ecx = 0x201 },
	{ .function = 0x1f, .index = 2, .flags = IDX, .ecx = 2 },
	{ .function = 0x80000000, .eax = 0x80000008 },
	{ .function = 0x80000008, .eax = 0x3027, .ecx = 0x400f },
};

/* the lab's: KVM on AMD, no TOPOEXT, 0x8000001e absent */
static const struct kvm_cpuid_entry2 amd[] = {
	{ .function = 0, .eax = 0xd, .ebx = 0x68747541, .edx = 0x69746e65, .ecx = 0x444d4163 },
	{ .function = 1, .eax = 0x663, .edx = 0x178bfbff },
	{ .function = 0xb, .index = 0, .flags = IDX },
	{ .function = 0x80000000, .eax = 0x8000000a },
	{ .function = 0x80000001, .ecx = 0x1 },
	{ .function = 0x80000008, .eax = 0x3028, .ecx = 0 },
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void test_intel_two_sockets(void **state)
{
	struct cpu_topology t = { .sockets = 2, .cores = 2, .threads = 2 };
	struct kvm_cpuid2 *c = list(intel, N(intel));
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	x86_guest_cpuid(c, &t, 5, true); /* socket 1, core 0, thread 1: APIC ID 0b101 */
	e = get(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 5);
	assert_int_equal((e->ebx >> 16) & 0xff, 4);   /* IDs for 4 logical CPUs per package */
	assert_true(e->edx & 1u << 28);                /* HTT */
	assert_true(e->ecx & 1u << 24);                /* TSC-deadline */
	assert_true(e->ecx & 1u << 31);                /* hypervisor */
	assert_int_equal(get(c, 4, 0)->eax >> 26, 1);  /* 2 cores per package */
	assert_int_equal((get(c, 4, 0)->eax >> 14) & 0xfff, 1); /* L1d: the core's 2 threads */
	assert_int_equal((get(c, 4, 2)->eax >> 14) & 0xfff, 1); /* L2 likewise */
	assert_int_equal((get(c, 4, 3)->eax >> 14) & 0xfff, 3); /* L3: the package's 4 */
	assert_int_equal(get(c, 4, 4)->eax, 0);                 /* the end stays the end */
	assert_int_equal(get(c, 0xa, 0)->eax, 0);               /* no PMU */
	for (uint32_t fn = 0xb; fn <= 0x1f; fn += 0x14) {
		e = get(c, fn, 0);
		assert_true(e->eax == 1 && e->ebx == 2 && e->ecx == 0x100 && e->edx == 5);
		e = get(c, fn, 1);
		assert_true(e->eax == 2 && e->ebx == 4 && e->ecx == 0x201 && e->edx == 5);
		e = get(c, fn, 2);
		assert_true(e->eax == 0 && e->ebx == 0 && e->ecx == 2 && e->edx == 5);
		assert_null(get(c, fn, 3));
	}
	e = get(c, 0x80000008, 0);
	assert_int_equal(e->ecx, 2 << 12 | 3);  /* 2 APIC ID bits, 4 threads per package */
	assert_int_equal(e->eax, 0x3027);       /* address sizes untouched */
	free(c);
}

static void test_defaults(void **state)
{
	struct cpu_topology t = { .sockets = 1, .cores = 3, .threads = 1 };
	struct kvm_cpuid2 *c = list(intel, N(intel));
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	x86_guest_cpuid(c, &t, 2, false);
	e = get(c, 1, 0);
	assert_int_equal(e->ebx >> 24, 2);
	assert_int_equal((e->ebx >> 16) & 0xff, 4); /* 3 cores: 2 bits of APIC ID */
	assert_false(e->ecx & 1u << 24);            /* KVM offers no TSC-deadline */
	assert_true(get(c, 0xb, 0)->eax == 0 && get(c, 0xb, 0)->ebx == 1);
	assert_true(get(c, 0xb, 1)->eax == 2 && get(c, 0xb, 1)->ebx == 3);
	assert_int_equal((get(c, 4, 0)->eax >> 14) & 0xfff, 0); /* L1: one thread */
	free(c);

	t = (struct cpu_topology){ .sockets = 1, .cores = 1, .threads = 1 };
	c = list(intel, N(intel));
	x86_guest_cpuid(c, &t, 0, false);
	assert_false(get(c, 1, 0)->edx & 1u << 28); /* one CPU: no HTT, whatever the host says */
	assert_int_equal((get(c, 1, 0)->ebx >> 16) & 0xff, 1);
	assert_int_equal(get(c, 0x80000008, 0)->ecx, 0);
	free(c);
}

static void test_amd_threads(void **state)
{
	struct cpu_topology t = { .sockets = 2, .cores = 1, .threads = 2 };
	struct kvm_cpuid2 *c = list(amd, N(amd));
	const struct kvm_cpuid_entry2 *e;

	(void)state;
	x86_guest_cpuid(c, &t, 3, true); /* socket 1, thread 1: APIC ID 3 */
	assert_true(get(c, 0x80000001, 0)->ecx & 1u << 22); /* TOPOEXT */
	assert_true(get(c, 0x80000001, 0)->ecx & 1);        /* the rest kept */
	assert_true(get(c, 0x80000000, 0)->eax >= 0x8000001e);
	e = get(c, 0x8000001e, 0);
	assert_non_null(e);
	assert_int_equal(e->eax, 3);        /* extended APIC ID */
	assert_int_equal(e->ebx, 1 << 8);   /* 2 threads per core, core 0 */
	assert_int_equal(e->ecx, 1);        /* node = socket 1 */
	assert_int_equal(get(c, 0x80000008, 0)->ecx, 1 << 12 | 1);
	assert_true(get(c, 0xb, 0)->eax == 1 && get(c, 0xb, 0)->ebx == 2 && get(c, 0xb, 0)->edx == 3);
	free(c);

	/* single-thread cores: AMD's leaves as KVM gives them, TOPOEXT not added */
	t = (struct cpu_topology){ .sockets = 1, .cores = 4, .threads = 1 };
	c = list(amd, N(amd));
	x86_guest_cpuid(c, &t, 1, false);
	assert_false(get(c, 0x80000001, 0)->ecx & 1u << 22);
	assert_null(get(c, 0x8000001e, 0));
	assert_int_equal(get(c, 0x80000008, 0)->ecx, 2 << 12 | 3);
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intel_two_sockets),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_amd_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
