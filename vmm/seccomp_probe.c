/* seccomp-probe: a test device that makes ptvm attempt a call its seccomp filter forbids,
 * from a vCPU thread, when the guest writes its port: socket(AF_INET) for the value 1,
 * an open of /etc/hostname for 2. Compiled only into test builds (CONFIG_SECCOMP_PROBE,
 * off in every defconfig; tools/test turns it on for the lab's binary). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vmm/devtype.h"
#include "vmm/log.h"
#include "vmm/util.h"

#define PROBE_PORT 0xf5

static void probe_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	int fd = -1;

	if (!write) {
		memset(data, 0xff, len);
		return;
	}
	if (*(uint8_t *)data == 1)
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	else if (*(uint8_t *)data == 2)
		fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC);
	fprintf(stderr, "ptvm: seccomp-probe: the call for %u %s\n", *(uint8_t *)data,
		fd >= 0 ? "ran" : "failed");
	if (fd >= 0)
		close(fd);
}

static void probe_teardown(struct device *d)
{
	free(d);
}

static int probe_create(struct vm *vm, const char *opts)
{
	struct device *d;
	int r;

	if (opts[0])
		return err_msg(EINVAL, "--device seccomp-probe takes no options");
	if (!(d = calloc(1, sizeof(*d))))
		return err_msg(ENOMEM, "out of memory");
	d->name = "seccomp-probe";
	d->teardown = probe_teardown;
	vm_add_device(vm, d);
	if ((r = bus_add(&vm->pio, PROBE_PORT, 1, probe_io, d, "seccomp-probe")))
		return err_ctx(r, "--device seccomp-probe");
	return 0;
}

static const struct device_type probe_type = {
	.name = "seccomp-probe",
	.usage = "seccomp-probe",
	.help = "(test builds) port 0xf5: 1 makes ptvm call socket(AF_INET), 2 open a file",
	.create = probe_create,
};
PTVM_DEVICE_TYPE(probe_type);
