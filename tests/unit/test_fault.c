/* Fault injection over the whole of `ptvm run` with an assigned device, on the simulated
 * kernel: command line -> VM -> guest RAM -> iommufd, KVM-VFIO device, cdev open, bind,
 * attach, reset, BARs, interrupts -> payload -> vCPUs -> a scripted guest that finds the
 * device, enables MSI and MSI-X and powers off -> teardown. The same on each architecture:
 * the guest's accesses become that board's exits (tests/unit/sim_guest_ARCH.c) and the
 * simulated kernel has that architecture's ioctls and their order (sim_kvm_ARCH.c).
 *
 * A clean run counts the calls into the kernel (the sites). Then, for every site k and
 * each errno that call can plausibly return, the run is repeated with call k failing.
 * Every time:
 *  - the failure is told: a setup failure makes `ptvm run` return an error whose message
 *    names the step (context before the call) and the call with its errno; a vCPU failure
 *    stops the VM with the call and errno on stderr; where ptvm carries on (a BAR that
 *    traps instead of being mapped, a guest's MSI that stays off) a warning names the call
 *    and errno; only teardown failures and failed closes (Linux releases the fd anyway)
 *    pass silently;
 *  - afterwards nothing is left: no fd, mapping, IOAS mapping or memslot;
 *  - no undo ran twice and nothing was used after close (the simulated kernel counts).
 * It prints "fault injection: S sites x errnos = R runs ..." for the record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "passthrough/pci_sysfs.h"
#include "tests/unit/fake_sysfs.h"
#include "tests/unit/sim_device.h"
#include "tests/unit/sim_guest.h"
#include "tests/unit/sim_kernel.h"
#include "vmm/cmd.h"
#include "vmm/err.h"
#include "vmm/sys.h"

static const struct ptvm_cmd *run_cmd;
static char payload[64];
static const char *sysroot;

/* --- the guest ------------------------------------------------------------------------ */

enum op_kind { CFG_W, CFG_R_BAR3, MMIO_W, MMIO_R, END };

struct op {
	enum op_kind kind;
	uint32_t reg;  /* config register, or offset into BAR3 */
	uint32_t val;  /* MSI_ADDR: the board's MSI address */
	uint32_t size;
};

#define MSI_ADDR 0xffffffffu

/* After finding the device: program MSI and enable it, disable it, then program MSI-X
 * vector 0 through the trapped table, enable MSI-X, read the PBA, disable. */
static const struct op program[] = {
	{ CFG_W, 0x54, MSI_ADDR, 4 },   { CFG_W, 0x58, 0, 4 }, { CFG_W, 0x5c, 0x41, 4 },
	{ CFG_W, 0x50, 0x00010000, 4 }, /* MSI enable */
	{ CFG_W, 0x50, 0, 4 },          /* MSI disable */
	{ CFG_R_BAR3, 0x1c, 0, 4 },     { CFG_W, 0x04, 0x0006, 4 }, /* memory decode, bus master */
	{ MMIO_W, 0x0, MSI_ADDR, 4 },   { MMIO_W, 0x4, 0, 4 },     { MMIO_W, 0x8, 0x42, 4 },
	{ MMIO_W, 0xc, 0, 4 },          /* vector 0 unmasked */
	{ CFG_W, 0x80, 0x80000000, 4 }, /* MSI-X enable */
	{ MMIO_R, 0x2000, 0, 8 },       /* PBA */
	{ CFG_W, 0x80, 0, 4 },          /* MSI-X disable */
	{ END, 0, 0, 0 },
};

struct guest {
	int phase;       /* 0 UART, 1 scan, 2 program, 3 power off, 4 powered off */
	int slot, scan, pc;
	struct sim_access cur; /* the access under way (sim_guest.h makes its exits) */
	int part;
	bool busy, last_part;
	uint32_t bar3;
	bool found;
};

static struct guest g;

