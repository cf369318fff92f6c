/* "ptvm run": build the VM from the configuration, boot it, wait for it to end. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "vmm/api.h"
#include "vmm/arch.h"
#include "vmm/cmd.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/devtype.h"
#include "vmm/log.h"
#include "vmm/notify.h"
#include "vmm/pci.h"
#include "vmm/powerdown.h"
#include "vmm/seccomp_policy.h"
#include "vmm/util.h"
#include "vmm/coalesced.h"
#include "vmm/exit_stats.h"
#include "vmm/vcpu.h"

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: ptvm run --kernel BZIMAGE|VMLINUX [--initrd FILE] [--cmdline TEXT] [OPTIONS]\n"
		"       ptvm run --payload FILE [OPTIONS]\n"
		"       ptvm run --config VM.dtb|VM.dts [--set /NODE/PROP=VALUE]... [OPTIONS]\n\n"
		"Boots one guest on KVM and runs until it powers off or reboots.\n\n"
		"  --config FILE      read the VM from a boot config: a device tree blob, or a\n"
		"                     .dts compiled with dtc (schema: docs/boot-config.md); the\n"
		"                     other options override it, --device adds devices to it\n"
		"  --set /N/P=VALUE   change property P of node N in the config before reading it\n"
		"                     (e.g. --set /devices/nic0/bdf=0000:00:03.0, --set\n"
		"                     /devices/nic0/status=disabled); 'ptvm config --dump' shows\n"
		"                     the result\n"
		"  --kernel FILE      Linux x86_64: a bzImage (boot protocol 2.12+, 64-bit entry)\n"
		"                     or an uncompressed vmlinux with a PVH entry (CONFIG_PVH;\n"
		"                     no decompression: the faster boot); told apart by content\n"
		"  --initrd FILE      initramfs, placed as high in low memory as the kernel allows\n"
		"  --cmdline TEXT     kernel command line (default \"%s\")\n"
		"  --payload FILE     a flat binary entered at 1 MiB in 32-bit protected mode\n"
		"  --memory SIZE      guest RAM (default 512M; suffixes K, M, G; at least 4M)\n"
		"  --cpus N[,sockets=S][,cores=C][,threads=T]\n"
		"                     vCPUs, 1 to %d (default 1), and their topology: S\n"
		"                     sockets of C cores of T threads (default 1 socket of\n"
		"                     single-thread cores); counts not given are worked out\n"
		"  --hugepages[=SIZE] back guest RAM with huge pages of SIZE, 2M (the default)\n"
		"                     or 1G (hugetlbfs; the host's pool must hold enough)\n"
		"  --console KIND     stdio (default; raw mode on a terminal, Ctrl-A x quits),\n"
		"                     file:PATH (output only), pty (prints the pseudo-terminal\n"
		"                     to open), unix:PATH ('ptvm console PATH' attaches and\n"
		"                     detaches; mode 0600), or none\n"
		"  --console-log FILE append all guest output to FILE, beside any console\n"
		"  --api unix:PATH    a control socket (mode 0600) for 'ptvm ctl PATH status',\n"
		"                     'powerdown', 'stop'; one JSON object per line each way\n"
		"  --shutdown-timeout SECONDS\n"
		"                     SIGTERM or SIGINT presses the guest's power button\n"
		"                     and gives it this long to power off (default %d; 0:\n"
		"                     stop at once); a second signal stops it at once\n"
		"  --user USER        once the devices are open, become USER (a name from\n"
		"                     /etc/passwd, or UID[:GID]): for a ptvm started as root;\n"
		"                     the --api and --console sockets are handed to USER\n"
		"  --seccomp MODE     after setup, allow only the system calls a running VM\n"
		"                     needs: enforce (the default: a forbidden call is named\n"
		"                     on stderr and ptvm dies of SIGSYS), log (named, then\n"
		"                     allowed), or off (docs/confinement.md)\n"
		"  --verbose          print each setup step with its time on stderr\n"
		"  --stats            at the end, print on stderr the guest's exits to ptvm by\n"
		"                     reason and the ten busiest ports and MMIO addresses\n"
		"  --dump-dtb FILE    build the VM, write the device tree its guest would boot\n"
		"                     with to FILE, and stop without starting it (arm64)\n"
		"  --iommufd FD       use this open /dev/iommu (from a management stack) for all\n"
		"                     assigned devices; ptvm does not close it\n"
		"  --device SPEC      add a device; types:\n",
		arch_default_cmdline, VM_MAX_CPUS, DEFAULT_SHUTDOWN_TIMEOUT);
	PTVM_FOREACH(ptvm_device_types, t)
		fprintf(f, "                       %s\n                         %s\n", t->usage, t->help);
	fprintf(f, "\n%s", arch_board_help);
	fputs("Exit status: 0 when the guest powers off or reboots; 1 when the VM fails (a\n"
	      "triple fault, a KVM error; registers are printed); 2 for bad options or a\n"
	      "kernel it cannot boot (found before any VM exists); 3 when\n"
	      "the guest did not power off within --shutdown-timeout of its power button;\n"
	      "128+N when stopped by signal N: the second one, or the first if the guest\n"
	      "does not listen to its power button, and SIGHUP at once (130 also for\n"
	      "Ctrl-A x); 159 (SIGSYS) when --seccomp enforce stopped a forbidden call.\n", f);
}

/* --stats: every vCPU's exits merged, by reason, then the busiest addresses with the
 * device that claims each. */
