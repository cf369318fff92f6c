/* virtio-console (virtio 1.x, 5.3) on virtio-mmio: one port, hvc0 in a Linux guest. The
 * guest's output arrives as whole buffers through the transmit queue (an ioeventfd wakes
 * the main thread; no exit per character) and goes to the console in the order the
 * guest queued it; console input goes into the guest's receive buffers, held (up to 4 KiB)
 * while it has none posted. With this device present, console input goes to hvc0, not to
 * the UART, which keeps writing early output. */
#include <errno.h>
#include <linux/virtio_console.h>
#include <linux/virtio_ids.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "vmm/console.h"
#include "vmm/devtype.h"
#include "vmm/virtio_mmio.h"

#define RXQ 0
#define TXQ 1
#define PENDING 4096
#define MAX_BUFS 16

struct vcons {
	struct device dev;
	struct virtio_mmio t;
	struct console *con;
	uint8_t pending[PENDING];  /* input the guest has no buffer for yet */
	size_t npending;
};

/* After a pass over queue q: a malformed chain (r < 0, the message pending) stops the
 * device; otherwise, if anything was used, the driver hears of it. */
static void finish(struct vcons *c, int q, bool used, int r)
{
	if (r < 0) {
		char why[256];

		snprintf(why, sizeof(why), "%s queue: %s", q == TXQ ? "transmit" : "receive",
			 err_get());
		err_clear();
		virtio_mmio_fail(&c->t, why);
	}
	if (used)
		virtio_mmio_used(&c->t, q);
}

static void transmit(struct vcons *c)
{
	struct virtq_buf b[MAX_BUFS];
	uint16_t head;
	int n, r;
	bool used = false;

	while ((r = virtq_pop(c->t.vm, &c->t.q[TXQ], b, MAX_BUFS, &n, &head)) > 0) {
		for (int i = 0; i < n; i++)
			if (!b[i].writable && b[i].len && c->con)
				console_write(c->con, b[i].p, b[i].len);
		virtq_push(&c->t.q[TXQ], head, 0);
		used = true;
	}
	finish(c, TXQ, used, r);
}

/* What is pending goes into the receive buffers the guest has posted. */
static void receive(struct vcons *c)
{
	struct virtq_buf b[MAX_BUFS];
	uint16_t head;
	int n, r = 0;
	bool used = false;

	while (c->npending && (r = virtq_pop(c->t.vm, &c->t.q[RXQ], b, MAX_BUFS, &n, &head)) > 0) {
		size_t done = 0;

		for (int i = 0; i < n && done < c->npending; i++) {
			size_t k = c->npending - done < b[i].len ? c->npending - done : b[i].len;

			if (!b[i].writable || !k) /* a zero-length buffer has no address to write */
				continue;
			memcpy(b[i].p, c->pending + done, k);
			done += k;
		}
		memmove(c->pending, c->pending + done, c->npending - done);
		c->npending -= done;
		virtq_push(&c->t.q[RXQ], head, (uint32_t)done);
		used = true;
	}
	finish(c, RXQ, used, r);
}

static void notify(struct virtio_mmio *t, int q)
{
	struct vcons *c = t->opaque;

	if (q == TXQ)
		transmit(c);
	else
		receive(c);
}

/* Console input, on the main thread. */
static void input(void *opaque, const uint8_t *buf, size_t len)
{
	struct vcons *c = opaque;
	size_t room;

	pthread_mutex_lock(&c->t.lock);
	room = PENDING - c->npending;
	if (len > room) /* what does not fit while the guest reads nothing is dropped */
		len = room;
	memcpy(c->pending + c->npending, buf, len);
	c->npending += len;
	if (virtio_mmio_live(&c->t) && c->t.q[RXQ].ready)
		receive(c);
	pthread_mutex_unlock(&c->t.lock);
}

static void config_read(struct virtio_mmio *t, uint32_t off, void *data, uint32_t len)
{
	struct virtio_console_config cfg = { 0 }; /* no size, one port, no emergency write */

	memset(data, 0, len);
	if (off < sizeof(cfg))
		memcpy(data, (uint8_t *)&cfg + off, len < sizeof(cfg) - off ? len : sizeof(cfg) - off);
}

static const struct virtio_mmio_ops ops = {
	.device_id = VIRTIO_ID_CONSOLE,
	.features = 0,
	.nqueues = 2,
	.notify = notify,
	.config_read = config_read,
};

static void vcons_teardown(struct device *d)
{
	struct vcons *c = (struct vcons *)d;

	if (c->con)
		console_set_rx(c->con, NULL, NULL);
	virtio_mmio_teardown(&c->t);
	free(c);
}

static int vcons_create(struct vm *vm, const char *opts)
{
	struct vcons *c;
	int r;

	if (*opts)
		return err_msg(EINVAL, "--device virtio-console takes no options (got '%s')", opts);
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_msg(ENOMEM, "out of memory");
	c->dev.name = "virtio-console";
	c->dev.teardown = vcons_teardown;
	c->con = vm->console;
	r = virtio_mmio_init(&c->t, vm, &ops, c, "virtio-console");
	vm_add_device(vm, &c->dev);
	if (r < 0)
		return r;
	if (c->con)
		console_set_rx(c->con, input, c);
	return 0;
}

static const struct device_type vcons_type = {
	.name = "virtio-console",
	.usage = "virtio-console",
	.help = "console hvc0 (console=hvc0): no exit per character; takes the input",
	.create = vcons_create,
};
PTVM_DEVICE_TYPE(vcons_type);
