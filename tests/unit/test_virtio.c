/* The virtio console on virtio-mmio, driven as Linux's virtio_mmio + virtio_console drivers
 * drive it, on the simulated kernel (irqfd, ioeventfd): feature negotiation, queue setup,
 * output in whole buffers in the guest's order, input into posted buffers (held while none
 * is posted), interrupt suppression, a malformed queue answered with NEEDS_RESET and
 * recovered by a reset, and nothing left registered after teardown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <fcntl.h>
#include <linux/virtio_config.h>
#include <linux/virtio_mmio.h>
#include <linux/virtio_ring.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/unit/sim_kernel.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/console.h"
#include "vmm/devtype.h"
#include "vmm/irq.h"
#include "vmm/virtio_mmio.h"

#define RAM (1u << 20)
static struct vm vm;
static struct vm_config cfg;
static uint64_t base;
static uint32_t gsi;
static int saved_in, saved_out, in_w, out_file;
static char out_path[64];

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0;

	assert_true(bus_access(&vm.mmio, base + off, &v, 4, false));
	return v;
}

static void wr(uint32_t off, uint32_t v) { assert_true(bus_access(&vm.mmio, base + off, &v, 4, true)); }

static void *gpa(uint64_t a) { return vm.mem[0].hva + a; }

/* What KVM does with a write to QueueNotify: signals the ioeventfd; then what the main
 * thread does when it is readable. */
static void kick(void)
{
	int fd = sim_ioeventfd_at(base + VIRTIO_MMIO_QUEUE_NOTIFY, 4);
	uint64_t one = 1;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, &one, 8), 8);
	assert_int_equal(vm.npolls, 1);
	vm.polls[0].fn(vm.polls[0].opaque);
}

/* Interrupts signalled through the irqfd since the last look. */
static uint64_t interrupts(void)
{
	struct virtio_mmio *t = vm.polls[0].opaque;
	uint64_t n = 0;

	if (read(t->irq_fd, &n, 8) != 8)
		return 0;
	return n;
}

static void setup_queue(int q, uint64_t at)
{
	wr(VIRTIO_MMIO_QUEUE_SEL, (uint32_t)q);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), VIRTQ_MAX_SIZE);
	wr(VIRTIO_MMIO_QUEUE_NUM, 8);
	wr(VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)at);
	wr(VIRTIO_MMIO_QUEUE_DESC_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_LOW, (uint32_t)at + 0x100);
	wr(VIRTIO_MMIO_QUEUE_AVAIL_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, (uint32_t)at + 0x200);
	wr(VIRTIO_MMIO_QUEUE_USED_HIGH, 0);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 1);
}

/* Linux's order: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queues, DRIVER_OK. */
static void driver_init(void)
{
	memset(gpa(0), 0, 0x10000);
	wr(VIRTIO_MMIO_STATUS, 0);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE);
	wr(VIRTIO_MMIO_STATUS, VIRTIO_CONFIG_S_ACKNOWLEDGE | VIRTIO_CONFIG_S_DRIVER);
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 0);
	wr(VIRTIO_MMIO_STATUS, 0xb);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0xb);
	setup_queue(0, 0x1000);
	setup_queue(1, 0x2000);
	wr(VIRTIO_MMIO_STATUS, 0xf);
}

/* Puts a chain of buffers (at gpa 0x10000 + 0x100 * desc index) on queue q. */
static void post(int q, uint16_t first, int n, const char *const *text, bool writable,
		 uint32_t len)
{
	struct vring_desc *d = gpa(0x1000 + 0x1000 * (uint64_t)q);
	struct vring_avail *a = gpa(0x1100 + 0x1000 * (uint64_t)q);

	for (int i = 0; i < n; i++) {
		uint16_t k = (uint16_t)(first + i);
		uint64_t buf = 0x10000 + 0x100 * (uint64_t)k + 0x1000 * (uint64_t)q;

		d[k].addr = buf;
		d[k].len = text ? (uint32_t)strlen(text[i]) : len;
		if (text)
			memcpy(gpa(buf), text[i], strlen(text[i]));
		d[k].flags = (uint16_t)((i + 1 < n ? VRING_DESC_F_NEXT : 0) |
					(writable ? VRING_DESC_F_WRITE : 0));
		d[k].next = (uint16_t)(k + 1);
	}
	a->ring[a->idx % 8] = first;
	__atomic_store_n(&a->idx, (uint16_t)(a->idx + 1), __ATOMIC_RELEASE);
}

static struct vring_used *used(int q) { return gpa(0x1200 + 0x1000 * (uint64_t)q); }

