/* The virtio-mmio transport (virtio 1.x, 4.2; register layout version 2): the registers a
 * driver programs, the queues, interrupts through an irqfd (edge, one GSI per device) and
 * queue notifications through an ioeventfd, so neither side of a transfer exits to ptvm.
 * Where KVM offers no ioeventfd or irqfd, the notify write is handled on the vCPU's exit
 * and the interrupt raised with KVM_IRQ_LINE: slower, same behaviour.
 *
 * A device (virtio_console.c) supplies its ID, features, queue count and callbacks; the
 * firmware tables describe it (arch_virtio_mmio_slot). Registers are read and written on
 * vCPU threads, notifications arrive on the main thread: one lock covers the device. */
#ifndef PTVM_VIRTIO_MMIO_H
#define PTVM_VIRTIO_MMIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/virtq.h"
#include "vmm/vm.h"

#define VIRTIO_MMIO_SIZE 0x200
#define VIRTIO_MMIO_MAX_QUEUES 2

struct virtio_mmio;

struct virtio_mmio_ops {
	uint32_t device_id;
	uint64_t features;   /* the device's own; the transport adds VIRTIO_F_VERSION_1 */
	int nqueues;
	/* The driver made buffers available on queue q (lock held). */
	void (*notify)(struct virtio_mmio *t, int q);
	/* Device configuration space (lock held); NULL: reads as zeros. */
	void (*config_read)(struct virtio_mmio *t, uint32_t off, void *data, uint32_t len);
};

struct virtio_mmio {
	struct vm *vm;
	const struct virtio_mmio_ops *ops;
	void *opaque;
	const char *name;
	pthread_mutex_t lock;
	uint64_t base;
	uint32_t gsi;
	uint32_t status, isr, queue_sel, dev_features_sel, drv_features_sel;
	uint64_t driver_features;
	struct virtq q[VIRTIO_MMIO_MAX_QUEUES];
	int irq_fd;          /* irqfd on gsi, or -1: KVM_IRQ_LINE pulses */
	int notify_fd;       /* ioeventfd on QueueNotify, or -1: handled on the exit */
	bool failed;         /* a malformed queue: NEEDS_RESET until the driver resets */
};

/* Places the device (arch_virtio_mmio_slot), maps its registers, connects the irqfd and
 * ioeventfd. 0 or -errno with a message; virtio_mmio_teardown undoes what was done. */
int virtio_mmio_init(struct virtio_mmio *t, struct vm *vm, const struct virtio_mmio_ops *ops,
		     void *opaque, const char *name);
void virtio_mmio_teardown(struct virtio_mmio *t);
/* Used buffers were pushed to queue q: interrupt the driver unless it said not to (lock
 * held). */
void virtio_mmio_used(struct virtio_mmio *t, int q);
/* The driver broke the protocol (a malformed queue): say so once, set NEEDS_RESET and
 * stop using the queues until it resets the device (lock held). */
void virtio_mmio_fail(struct virtio_mmio *t, const char *why);
/* The driver has finished setup (DRIVER_OK) and not failed. */
bool virtio_mmio_live(const struct virtio_mmio *t);

#endif
