#include "vmm/virtio_mmio.h"

#include <errno.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "vmm/arch.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"

#define MAGIC 0x74726976u /* "virt" */
#define VENDOR 0x4d565450u /* "PTVM" */

static uint64_t offered(const struct virtio_mmio *t)
{
	return t->ops->features | 1ull << VIRTIO_F_VERSION_1;
}

bool virtio_mmio_live(const struct virtio_mmio *t)
{
	return (t->status & VIRTIO_CONFIG_S_DRIVER_OK) && !t->failed;
}

static void raise(struct virtio_mmio *t, uint32_t why)
{
	uint64_t one = 1;

	t->isr |= why;
	if (t->irq_fd >= 0) {
		if (write(t->irq_fd, &one, sizeof(one)) != sizeof(one))
			log_warn("%s: interrupt eventfd: %s", t->name, strerror(errno));
		return;
	}
	vm_irq_line(t->vm, t->gsi, 1); /* an edge */
	vm_irq_line(t->vm, t->gsi, 0);
}

void virtio_mmio_used(struct virtio_mmio *t, int q)
{
	if (virtq_wants_interrupt(&t->q[q]))
		raise(t, VIRTIO_MMIO_INT_VRING);
}

void virtio_mmio_fail(struct virtio_mmio *t, const char *why)
{
	if (t->failed)
		return;
	t->failed = true;
	log_warn("%s: the guest's driver broke the protocol (%s); the device waits for a reset",
		 t->name, why);
	t->status |= VIRTIO_CONFIG_S_NEEDS_RESET;
	if (t->status & VIRTIO_CONFIG_S_DRIVER_OK)
		raise(t, VIRTIO_MMIO_INT_CONFIG);
}

static void reset(struct virtio_mmio *t)
{
	t->status = t->isr = t->queue_sel = t->dev_features_sel = t->drv_features_sel = 0;
	t->driver_features = 0;
	t->failed = false;
	for (int i = 0; i < VIRTIO_MMIO_MAX_QUEUES; i++)
		virtq_reset(&t->q[i]);
}

static void notify_all(struct virtio_mmio *t)
{
	for (int i = 0; i < t->ops->nqueues && virtio_mmio_live(t); i++)
		if (t->q[i].ready)
			t->ops->notify(t, i);
}

static void set_status(struct virtio_mmio *t, uint32_t v)
{
	if (v == 0) {
		reset(t);
		return;
	}
	/* FEATURES_OK only for a subset of what was offered that includes VERSION_1 (the
	 * driver reads it back to learn whether the device accepted). */
	if ((v & VIRTIO_CONFIG_S_FEATURES_OK) && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK) &&
	    ((t->driver_features & ~offered(t)) ||
	     !(t->driver_features & 1ull << VIRTIO_F_VERSION_1)))
		v &= ~(uint32_t)VIRTIO_CONFIG_S_FEATURES_OK;
	t->status = (v & 0xff & ~(uint32_t)VIRTIO_CONFIG_S_NEEDS_RESET) |
		    (t->status & VIRTIO_CONFIG_S_NEEDS_RESET);
	if (virtio_mmio_live(t))
		notify_all(t); /* buffers made available before DRIVER_OK */
}

static void set_half(uint64_t *v, bool high, uint32_t x)
{
	*v = high ? (*v & 0xffffffffull) | (uint64_t)x << 32 : (*v & ~0xffffffffull) | x;
}