static char *output(void)
{
	static char buf[8192];
	ssize_t n = pread(out_file, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

static int setup(void **state)
{
	int p[2];

	sim_vm_init(&vm, calloc(1, RAM), RAM);
	assert_int_equal(irq_init(&vm), 0);
	/* The console on stdio, with stdin a pipe and stdout a file, as under a supervisor. */
	config_init(&cfg);
	vm.cfg = &cfg;
	assert_int_equal(pipe(p), 0);
	saved_in = dup(0);
	saved_out = dup(1);
	dup2(p[0], 0);
	close(p[0]);
	in_w = p[1];
	strcpy(out_path, "/tmp/ptvm-test-virtio.XXXXXX");
	out_file = mkstemp(out_path);
	dup2(out_file, 1);
	assert_int_equal(console_create(&vm), 0);
	assert_int_equal(device_type_find("virtio-console")->create(&vm, ""), 0);
	assert_int_equal(arch_virtio_mmio_slot(0, &base, &gsi), 0);
	assert_int_equal(vm.nvirtio_mmio, 1);
	assert_true(vm.virtio_mmio[0].base == base && vm.virtio_mmio[0].gsi == gsi);
	assert_int_equal(sim_irqfds_assigned(), 1);
	return 0;
}

static int teardown(void **state)
{
	sim_vm_free(&vm);
	fflush(stdout);
	dup2(saved_out, 1);
	dup2(saved_in, 0);
	close(saved_out);
	close(saved_in);
	close(in_w);
	close(out_file);
	unlink(out_path);
	assert_int_equal(sim_irqfds_assigned(), 0);
	assert_int_equal(sim_ioeventfd_at(base + VIRTIO_MMIO_QUEUE_NOTIFY, 4), -1);
	assert_int_equal(sim.bad_undos + sim.bad_closes + sim.bad_uses, 0);
	free(vm.mem[0].hva);
	return 0;
}

static void test_identity_and_features(void **state)
{
	assert_int_equal(rd(VIRTIO_MMIO_MAGIC_VALUE), 0x74726976);
	assert_int_equal(rd(VIRTIO_MMIO_VERSION), 2);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_ID), 3); /* console */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 1);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 1); /* VERSION_1 */
	wr(VIRTIO_MMIO_DEVICE_FEATURES_SEL, 0);
	assert_int_equal(rd(VIRTIO_MMIO_DEVICE_FEATURES), 0);
	/* a driver that does not take VERSION_1 is refused FEATURES_OK */
	wr(VIRTIO_MMIO_STATUS, 3);
	wr(VIRTIO_MMIO_STATUS, 0xb);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 3);
	/* a feature not offered neither */
	wr(VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(VIRTIO_MMIO_DRIVER_FEATURES, 3);
	wr(VIRTIO_MMIO_STATUS, 0xb);
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 3);
	/* absent queues and odd widths */
	wr(VIRTIO_MMIO_QUEUE_SEL, 2);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_NUM_MAX), 0);
	{
		uint16_t v = 0xffff;

		assert_true(bus_access(&vm.mmio, base, &v, 2, false));
		assert_int_equal(v, 0);
	}
	driver_init();
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0xf);
	assert_int_equal(rd(VIRTIO_MMIO_CONFIG + 4), 0); /* max_nr_ports: no multiport */
}

static void test_output_in_order(void **state)
{
	static const char *const a[] = { "hello ", "world\n" }, *const b[] = { "second line\n" };

	driver_init();
	interrupts();
	post(1, 0, 2, a, false, 0);
	post(1, 2, 1, b, false, 0);
	kick();
	assert_string_equal(output(), "hello world\nsecond line\n");
	assert_int_equal(used(1)->idx, 2);
	assert_int_equal(used(1)->ring[0].id, 0);
	assert_int_equal(used(1)->ring[1].id, 2);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 1);
	assert_true(interrupts() >= 1);
	wr(VIRTIO_MMIO_INTERRUPT_ACK, 1);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS), 0);
	/* the driver suppresses interrupts: buffers still used, none raised */
	((struct vring_avail *)gpa(0x2100))->flags = VRING_AVAIL_F_NO_INTERRUPT;
	post(1, 3, 1, b, false, 0);
	kick();
	assert_int_equal(used(1)->idx, 3);
	assert_int_equal(interrupts(), 0);
	assert_string_equal(output(), "hello world\nsecond line\nsecond line\n");
}

