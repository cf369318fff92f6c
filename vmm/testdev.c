/* testdev: what guest test payloads need from the monitor. An exit port (a byte written
 * there ends ptvm with that exit status) and a 4 KiB MMIO region: 64 scratch registers
 * that read back what was written (any width), and a read-only counter of MMIO accesses
 * at 0x100. Not a device for production guests. */
#include <stdlib.h>
#include <string.h>

#include "vmm/devtype.h"
#include "vmm/util.h"

#define TESTDEV_PORT 0xf4
#define TESTDEV_MMIO 0xfeb00000ull
#define TESTDEV_MMIO_SIZE 0x1000

struct testdev {
	struct device dev;
	struct vm *vm;
	pthread_mutex_t lock;
	uint8_t scratch[256];
	uint32_t accesses;
};

static void exit_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct testdev *t = opaque;

	if (!write) {
		memset(data, 0xff, len);
		return;
	}
	vm_request_stop(t->vm, *(uint8_t *)data, "testdev: the guest asked to exit with status %u",
			*(uint8_t *)data);
}

static void mmio(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct testdev *t = opaque;

	pthread_mutex_lock(&t->lock);
	t->accesses++;
	if (off + len <= sizeof(t->scratch)) {
		if (write)
			memcpy(t->scratch + off, data, len);
		else
			memcpy(data, t->scratch + off, len);
	} else if (!write) {
		uint64_t v = off == 0x100 ? t->accesses : 0;

		memcpy(data, &v, len);
	}
	pthread_mutex_unlock(&t->lock);
}

static void testdev_teardown(struct device *d)
{
	struct testdev *t = (struct testdev *)d;

	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int testdev_create(struct vm *vm, const char *opts)
{
	uint64_t port = TESTDEV_PORT, base = TESTDEV_MMIO;
	char key[16], val[32];
	struct testdev *t;
	int r;

	while ((r = opts_next("testdev", &opts, key, sizeof(key), val, sizeof(val))) > 0) {
		if (!strcmp(key, "port") && !parse_u64(val, 0xffff, &port))
			continue;
		if (!strcmp(key, "mmio") && !parse_u64(val, UINT64_MAX - TESTDEV_MMIO_SIZE, &base) &&
		    !(base & 0xfff))
			continue;
		return err_msg(EINVAL, "--device testdev: bad option %s=%s (port=0..0xffff, "
				       "mmio=a 4K-aligned address)", key, val);
	}
	if (r < 0)
		return r;
	t = calloc(1, sizeof(*t));
	if (!t)
		return err_msg(ENOMEM, "out of memory");
	t->dev.name = "testdev";
	t->dev.teardown = testdev_teardown;
	t->vm = vm;
	pthread_mutex_init(&t->lock, NULL);
	vm_add_device(vm, &t->dev);
	if ((r = bus_add(&vm->pio, port, 1, exit_io, t, "testdev-exit")) ||
	    (r = bus_add(&vm->mmio, base, TESTDEV_MMIO_SIZE, mmio, t, "testdev-mmio")))
		return err_ctx(r, "--device testdev");
	return 0;
}

static const struct device_type testdev_type = {
	.name = "testdev",
	.usage = "testdev[,port=0xf4][,mmio=0xfeb00000]",
	.help = "exit port and MMIO scratch registers for guest test payloads",
	.create = testdev_create,
};
PTVM_DEVICE_TYPE(testdev_type);