static void print_exit_stats(struct vm *vm, FILE *f)
{
	struct exit_stats *all = calloc(1, sizeof(*all));
	struct exit_stats_row top[10];
	int n, distinct;

	if (!all)
		return;
	for (int i = 0; i < vm->ncpus; i++)
		if (vm->vcpus[i].stats)
			exit_stats_merge(all, vm->vcpus[i].stats);
	fprintf(f, "ptvm: stats: %llu exits to ptvm", (unsigned long long)exit_stats_total(all));
	for (int i = 0; i < vm->ncpus && vm->ncpus > 1; i++)
		fprintf(f, "%s vCPU %d %llu", i ? "," : " (", i,
			(unsigned long long)vm->vcpus[i].exits);
	fprintf(f, "%s; %llu port writes queued by KVM without an exit\nptvm: stats: by reason:",
		vm->ncpus > 1 ? ")" : "", (unsigned long long)vm->coalesced.writes);
	for (uint32_t r = 0; r <= EXIT_STATS_REASONS; r++) {
		const char *name = exit_stats_reason_name(r);

		if (!all->reason[r])
			continue;
		if (r == EXIT_STATS_REASONS)
			fprintf(f, " other %llu", (unsigned long long)all->reason[r]);
		else if (name)
			fprintf(f, " %s %llu", name, (unsigned long long)all->reason[r]);
		else
			fprintf(f, " reason-%u %llu", r, (unsigned long long)all->reason[r]);
	}
	n = exit_stats_top(all, top, 10, &distinct);
	fprintf(f, "\nptvm: stats: busiest addresses (%d of %d):\n", n, distinct);
	for (int i = 0; i < n; i++) {
		struct bus *b = top[i].mmio ? &vm->mmio : &vm->pio;
		const char *dev = bus_name_at(b, top[i].addr);

		fprintf(f, "ptvm: stats:   %-4s 0x%-10llx %-16s %llu\n", top[i].mmio ? "mmio" : "pio",
			(unsigned long long)top[i].addr, dev ? dev : "(nothing)",
			(unsigned long long)top[i].n);
	}
	if (all->untabled)
		fprintf(f, "ptvm: stats:   %llu more at addresses beyond the table\n",
			(unsigned long long)all->untabled);
	free(all);
}

/* Waits for the VM to stop: a vCPU or device asks, SIGTERM or SIGINT asks the guest to
 * power off (powerdown.c), SIGHUP stops it at once. Console input is pumped here, so vCPU
 * threads never block on the terminal. */
static void wait_for_stop(struct vm *vm, int sfd)
{
	enum { FIXED = 3 };
	struct pollfd p[FIXED + VM_MAX_POLLS + CONSOLE_MAX_POLLS + API_MAX_POLLS] = {
		{ .fd = vm->stop_fd, .events = POLLIN },
		{ .fd = sfd, .events = POLLIN },
		{ .fd = coalesced_timer_fd(vm), .events = POLLIN },
	};

	for (int i = 0; i < vm->npolls; i++)
		p[FIXED + i] = (struct pollfd){ .fd = vm->polls[i].fd, .events = POLLIN };
	while (!vm_stopping(vm)) {
		struct pollfd *con = p + FIXED + vm->npolls;
		int ncon = console_fill(vm->console, con, CONSOLE_MAX_POLLS);
		int napi = api_fill(vm, con + ncon, API_MAX_POLLS);

		if (poll(p, (nfds_t)(FIXED + vm->npolls + ncon + napi), -1) < 0)
			continue;
		vm->wakeups++;
		if (p[1].revents & POLLIN) {
			struct signalfd_siginfo si;
			char why[64];

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				snprintf(why, sizeof(why), "stopped by signal %s",
					 strsignal((int)si.ssi_signo));
				if (si.ssi_signo == SIGHUP)
					vm_request_stop(vm, 128 + (int)si.ssi_signo, "%s", why);
				else
					powerdown_request(vm, 128 + (int)si.ssi_signo, why);
			}
		}
		console_service(vm->console, con, ncon);
		if (p[2].revents & POLLIN)
			coalesced_timer(vm); /* queued writes no exit came for */
		for (int i = 0; i < vm->npolls; i++)
			if (p[FIXED + i].revents & POLLIN)
				vm->polls[i].fn(vm->polls[i].opaque);
		api_service(vm, con + ncon, napi);
	}
}