/* The access that just completed brought val (a read's): move the script on. */
static void completed(uint32_t val)
{
	const struct sim_access *a = &g.cur;

	if (g.phase == 1 && a->kind == SIM_CFG_READ) {
		if (val == 0x11e81234) {
			g.slot = g.scan;
			g.found = true;
			g.phase = 2;
		} else if (++g.scan == 32) {
			g.phase = 3;
		}
	} else if (g.phase == 2 && a->kind == SIM_CFG_READ) {
		g.bar3 = val & ~0xfu; /* CFG_R_BAR3 */
	}
}

/* The script's next access, or false once it has powered off. */
static bool next(struct sim_access *a)
{
	const struct op *o;

	memset(a, 0, sizeof(*a));
	switch (g.phase) {
	case 0:
		a->kind = SIM_UART_OUT;
		a->val = 'x';
		g.phase = 1;
		return true;
	case 1: /* for each slot: read its IDs */
		a->kind = SIM_CFG_READ;
		a->slot = (uint32_t)g.scan;
		return true;
	case 2:
		o = &program[g.pc];
		if (o->kind == END) {
			g.phase = 3;
			return next(a);
		}
		g.pc++;
		a->val = o->val == MSI_ADDR ? sim_guest_msi_address : o->val;
		a->size = o->size;
		a->slot = (uint32_t)g.slot;
		a->reg = o->reg;
		a->addr = g.bar3 + o->reg;
		a->kind = o->kind == CFG_W ? SIM_CFG_WRITE : o->kind == CFG_R_BAR3 ? SIM_CFG_READ
			: o->kind == MMIO_W ? SIM_MMIO_WRITE : SIM_MMIO_READ;
		return true;
	case 3:
		a->kind = SIM_POWEROFF;
		g.phase = 4;
		return true;
	}
	return false;
}

static bool guest_step(struct kvm_run *run, void *ctx)
{
	(void)ctx;
	if (g.busy && !g.last_part) {
		g.last_part = sim_guest_exit(run, &g.cur, ++g.part);
		return true;
	}
	if (g.busy) {
		completed(sim_guest_read_value(run));
		g.busy = false;
	}
	if (!next(&g.cur))
		return false; /* asked to run after poweroff: halt, which the monitor reports */
	g.busy = true;
	g.part = 0;
	g.last_part = sim_guest_exit(run, &g.cur, 0);
	return true;
}

/* --- one run of `ptvm run` ------------------------------------------------------------- */

struct outcome {
	int ret;
	char msg[1024];     /* err_get() for a negative return */
	char out[4096];     /* what ptvm wrote on stderr */
};

static void run_argv(int argc, char **argv, long fail_at, int err, struct outcome *o)
{
	FILE *cap = tmpfile();
	int saved = dup(2);
	size_t n;

	assert_non_null(cap);
	sim.fail_at = fail_at;
	sim.fail_errno = err;
	sim.guest = guest_step;
	memset(&g, 0, sizeof(g));
	err_clear();
	fflush(stderr);
	dup2(fileno(cap), 2);
	o->ret = run_cmd->main(argc, argv);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	snprintf(o->msg, sizeof(o->msg), "%s", o->ret < 0 ? err_get() : "");
	rewind(cap);
	n = fread(o->out, 1, sizeof(o->out) - 1, cap);
	o->out[n] = '\0';
	fclose(cap);
}