static uint32_t reg_read(struct virtio_mmio *t, uint64_t off)
{
	struct virtq *q = t->queue_sel < (uint32_t)t->ops->nqueues ? &t->q[t->queue_sel] : NULL;

	switch (off) {
	case VIRTIO_MMIO_MAGIC_VALUE: return MAGIC;
	case VIRTIO_MMIO_VERSION: return 2;
	case VIRTIO_MMIO_DEVICE_ID: return t->ops->device_id;
	case VIRTIO_MMIO_VENDOR_ID: return VENDOR;
	case VIRTIO_MMIO_DEVICE_FEATURES:
		return t->dev_features_sel < 2 ? (uint32_t)(offered(t) >> (32 * t->dev_features_sel))
					       : 0;
	case VIRTIO_MMIO_QUEUE_NUM_MAX: return q ? VIRTQ_MAX_SIZE : 0;
	case VIRTIO_MMIO_QUEUE_READY: return q && q->ready;
	case VIRTIO_MMIO_INTERRUPT_STATUS: return t->isr;
	case VIRTIO_MMIO_STATUS: return t->status;
	case VIRTIO_MMIO_SHM_LEN_LOW: case VIRTIO_MMIO_SHM_LEN_HIGH:
	case VIRTIO_MMIO_SHM_BASE_LOW: case VIRTIO_MMIO_SHM_BASE_HIGH:
		return 0xffffffffu; /* no shared memory regions */
	case VIRTIO_MMIO_CONFIG_GENERATION: return 0; /* the configuration never changes */
	default: return 0;
	}
}