/* Fixed guest PCI slots (slot=N) are set aside before any device is placed on the bus
 * (realize), so that a device placed automatically never takes the slot a later one asks
 * for. */
static void reserve_slots(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	char key[16], val[128];
	uint64_t n;

	for (int i = 0; vm->pci && i < cfg->ndevices; i++) {
		const char *o = cfg->devices[i].opts;

		while (opts_next(cfg->devices[i].type, &o, key, sizeof(key), val, sizeof(val)) > 0)
			if (!strcmp(key, "slot") && !parse_u64(val, PCI_SLOTS - 1, &n) && n)
				vm->pci->reserved |= 1u << n;
	}
	err_clear(); /* a malformed option is reported when its device is created */
}

/* Creates the --device devices whose type is (or is not) created before guest RAM. */
static int create_devices(struct vm *vm, bool before_ram)
{
	const struct vm_config *cfg = vm->cfg;
	int r;

	for (int i = 0; i < cfg->ndevices; i++) {
		const struct device_type *t = device_type_find(cfg->devices[i].type);

		if (!t)
			return err_msg(EINVAL, "--device: unknown type '%s' (see 'ptvm run --help')",
				       cfg->devices[i].type);
		if (t->before_ram != before_ram)
			continue;
		if ((r = t->create(vm, cfg->devices[i].opts)) < 0)
			return cfg->devices[i].name[0]
			       ? err_ctx(r, "config %s: /devices/%s", cfg->source, cfg->devices[i].name) : r;
	}
	return 0;
}

static int build(struct vm *vm)
{
	const struct vm_config *cfg = vm->cfg;
	int r;

	/* Assigned devices first: attached to the IOAS, they tell which ranges the IOMMU
	 * reserves, and guest RAM is laid out around them. Then the vCPUs (on arm64 the
	 * interrupt controller, which devices need, is ready only once all of them exist),
	 * the board, and the other devices, in the order named (the last console device
	 * takes the console's input). */
	if ((r = console_create(vm)) < 0 || (r = create_devices(vm, true)) < 0 ||
	    (r = vm_create_ram(vm)) < 0 || (r = vcpus_create(vm, cfg->cpus)) < 0 ||
	    (r = arch_create_devices(vm)) < 0 || (r = create_devices(vm, false)) < 0)
		return r;
	reserve_slots(vm);
	PTVM_FOREACH(ptvm_device_types, t)
		if (t->realize && (r = t->realize(vm)) < 0)
			return r;
	log_step("devices ready");
	if ((r = arch_load(vm)) < 0)
		return r;
	log_step("%s loaded", cfg->kernel ? "kernel" : "payload");
	return vcpus_entry(vm);
}

/* --user: every device, socket and file is open; hand the sockets to the user (so that
 * its `ptvm ctl` and `ptvm console` may connect) and become it before any vCPU runs. */
static int become_user(const struct vm_config *cfg)
{
	const char *socks[2] = { cfg->api_path,
				 cfg->console == CONSOLE_UNIX ? cfg->console_path : NULL };
	int r;

	for (int i = 0; i < 2; i++)
		if (socks[i] && chown(socks[i], cfg->user.uid, cfg->user.gid) < 0)
			return err_errno(errno, "--user %s: hand %s to the user", cfg->user.name,
					 socks[i]);
	if ((r = run_user_drop(&cfg->user)) < 0)
		return r;
	log_step("running as %s (uid %u, gid %u)", cfg->user.name, (unsigned)cfg->user.uid,
		 (unsigned)cfg->user.gid);
	return 0;
}

