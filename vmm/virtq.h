/* Split virtqueues (virtio 1.x, 2.7) in guest RAM, read and written as a device does:
 * every address and index the guest gives is checked before use, each descriptor is copied
 * once before it is looked at, and a malformed queue is reported, never followed. */
#ifndef PTVM_VIRTQ_H
#define PTVM_VIRTQ_H

#include <linux/virtio_ring.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/vm.h"

#define VIRTQ_MAX_SIZE 256 /* what ptvm offers as QueueNumMax */

struct virtq {
	uint16_t num;          /* set by the driver, a power of two <= VIRTQ_MAX_SIZE */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	struct vring_desc *desc;
	struct vring_avail *avail;
	struct vring_used *used;
	uint16_t last_avail;   /* the next avail ring entry the device takes */
	uint16_t used_idx;     /* the used ring's idx as the device last wrote it */
};

/* One buffer of a descriptor chain, as host memory. */
struct virtq_buf {
	uint8_t *p;
	uint32_t len;
	bool writable;         /* the device writes it (VRING_DESC_F_WRITE) */
};

/* Maps the three rings once the driver sets QueueReady: 0, or -EINVAL (message) when the
 * size or an address is not usable (outside guest RAM, misaligned). */
int virtq_enable(struct vm *vm, struct virtq *q);
void virtq_reset(struct virtq *q);
/* Takes the next available chain: its buffers (up to max) and its head. 1 with a chain, 0
 * when none is available, -EINVAL (message) for a malformed one (a loop, an index or
 * buffer out of range, more than max buffers, an indirect table ptvm did not offer). */
int virtq_pop(struct vm *vm, struct virtq *q, struct virtq_buf *bufs, int max, int *nbufs,
	      uint16_t *head);
/* Returns a chain with the number of bytes written into it. */
void virtq_push(struct virtq *q, uint16_t head, uint32_t written);
/* Whether the driver wants an interrupt for what was pushed (it may suppress them). */
bool virtq_wants_interrupt(const struct virtq *q);

#endif