static void run_once(long fail_at, int err, struct outcome *o)
{
	char *argv[] = { "run", "--payload", payload, "--memory", "8M", "--cpus", "2",
			 "--console", "none", "--device", "vfio,bdf=0000:03:00.0", NULL };

	sim_reset();
	sim_device_model(false);
	run_argv((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv, fail_at, err, o);
}

static bool clean(const char *what)
{
	char open[512];

	sim_describe_open(open, sizeof(open));
	if (sim_objects_open() || sim.bad_closes || sim.bad_undos || sim.bad_uses) {
		printf("FAIL %s: left open:%s; double closes %d, undos of nothing %d, uses after "
		       "close %d\n", what, open, sim.bad_closes, sim.bad_undos, sim.bad_uses);
		return false;
	}
	return true;
}

/* --- the clean run -------------------------------------------------------------------- */

static long nsites, first_run, last_run;
static char sites[SIM_MAX_SITES][40];

static void test_clean_run(void **state)
{
	struct outcome o;

	(void)state;
	run_once(0, 0, &o);
	if (o.ret != 0)
		fail_msg("clean run returned %d: %s%s", o.ret, o.msg, o.out);
	assert_true(g.found);             /* the guest saw the device at its slot */
	assert_int_equal(g.phase, 4);     /* and went all the way to poweroff */
	assert_true(g.bar3 != 0);
	assert_int_equal(sim.hot_resets + sim.resets, 2); /* at setup and at teardown */
	assert_int_equal(sim.map_file_calls, 1);           /* guest RAM went in by its memfd */
	if (!sim_guest_vm_ok(o.msg, sizeof(o.msg)))         /* as the architecture's KVM needs */
		fail_msg("%s", o.msg);
	/* every vCPU existed before the first interrupt eventfd (the device's INTx, at
	 * setup): on arm64 KVM takes none before its vGIC, which needs all vCPUs, is ready */
	assert_int_equal(sim.vcpus_at_first_irqfd, 2);
	assert_true(clean("clean run"));
	/* the filter went on before the guest ran, and allowed all that came after */
	assert_true(sim.seccomp_on);
	assert_true(sim.seccomp_checked > 20);
	if (sim.seccomp_denied)
		fail_msg("the seccomp filter would forbid %d call(s), the first %s",
			 sim.seccomp_denied, sim.seccomp_denied_call);
	nsites = sim.calls;
	assert_true(nsites > 50 && nsites <= SIM_MAX_SITES);
	memcpy(sites, sim.site, sizeof(sites));
	first_run = last_run = 0;
	for (long k = 1; k <= nsites; k++)
		if (!strcmp(sites[k - 1], "KVM_RUN")) {
			if (!first_run)
				first_run = k;
			last_run = k;
		}
	assert_true(first_run > 0);
	if (getenv("PTVM_FAULT_SITES")) /* for whoever extends the path: where is call k? */
		for (long k = 1; k <= nsites; k++)
			printf("site %3ld  %-9s %s\n", k, k < first_run ? "setup" : k <= last_run ? "guest"
							 : "teardown", sites[k - 1]);
}

/* A device fd from a management stack named twice: refused before the second device
 * holds it (it would close the first one's fd at teardown). */
static void test_fd_given_twice(void **state)
{
	char spec[32];
	struct outcome o;
	int fd;

	(void)state;
	sim_reset();
	sim_device_model(false);
	fd = sys_open(SIM_VFIO_CDEV, 2 /* O_RDWR */);
	assert_true(fd >= 0);
	snprintf(spec, sizeof(spec), "vfio,fd=%d", fd);
	{
		char *argv[] = { "run", "--payload", payload, "--memory", "8M", "--console", "none",
				 "--device", spec, "--device", spec, NULL };

		run_argv(11, argv, 0, 0, &o);
	}
	assert_true(o.ret < 0);
	if (!strstr(o.msg, "is given twice"))
		fail_msg("message: %s", o.msg);
	assert_int_equal(sim.bad_closes, 0);
	assert_int_equal(sim.bad_uses, 0);
	assert_int_equal(sim_objects_open(), 0); /* ptvm closed it once, as it does */
}

/* One plain run (8 MiB, the device, the scripted guest) on the simulated kernel as the
 * caller set it up. */
static void run_plain(struct outcome *o)
{
	char *argv[] = { "run", "--payload", payload, "--memory", "8M", "--console", "none",
			 "--device", "vfio,bdf=0000:03:00.0", NULL };

	sim.guest = guest_step;
	memset(&g, 0, sizeof(g));
	run_argv(9, argv, 0, 0, o);
}

/* Guest RAM is pinned where it is mapped into the IOAS (the devices are attached first,
 * so it has a domain): a memlock limit too low is reported there, with the fix. */
static void test_memlock_at_map(void **state)
{
	struct outcome o;

	(void)state;
	sim_reset();
	sim_device_model(false);
	sim.memlock_budget = 4 << 20;
	run_plain(&o);
	assert_true(o.ret < 0);
	if (!strstr(o.msg, "IOMMU_IOAS_MAP") || !strstr(o.msg, "RLIMIT_MEMLOCK") ||
	    !strstr(o.msg, "8 MiB"))
		fail_msg("message: %s", o.msg);
	assert_true(clean("memlock at map"));
}

/* An IOMMU that reserves a range where guest RAM would go (as the SMMU's software MSI
 * window does on arm64): RAM is laid out around it, in KVM's memslots and in the IOAS
 * alike, and the guest still finds and drives its device; the same amount of RAM. */
static void test_ram_around_reserved(void **state)
{
	char *argv[] = { "run", "--payload", payload, "--memory", "64M", "--console", "none",
			 "--verbose", "--device", "vfio,bdf=0000:03:00.0", NULL };
	const uint64_t start = 0x2000000, last = 0x20fffff; /* 32 MiB: 1 MiB reserved */
	uint64_t slots = 0, mapped = 0;
	struct outcome o;

	(void)state;
	sim_reset();
	sim_device_model(false);
	sim.resv_start = start;
	sim.resv_last = last;
	sim.guest = guest_step;
	memset(&g, 0, sizeof(g));
	run_argv(10, argv, 0, 0, &o);
	if (o.ret != 0)
		fail_msg("returned %d: %s%s", o.ret, o.msg, o.out);
	assert_true(g.found);
	assert_int_equal(g.phase, 4);
	if (!strstr(o.out, "guest RAM at [0x0, 0x1ffffff] (32 MiB), [0x2200000, 0x41fffff] (32 MiB)") ||
	    !strstr(o.out, "guest RAM avoids [0x2000000, 0x20fffff]: reserved by the IOMMU"))
		fail_msg("the layout was not told: %s", o.out);
	/* what KVM and the IOMMU were given, from the simulation's log of memslots and IOAS
	 * mappings made: RAM memslots are those below the 32-bit MMIO window (BARs above) */
	for (int i = 0; i < sim.nslot_log; i++) {
		const struct sim_range *q = &sim.slot_log[i];

		assert_true(q->start + q->size - 1 < start || q->start > last);
		slots += q->start < 0xc0000000ull ? q->size : 0;
	}
	for (int i = 0; i < sim.niomap_log; i++) {
		const struct sim_range *q = &sim.iomap_log[i];

		assert_true(q->start + q->size - 1 < start || q->start > last);
		mapped += q->size;
	}
	assert_true(slots == 64ull << 20);
	assert_true(mapped == 64ull << 20);
	assert_true(clean("ram around a reserved range"));
}

/* A kernel before 6.13 has no IOMMU_IOAS_MAP_FILE: guest RAM goes in by address, and
 * nothing is said unless asked (--verbose). */
static void test_map_file_absent(void **state)
{
	struct outcome o;

	(void)state;
	sim_reset();
	sim_device_model(false);
	sim.no_map_file = true;
	run_plain(&o);
	if (o.ret != 0)
		fail_msg("returned %d: %s%s", o.ret, o.msg, o.out);
	assert_int_equal(sim.map_file_calls, 0);
	assert_true(g.found);
	assert_null(strstr(o.out, "warning"));
	assert_true(clean("map-file absent"));
}

/* VF tokens (a VF whose PF is bound to vfio-pci): the right one binds; a missing or wrong
 * one, or one given to a device that takes none, is refused with what to do. */
static void token_run(bool required, const char *token, struct outcome *o)
{
	char spec[96];
	char *argv[] = { "run", "--payload", payload, "--memory", "8M", "--console", "none",
			 "--device", spec, NULL };
	static const uint8_t set[16] = { 0x3f, 0x2d, 0x6a, 0x7e, 0x9b, 0x1c, 0x4d, 0x5e,
					 0x8f, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

	snprintf(spec, sizeof(spec), "vfio,bdf=0000:03:00.0%s%s", token ? ",vf-token=" : "",
		 token ? token : "");
	sim_reset();
	sim_device_model(false);
	sim.vf_token_required = required;
	memcpy(sim.vf_token, set, 16);
	sim.guest = guest_step;
	memset(&g, 0, sizeof(g));
	run_argv(9, argv, 0, 0, o);
	assert_true(clean("vf token"));
}

static void test_vf_token(void **state)
{
	struct outcome o;

	(void)state;
	token_run(true, "3F2D6A7E-9B1C-4D5E-8F00-112233445566", &o);
	if (o.ret != 0)
		fail_msg("the right token: %d: %s", o.ret, o.msg);
	assert_true(g.found);
	token_run(true, NULL, &o);
	assert_true(o.ret == -EACCES && strstr(o.msg, "give the token the PF's user set"));
	token_run(true, "3f2d6a7e-9b1c-4d5e-8f00-112233445567", &o);
	assert_true(o.ret == -EACCES && strstr(o.msg, "is not the one its PF's user set"));
	token_run(false, "3f2d6a7e-9b1c-4d5e-8f00-112233445566", &o);
	assert_true(o.ret == -EINVAL && strstr(o.msg, "refused the VF token"));
	token_run(true, "3f2d6a7e-9b1c-4d5e-8f00-11223344556", &o); /* one digit short */
	assert_true(o.ret == -EINVAL && strstr(o.msg, "bad option vf-token="));
}

/* --- every site, every plausible errno ----------------------------------------------- */

static const int *errnos_for(const char *call)
{
	static const int open_e[] = { ENOENT, EACCES, EBUSY, 0 };
	static const int close_e[] = { EIO, EINTR, 0 };
	static const int fd_e[] = { EMFILE, ENOMEM, 0 };
	static const int trunc_e[] = { ENOSPC, EFBIG, 0 };
	static const int mmap_e[] = { ENOMEM, EAGAIN, 0 };
	static const int rw_e[] = { EIO, EINVAL, 0 };
	static const int run_e[] = { EFAULT, ENOMEM, 0 };
	static const int ioctl_e[] = { ENOMEM, EINVAL, EFAULT, 0 };

	if (!strcmp(call, "open"))
		return open_e;
	if (!strcmp(call, "close"))
		return close_e;
	if (!strcmp(call, "eventfd") || !strcmp(call, "memfd_create"))
		return fd_e;
	if (!strcmp(call, "ftruncate"))
		return trunc_e;
	if (!strcmp(call, "mmap"))
		return mmap_e;
	if (!strcmp(call, "pread") || !strcmp(call, "pwrite"))
		return rw_e;
	if (!strcmp(call, "KVM_RUN"))
		return run_e;
	return ioctl_e;
}

struct tally {
	int runs, errors, vm_errors, warnings, closes, silent_teardown;
	long confined; /* calls checked against the seccomp allow-list */
};

static bool check_one(long k, int e, struct tally *t)
{
	const char *call = sites[k - 1];
	const char *name = !strcmp(call, "open") ? "open /" : call;
	const char *why = strerror(e);
	char what[160];
	struct outcome o;

	snprintf(what, sizeof(what), "site %ld (%s) failing with %s", k, call, why);
	run_once(k, e, &o);
	t->runs++;
	if (strcmp(sim.failed_call, call)) {
		printf("FAIL %s: the run took another path (call %ld was '%s')\n", what, k,
		       sim.failed_call);
		return false;
	}
	if (!clean(what))
		return false;
	if (sim.seccomp_denied) {
		printf("FAIL %s: %d call(s) the seccomp filter forbids, the first %s\n", what,
		       sim.seccomp_denied, sim.seccomp_denied_call);
		return false;
	}
	t->confined += sim.seccomp_checked;
	if (o.ret < 0) {
		const char *at = strstr(o.msg, name);

		/* step: some context precedes the call's name; the errno follows it */
		if (!at || at == o.msg || !strstr(at, why)) {
			printf("FAIL %s: message does not name step, call and errno: '%s'\n", what,
			       o.msg);
			return false;
		}
		t->errors++;
		return true;
	}
	if (k < first_run && o.ret == 2 && strstr(o.out, name) && strstr(o.out, why)) {
		t->errors++; /* the kernel's pre-check: refused before any VM exists, saying why */
		return true;
	}
	if (k >= first_run && k <= last_run && o.ret == 1 && strstr(o.out, name) &&
	    strstr(o.out, why)) {
		t->vm_errors++; /* the VM stopped, saying why */
		return true;
	}
	if (o.ret != 0) {
		printf("FAIL %s: exit status %d, stderr: %s\n", what, o.ret, o.out);
		return false;
	}
	if (k > last_run) {
		t->silent_teardown++; /* nothing left to do but go on undoing */
		return true;
	}
	if (strstr(o.out, "warning") && strstr(o.out, name) && strstr(o.out, why)) {
		t->warnings++; /* told, and the guest runs on (slower, or without those vectors) */
		return true;
	}
	if (!strcmp(call, "close")) {
		t->closes++; /* Linux released the fd anyway; nothing ptvm closes holds data */
		return true;
	}
	printf("FAIL %s: ptvm carried on without a word; stderr: '%s'\n", what, o.out);
	return false;
}

static void test_every_site(void **state)
{
	struct tally t = { 0 };
	int failed = 0;

	(void)state;
	if (!nsites)
		skip();
	if (getenv("PTVM_FAULT_ONLY")) { /* "K:ERRNO": one case, with ptvm's stderr shown */
		long k = strtol(getenv("PTVM_FAULT_ONLY"), NULL, 0);
		const char *c = strchr(getenv("PTVM_FAULT_ONLY"), ':');
		struct outcome o;

		run_once(k, c ? atoi(c + 1) : EIO, &o);
		printf("site %ld (%s): returned %d, message '%s'\nstderr:\n%s", k, sim.failed_call,
		       o.ret, o.msg, o.out);
		clean("this run");
		return;
	}
	for (long k = 1; k <= nsites; k++)
		for (const int *e = errnos_for(sites[k - 1]); *e; e++)
			failed += !check_one(k, *e, &t);
	if (!failed)
		printf("fault injection: %ld sites (setup %ld, guest %ld, teardown %ld) x errnos = %d runs: "
	       "%d setup errors reported, %d VM stops, %d warnings, %d failed closes, "
	       "%d in teardown; 0 leaks, 0 double undos, 0 uses after close; %ld calls after "
	       "the seccomp filter went on, all on its allow-list\n",
	       nsites, first_run - 1, last_run - first_run + 1, nsites - last_run, t.runs, t.errors,
	       t.vm_errors, t.warnings, t.closes, t.silent_teardown, t.confined);
	if (failed)
		fail_msg("%d of %d runs failed (FAIL lines above)", failed, t.runs);
}

static int setup(void **state)
{
	static const struct fake_pci nic = { "0000:03:00.0", "0x1234", "0x11e8", "0x020000",
					     "vfio-pci", 7, "vfio0", "flr" };
	FILE *f;

	(void)state;
	PTVM_FOREACH(ptvm_cmds, c)
		if (!strcmp(c->name, "run"))
			run_cmd = c;
	if (!run_cmd)
		return -1;
	sysroot = fake_root_new();
	fake_pci_add(sysroot, &nic);
	pci_sysfs_root = sysroot;
	snprintf(payload, sizeof(payload), "%s/payload.bin", sysroot);
	f = fopen(payload, "w");
	if (!f)
		return -1;
	fputs("\xf4", f); /* hlt: never run, the guest is scripted */
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sim_reset();
	fake_root_free(sysroot);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clean_run),
		cmocka_unit_test(test_fd_given_twice),
		cmocka_unit_test(test_memlock_at_map),
		cmocka_unit_test(test_ram_around_reserved),
		cmocka_unit_test(test_map_file_absent),
		cmocka_unit_test(test_vf_token),
		cmocka_unit_test(test_every_site),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