static int run_main(int argc, char **argv)
{
	struct vm_config cfg;
	char why[1024];
	struct vm vm;
	sigset_t sigs;
	double after_button = -1;
	int r, sfd, status;

	if (config_parse_run(argc, argv, &cfg) < 0) {
		fprintf(stderr, "ptvm run: %s (see 'ptvm run --help')\n", err_get());
		config_free(&cfg);
		return EXIT_USAGE;
	}
	log_verbose = cfg.verbose;
	/* Blocked before any thread exists, so only the signalfd sees them. */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC);
	if (sfd < 0) {
		config_free(&cfg);
		return err_errno(errno, "signalfd");
	}

	/* a kernel this build cannot boot is a usage error, found before any VM exists */
	if (arch_check_kernel(&cfg) < 0) {
		fprintf(stderr, "ptvm: %s\n", err_get());
		close(sfd);
		config_free(&cfg);
		return EXIT_USAGE;
	}
	r = vm_create(&vm, &cfg);
	log_step("VM created");
	if (r < 0) {
		close(sfd);
		config_free(&cfg);
		return r;
	}
	r = build(&vm);
	/* --dump-dtb: the device tree the guest would boot with is the whole run, which stops
	 * (and is torn down and told) as any other before its vCPUs start */
	if (r == 0 && cfg.dump_dtb) {
		if ((r = arch_dump_dtb(&vm, cfg.dump_dtb)) < 0)
			goto stop;
		vm_request_stop(&vm, VM_EXIT_OK, "the guest's device tree (%d bytes) written to "
				"%s; the guest was not started", r, cfg.dump_dtb);
		r = 0;
		goto stop;
	}
	if (r == 0)
		r = powerdown_init(&vm);
	if (r == 0 && cfg.api_path)
		r = api_open(&vm, cfg.api_path);
	if (r == 0 && cfg.user.set)
		r = become_user(&cfg);
	for (int i = 0; r == 0 && cfg.stats && i < vm.ncpus; i++)
		if (!(vm.vcpus[i].stats = calloc(1, sizeof(struct exit_stats))))
			r = err_msg(ENOMEM, "out of memory for the exit statistics");
	if (r == 0) {
		vm.started_ns = monotonic_ns();
		r = vcpus_start(&vm);
	}
	/* After the last thread is started and the last device opened: from here on only
	 * the running VM's calls (vmm/seccomp_policy.c). */
	if (r == 0)
		r = seccomp_install(cfg.seccomp);
	if (r == 0)
		vcpus_release(&vm); /* the guest runs from here, confined */
	if (r == 0) {
		log_step("%d vCPU(s) running", cfg.cpus);
		notify_manager("READY=1\nSTATUS=running: %d vCPU(s), %llu MiB of RAM, %d device(s)",
			     cfg.cpus, (unsigned long long)(cfg.memory >> 20), cfg.ndevices);
		wait_for_stop(&vm, sfd);
		after_button = powerdown_elapsed(&vm);
		/* its first line: a newline would start another variable */
		notify_manager("STOPPING=1\nSTATUS=stopping: %.*s",
			       (int)strcspn(vm.exit_reason, "\n"), vm.exit_reason);
	}
stop:
	api_close(&vm); /* answers already given go out; no new requests */
	vcpus_stop(&vm);
	coalesced_drain(&vm); /* what the guest wrote last, if no exit followed it */
	for (int i = 0; i < vm.ncpus; i++)
		log_step("vCPU %d: %llu exits to ptvm", i, (unsigned long long)vm.vcpus[i].exits);
	if (cfg.stats && r == 0)
		print_exit_stats(&vm, stderr);
	log_step("main thread: %llu wake-ups", (unsigned long long)vm.wakeups);
	/* Teardown may hit errors of its own; the one that stopped the VM is the one to tell. */
	if (r < 0)
		snprintf(why, sizeof(why), "%s", err_get());
	vcpus_destroy(&vm);
	status = vm.exit_status;
	if (r == 0 && status == VM_EXIT_OK && after_button >= 0)
		fprintf(stderr, "ptvm: %s, %.2f s after its power button\n", vm.exit_reason,
			after_button);
	else if (r == 0)
		fprintf(stderr, "ptvm: %s\n", vm.exit_reason);
	vm_destroy(&vm);
	close(sfd);
	config_free(&cfg);
	if (r < 0)
		err_msg(r, "%s", why);
	return r < 0 ? r : status;
}

static const struct ptvm_cmd cmd_run = {
	.name = "run",
	.summary = "boot a guest",
	.usage = run_usage,
	.main = run_main,
};
PTVM_COMMAND(cmd_run);
