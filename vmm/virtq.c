#include "vmm/virtq.h"

#include <errno.h>
#include <string.h>

static bool pow2(uint32_t n) { return n && !(n & (n - 1)); }

int virtq_enable(struct vm *vm, struct virtq *q)
{
	uint64_t n = q->num;

	if (!pow2(q->num) || q->num > VIRTQ_MAX_SIZE)
		return err_msg(EINVAL, "queue size %u (a power of two up to %u)", q->num,
			       VIRTQ_MAX_SIZE);
	if ((q->desc_gpa & 15) || (q->avail_gpa & 1) || (q->used_gpa & 3))
		return err_msg(EINVAL, "misaligned ring (descriptors 0x%llx, available 0x%llx, "
				       "used 0x%llx)", (unsigned long long)q->desc_gpa,
			       (unsigned long long)q->avail_gpa, (unsigned long long)q->used_gpa);
	q->desc = gpa_to_hva(vm, q->desc_gpa, n * sizeof(struct vring_desc));
	q->avail = gpa_to_hva(vm, q->avail_gpa, 6 + 2 * n);
	q->used = gpa_to_hva(vm, q->used_gpa, 6 + 8 * n);
	if (!q->desc || !q->avail || !q->used) {
		q->desc = NULL;
		q->avail = NULL;
		q->used = NULL;
		return err_msg(EINVAL, "ring outside guest RAM (descriptors 0x%llx, available "
				       "0x%llx, used 0x%llx)", (unsigned long long)q->desc_gpa,
			       (unsigned long long)q->avail_gpa, (unsigned long long)q->used_gpa);
	}
	q->last_avail = q->used_idx = 0;
	q->ready = true;
	return 0;
}

void virtq_reset(struct virtq *q)
{
	memset(q, 0, sizeof(*q));
}

int virtq_pop(struct vm *vm, struct virtq *q, struct virtq_buf *bufs, int max, int *nbufs,
	      uint16_t *head)
{
	uint16_t avail_idx, idx;

	if (!q->ready)
		return 0;
	avail_idx = __atomic_load_n(&q->avail->idx, __ATOMIC_ACQUIRE);
	if (avail_idx == q->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - q->last_avail) > q->num)
		return err_msg(EINVAL, "available index %u is %u ahead of the device (queue of "
				       "%u)", avail_idx, (uint16_t)(avail_idx - q->last_avail),
			       q->num);
	*head = idx = __atomic_load_n(&q->avail->ring[q->last_avail % q->num], __ATOMIC_RELAXED);
	*nbufs = 0;
	for (int hops = 0;; hops++) {
		struct vring_desc d;

		if (idx >= q->num)
			return err_msg(EINVAL, "descriptor index %u in a queue of %u", idx, q->num);
		if (hops == q->num || *nbufs == max)
			return err_msg(EINVAL, "descriptor chain longer than %d",
				       hops == q->num ? q->num : max);
		memcpy(&d, &q->desc[idx], sizeof(d)); /* once: the guest may change it */
		if (d.flags & VRING_DESC_F_INDIRECT)
			return err_msg(EINVAL, "indirect descriptor (not offered)");
		bufs[*nbufs].p = d.len ? gpa_to_hva(vm, d.addr, d.len) : NULL;
		if (d.len && !bufs[*nbufs].p)
			return err_msg(EINVAL, "buffer [0x%llx, +%u) outside guest RAM",
				       (unsigned long long)d.addr, d.len);
		bufs[*nbufs].len = d.len;
		bufs[(*nbufs)++].writable = d.flags & VRING_DESC_F_WRITE;
		if (!(d.flags & VRING_DESC_F_NEXT))
			break;
		idx = d.next;
	}
	q->last_avail++;
	return 1;
}

void virtq_push(struct virtq *q, uint16_t head, uint32_t written)
{
	struct vring_used_elem *e = &q->used->ring[q->used_idx % q->num];

	e->id = head;
	e->len = written;
	q->used_idx++;
	/* The element before the index that publishes it. */
	__atomic_store_n(&q->used->idx, q->used_idx, __ATOMIC_RELEASE);
}

bool virtq_wants_interrupt(const struct virtq *q)
{
	/* The index store above before the driver's flags are read (it may have just set them
	 * and be about to look at the index). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return !(__atomic_load_n(&q->avail->flags, __ATOMIC_RELAXED) & VRING_AVAIL_F_NO_INTERRUPT);
}
