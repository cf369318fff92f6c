/* One VM: the KVM fds, guest RAM, buses, vCPUs, devices, and how it stops. */
#ifndef PTVM_VM_H
#define PTVM_VM_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/bus.h"
#include "vmm/err.h"

struct vm_config;
struct console;
struct pci_host;
struct irq_routes;
struct api;

struct mem_region {
	uint64_t gpa, size;
	uint8_t *hva;
};
#define VM_MAX_MEM 4

/* A guest-physical (or IOVA) range, both ends included. */
struct gpa_range {
	uint64_t start, last;
};
#define VM_MAX_RESERVED 16

struct exit_stats;

#define VCPU_RECENT 8

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool started;
	uint64_t exits; /* KVM_RUN returns to ptvm; written by its thread alone (relaxed
			   atomic stores), read by others with relaxed atomic loads */
	struct exit_stats *stats; /* --stats: this vCPU's exits by reason and address */
	struct vcpu_exit {        /* its last VCPU_RECENT exits, for a failure's report */
		uint32_t reason;
		bool write;
		uint64_t addr;    /* port or MMIO address, where the reason has one */
	} recent[VCPU_RECENT];
};

/* Devices the VM owns; torn down in reverse order of creation. */
struct device {
	const char *name;
	void (*teardown)(struct device *d);
	struct device *next;
};

/* An fd the main thread polls while the VM runs (console input, queue notifications),
 * with what to do when it is readable. */
struct vm_poll {
	int fd;
	void (*fn)(void *opaque);
	void *opaque;
};
#define VM_MAX_POLLS 8

/* A virtio-mmio device as the firmware tables describe it. */
struct vm_virtio_mmio {
	uint64_t base;
	uint32_t size, gsi;
};
#define VM_MAX_VIRTIO_MMIO 4

/* Why and how the VM ended: the process exit status and a sentence for the user. */
enum { VM_EXIT_OK = 0, VM_EXIT_ERROR = 1, VM_EXIT_SHUTDOWN_TIMEOUT = 3 };

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, vm_fd;
	int ram_fd;
	uint8_t *ram;
	uint64_t ram_size;
	struct mem_region mem[VM_MAX_MEM];
	int nmem;
	/* IOVA ranges guest RAM must avoid: what the IOMMU reserves for the assigned devices
	 * (passthrough/ fills it in as each is attached, before RAM is laid out) */
	struct gpa_range reserved[VM_MAX_RESERVED];
	int nreserved;
	struct bus pio, mmio;
	struct vcpu *vcpus;
	int ncpus;
	struct device *devices;
	struct console *console;
	struct pci_host *pci;
	void *passthrough; /* passthrough/'s per-VM state, opaque here */
	void *arch;

	uint32_t memslots_used; /* bitmap of KVM memslots in use (RAM and device memory) */
	struct irq_routes *irq;

	/* The vCPU threads wait here until the main thread releases them (vcpus_release):
	 * no guest instruction runs before the seccomp filter is on. */
	pthread_mutex_t gate_lock;
	pthread_cond_t gate;
	bool released;

	pthread_mutex_t stop_lock;
	int stop_fd;       /* eventfd written once when the VM should stop */
	bool stopping;
	int exit_status;
	uint64_t wakeups; /* times the main thread woke up */
	struct vm_poll polls[VM_MAX_POLLS];
	int npolls;
	struct vm_virtio_mmio virtio_mmio[VM_MAX_VIRTIO_MMIO];
	int nvirtio_mmio;
	struct {	/* vmm/coalesced.c */
		bool probed;	/* the kernel was asked what it offers (below) */
		int page;	/* the ring's page in a vCPU's run area; 0: none */
		bool pio;	/* port I/O can be coalesced too */
		struct kvm_coalesced_mmio_ring *ring;
		uint32_t max;	/* entries in the ring */
		pthread_mutex_t lock;
		uint64_t writes; /* replayed so far */
		int timer_fd;	/* the kick timer, -1 until something is coalesced */
		bool kicked;	/* the timer is armed */
	} coalesced;
	struct api *api;  /* the control socket (vmm/api.c), NULL without --api */
	uint64_t started_ns; /* CLOCK_MONOTONIC when the vCPUs started */
	struct {	/* vmm/powerdown.c */
		int timer_fd;	  /* the deadline after the power button, -1: none */
		bool pressed;	  /* the power button was pressed */
		uint64_t pressed_ns; /* when (CLOCK_MONOTONIC) */
	} powerdown;
	char exit_reason[768];
};

/* Creates the VM and its interrupt controller (everything except RAM, devices, boot and
 * vCPUs). On failure everything done so far is undone. */
int vm_create(struct vm *vm, const struct vm_config *cfg);
/* Lays guest RAM out around vm->reserved (arch_ram_layout), creates it and registers its
 * memslots. Once the assigned devices are attached (they tell the reserved ranges) and
 * before anything that needs RAM or its top (the PCI host's 64-bit window). vm_destroy
 * undoes it. */
int vm_create_ram(struct vm *vm);
/* Idempotent: safe after a partial vm_create and when called twice. */
void vm_destroy(struct vm *vm);

/* The one checked translation of guest-physical to host-virtual addresses: the whole of
 * [gpa, gpa+len) must lie in one RAM region. NULL otherwise (including on overflow). */
void *gpa_to_hva(struct vm *vm, uint64_t gpa, uint64_t len);

/* Ask the VM to stop; the first request decides the exit status and reason. Safe from
 * any thread. */
void vm_request_stop(struct vm *vm, int status, const char *fmt, ...) PTVM_PRINTF(3, 4);
bool vm_stopping(struct vm *vm);

int vm_irq_line(struct vm *vm, uint32_t gsi, int level);

/* Device memory (an mmapped BAR) at gpa as a KVM memslot, so guest accesses never exit.
 * Returns the slot id or -errno; vm_unmap_memory undoes it. */
int vm_map_memory(struct vm *vm, uint64_t gpa, uint64_t size, void *hva);
void vm_unmap_memory(struct vm *vm, int slot);
void vm_add_device(struct vm *vm, struct device *d);
/* Tears down every device, the last added first (vm_destroy does it too). */
void vm_remove_devices(struct vm *vm);
/* Has the main thread poll fd while the VM runs and call fn when it is readable; before
 * the vCPUs start. -ENOSPC (message) when the table is full. */
int vm_add_poll(struct vm *vm, int fd, void (*fn)(void *opaque), void *opaque);

#endif