static void reg_write(struct virtio_mmio *t, uint64_t off, uint32_t v)
{
	struct virtq *q = t->queue_sel < (uint32_t)t->ops->nqueues ? &t->q[t->queue_sel] : NULL;
	/* A queue's layout is the driver's to change only while it is not ready. */
	struct virtq *setup = q && !q->ready ? q : NULL;

	switch (off) {
	case VIRTIO_MMIO_DEVICE_FEATURES_SEL: t->dev_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES_SEL: t->drv_features_sel = v; break;
	case VIRTIO_MMIO_DRIVER_FEATURES:
		if (t->drv_features_sel < 2 && !(t->status & VIRTIO_CONFIG_S_FEATURES_OK))
			set_half(&t->driver_features, t->drv_features_sel, v);
		break;
	case VIRTIO_MMIO_QUEUE_SEL: t->queue_sel = v; break;
	case VIRTIO_MMIO_QUEUE_NUM: if (setup) setup->num = (uint16_t)(v > 0xffff ? 0 : v); break;
	case VIRTIO_MMIO_QUEUE_DESC_LOW: case VIRTIO_MMIO_QUEUE_DESC_HIGH:
		if (setup) set_half(&setup->desc_gpa, off == VIRTIO_MMIO_QUEUE_DESC_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_AVAIL_LOW: case VIRTIO_MMIO_QUEUE_AVAIL_HIGH:
		if (setup) set_half(&setup->avail_gpa, off == VIRTIO_MMIO_QUEUE_AVAIL_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_USED_LOW: case VIRTIO_MMIO_QUEUE_USED_HIGH:
		if (setup) set_half(&setup->used_gpa, off == VIRTIO_MMIO_QUEUE_USED_HIGH, v);
		break;
	case VIRTIO_MMIO_QUEUE_READY:
		if (q && !v) {
			q->ready = false;
		} else if (setup && virtq_enable(t->vm, setup) < 0) {
			char why[256];

			snprintf(why, sizeof(why), "queue %u: %s", t->queue_sel, err_get());
			err_clear();
			virtio_mmio_fail(t, why);
		}
		break;
	case VIRTIO_MMIO_QUEUE_NOTIFY: /* without an ioeventfd */
		notify_all(t);
		break;
	case VIRTIO_MMIO_INTERRUPT_ACK: t->isr &= ~v; break;
	case VIRTIO_MMIO_STATUS: set_status(t, v); break;
	default: break; /* read-only or absent: ignored */
	}
}

static void mmio(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct virtio_mmio *t = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&t->lock);
	if (off >= VIRTIO_MMIO_CONFIG) {
		if (!write && t->ops->config_read)
			t->ops->config_read(t, (uint32_t)(off - VIRTIO_MMIO_CONFIG), data, len);
		else if (!write)
			memset(data, 0, len);
	} else if (len != 4 || (off & 3)) {
		/* Registers are 32-bit; other accesses read as zero and write nothing. */
		if (!write)
			memset(data, 0, len);
	} else if (write) {
		memcpy(&v, data, 4);
		reg_write(t, off, v);
	} else {
		v = reg_read(t, off);
		memcpy(data, &v, 4);
	}
	pthread_mutex_unlock(&t->lock);
}

/* The main thread: the ioeventfd fired. */
static void on_notify(void *opaque)
{
	struct virtio_mmio *t = opaque;
	uint64_t n;

	if (read(t->notify_fd, &n, sizeof(n)) != sizeof(n))
		return;
	pthread_mutex_lock(&t->lock);
	notify_all(t);
	pthread_mutex_unlock(&t->lock);
}

static int ioeventfd(struct virtio_mmio *t, int fd, bool assign)
{
	struct kvm_ioeventfd e = {
		.addr = t->base + VIRTIO_MMIO_QUEUE_NOTIFY, .len = 4, .fd = fd,
		.flags = assign ? 0 : KVM_IOEVENTFD_FLAG_DEASSIGN,
	};

	return sys_ioctl(t->vm->vm_fd, KVM_IOEVENTFD, &e);
}

int virtio_mmio_init(struct virtio_mmio *t, struct vm *vm, const struct virtio_mmio_ops *ops,
		     void *opaque, const char *name)
{
	int r, efd;

	memset(t, 0, sizeof(*t));
	t->vm = vm;
	t->ops = ops;
	t->opaque = opaque;
	t->name = name;
	t->irq_fd = t->notify_fd = -1;
	pthread_mutex_init(&t->lock, NULL);
	if (vm->nvirtio_mmio == VM_MAX_VIRTIO_MMIO ||
	    arch_virtio_mmio_slot(vm->nvirtio_mmio, &t->base, &t->gsi) < 0)
		return err_msg(ENOSPC, "%s: no room for another virtio-mmio device (at most %d)",
			       name, vm->nvirtio_mmio);
	if ((r = bus_add(&vm->mmio, t->base, VIRTIO_MMIO_SIZE, mmio, t, name)) < 0)
		return err_ctx(r, "%s", name);
	vm->virtio_mmio[vm->nvirtio_mmio++] = (struct vm_virtio_mmio){ t->base, VIRTIO_MMIO_SIZE,
								       t->gsi };
	/* The fast paths; without them the device still works through exits. */
	if ((efd = sys_eventfd(0, 0)) >= 0) {
		if ((r = irq_irqfd(vm, efd, t->gsi, -1)) == 0) {
			t->irq_fd = efd;
		} else {
			log_warn("%s: no irqfd (%s); interrupts go through KVM_IRQ_LINE", name,
				 err_get());
			sys_close(efd);
		}
	} else {
		log_warn("%s: %s; interrupts go through KVM_IRQ_LINE", name, err_get());
	}
	if ((efd = sys_eventfd(0, EFD_NONBLOCK)) < 0) {
		log_warn("%s: %s; queue notifications exit to ptvm", name, err_get());
	} else if ((r = ioeventfd(t, efd, true)) < 0) {
		log_warn("%s: no ioeventfd (%s); queue notifications exit to ptvm", name, err_get());
		sys_close(efd);
	} else if ((r = vm_add_poll(vm, efd, on_notify, t)) < 0) {
		log_warn("%s: %s; queue notifications exit to ptvm", name, err_get());
		ioeventfd(t, efd, false);
		sys_close(efd);
	} else {
		t->notify_fd = efd;
	}
	err_clear();
	return 0;
}

void virtio_mmio_teardown(struct virtio_mmio *t)
{
	if (t->notify_fd >= 0) {
		ioeventfd(t, t->notify_fd, false);
		sys_close(t->notify_fd);
	}
	if (t->irq_fd >= 0) {
		irq_irqfd_remove(t->vm, t->irq_fd, t->gsi);
		sys_close(t->irq_fd);
	}
	pthread_mutex_destroy(&t->lock);
}