static void test_input(void **state)
{
	char big[5000];

	/* typed before the driver is up: held */
	assert_int_equal(write(in_w, "ls\r", 3), 3);
	assert_int_equal(console_pump(vm.console), 0);
	driver_init();
	post(0, 0, 1, NULL, true, 2);
	kick();
	assert_int_equal(used(0)->idx, 1);
	assert_int_equal(used(0)->ring[0].len, 2);
	assert_memory_equal(gpa(0x10000), "ls", 2);
	post(0, 1, 1, NULL, true, 64);
	kick();
	assert_int_equal(used(0)->idx, 2);
	assert_int_equal(used(0)->ring[1].len, 1);
	assert_memory_equal(gpa(0x10100), "\r", 1);
	/* typed with a buffer posted: delivered at once */
	post(0, 2, 1, NULL, true, 64);
	assert_int_equal(write(in_w, "x", 1), 1);
	assert_int_equal(console_pump(vm.console), 0);
	assert_int_equal(used(0)->idx, 3);
	assert_memory_equal(gpa(0x10200), "x", 1);
	/* 5000 bytes while no buffer is posted: 4 KiB held, the rest dropped, nothing
	 * overrun; then one large buffer takes what was held */
	memset(big, 'y', sizeof(big));
	assert_int_equal(write(in_w, big, sizeof(big)), sizeof(big));
	for (size_t got = 0; got < sizeof(big); got += 256) /* console_pump reads 256 at a time */
		assert_int_equal(console_pump(vm.console), 0);
	post(0, 4, 1, NULL, true, 8192);
	kick();
	assert_int_equal(used(0)->idx, 4);
	assert_int_equal(used(0)->ring[3].len, 4096);
	assert_memory_equal(gpa(0x10400), big, 4096);
	/* an output-only buffer on the receive queue gets nothing */
	assert_int_equal(write(in_w, "z", 1), 1);
	assert_int_equal(console_pump(vm.console), 0);
	post(0, 5, 1, NULL, false, 64);
	kick();
	assert_int_equal(used(0)->idx, 5);
	assert_int_equal(used(0)->ring[4].len, 0);
}

/* Zero-length buffers (legal, if useless) on both queues: nothing is read or written
 * through them (tools/fuzz virtio found a memcpy to the NULL such a buffer maps to). */
static void test_empty_buffers(void **state)
{
	driver_init();
	assert_int_equal(write(in_w, "q", 1), 1);
	assert_int_equal(console_pump(vm.console), 0);
	post(0, 0, 1, NULL, true, 0);
	post(0, 1, 1, NULL, true, 4);
	kick();
	assert_int_equal(used(0)->idx, 2);
	assert_int_equal(used(0)->ring[0].len, 0);
	assert_int_equal(used(0)->ring[1].len, 1);
	assert_memory_equal(gpa(0x10100), "q", 1);
	post(1, 0, 1, (const char *const[]){ "" }, false, 0);
	kick();
	assert_int_equal(used(1)->idx, 1);
	assert_string_equal(output(), "");
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0xf);
}

static void test_malformed_then_reset(void **state)
{
	static const char *const a[] = { "ok\n" };
	struct vring_desc *d = gpa(0x2000);

	driver_init();
	post(1, 0, 1, a, false, 0);
	d[0].flags = VRING_DESC_F_NEXT;
	d[0].next = 9; /* beyond a queue of 8 */
	kick();
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	assert_int_equal(rd(VIRTIO_MMIO_INTERRUPT_STATUS) & 2, 2); /* configuration change */
	assert_string_equal(output(), "");
	/* a loop */
	driver_init();
	assert_int_equal(rd(VIRTIO_MMIO_STATUS), 0xf);
	post(1, 0, 2, (const char *const[]){ "a", "b" }, false, 0);
	d[1].flags = VRING_DESC_F_NEXT;
	d[1].next = 0;
	kick();
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* a buffer outside guest RAM */
	driver_init();
	post(1, 0, 1, a, false, 0);
	d[0].addr = RAM - 1;
	kick();
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* a ring outside guest RAM is refused when made ready */
	driver_init();
	wr(VIRTIO_MMIO_QUEUE_SEL, 1);
	wr(VIRTIO_MMIO_QUEUE_READY, 0);
	wr(VIRTIO_MMIO_QUEUE_USED_LOW, RAM - 8);
	wr(VIRTIO_MMIO_QUEUE_READY, 1);
	assert_int_equal(rd(VIRTIO_MMIO_QUEUE_READY), 0);
	assert_true(rd(VIRTIO_MMIO_STATUS) & VIRTIO_CONFIG_S_NEEDS_RESET);
	/* and after a reset, it works */
	driver_init();
	post(1, 0, 1, a, false, 0);
	kick();
	assert_string_equal(output(), "ok\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_identity_and_features, setup, teardown),
		cmocka_unit_test_setup_teardown(test_output_in_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_then_reset, setup, teardown),
	};
	return cmocka_run_group_tests_name("virtio", tests, NULL, NULL);
}
