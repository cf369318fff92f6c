/* Loading what boots on arm64: a Linux Image (booting.rst: at its text offset from a
 * 2 MiB boundary of RAM, entered at its first byte with x0 the device tree's address) or
 * a flat payload (at the start of RAM, entered at its first byte, x0 the same); the
 * initrd below the device tree, which ptvm writes last into the top 2 MiB block of the
 * kernel's RAM region. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include "arch/arm64/arm64.h"
#include "arch/arm64/fdt.h"
#include "arch/arm64/image.h"
#include "vmm/arch.h"
#include "vmm/config.h"
#include "vmm/loader.h"
#include "vmm/pci.h"
#include "vmm/sys.h"
#include "vmm/util.h"

/* Where the Image goes: the first RAM region it fits in. Returns that region's index. */
static int place_image(const struct arm64_image *img, const struct mem_region *mem, int nmem,
		       uint64_t *load, uint64_t *end)
{
	int r = -ENOSPC;

	for (int i = 0; i < nmem; i++) {
		/* the region's top 2 MiB are the device tree's */
		if (mem[i].size <= ARM64_DTB_MAX)
			continue;
		err_clear();
		r = arm64_image_place(img, mem[i].gpa, mem[i].size - ARM64_DTB_MAX, load, end);
		if (r == 0)
			return i;
	}
	return r;
}

/* The Image's header, checked: 0 or -errno with the reason. */
static int read_image(const char *path, struct arm64_image *img, int *fd_out)
{
	uint8_t head[0x400]; /* the header, and enough to tell an x86 bzImage (0x202) */
	uint64_t file_size = 0;
	size_t got = 0;
	int fd = sys_open(path, O_RDONLY), r;

	if (fd < 0)
		return err_ctx(fd, "kernel %s", path);
	r = loader_read_head(fd, path, head, sizeof(head), &got, &file_size);
	if (r == 0)
		r = arm64_image_parse(head, got, file_size, img);
	if (r < 0 || !fd_out)
		sys_close(fd);
	else
		*fd_out = fd;
	return r < 0 ? err_ctx(r, "kernel %s", path) : 0;
}

int arch_check_kernel(const struct vm_config *cfg)
{
	struct mem_region mem[VM_MAX_MEM];
	struct arm64_image img;
	uint64_t load, end;
	int n, r;

	if (!cfg->kernel)
		return 0; /* a payload's size is checked where it is loaded */
	/* RAM as laid out with nothing reserved (the IOMMU can only take more of it;
	 * arch_load checks again once the layout is final) */
	n = arch_ram_layout(cfg->memory, 2u << 20, NULL, 0, mem, VM_MAX_MEM);
	if (n < 0)
		return n;
	if ((r = read_image(cfg->kernel, &img, NULL)) < 0)
		return r;
	if (place_image(&img, mem, n, &load, &end) < 0)
		return err_ctx(-ENOSPC, "kernel %s", cfg->kernel);
	return 0;
}

static int load_kernel(struct vm *vm, struct arm64_vm *a, uint64_t *kernel_end,
		       uint64_t *region_top)
{
	const char *path = vm->cfg->kernel;
	struct arm64_image img;
	uint64_t load, end;
	uint8_t *dst;
	int fd, i, r;

	if ((r = read_image(path, &img, &fd)) < 0)
		return r;
	i = place_image(&img, vm->mem, vm->nmem, &load, &end);
	if (i < 0) {
		sys_close(fd);
		return err_ctx(i, "kernel %s", path);
	}
	dst = gpa_to_hva(vm, load, img.file_size);
	r = dst ? loader_read_into(fd, path, dst, 0, img.file_size)
		: err_msg(ENOSPC, "kernel %s: outside guest RAM", path);
	sys_close(fd);
	if (r < 0)
		return r;
	a->entry = load;
	*kernel_end = end;
	*region_top = vm->mem[i].gpa + vm->mem[i].size;
	return 0;
}

static void describe(struct vm *vm, struct arm64_vm *a, struct arm64_board *b)
{
	static const uint32_t ppis[4] = ARM64_TIMER_PPIS;

	memset(b, 0, sizeof(*b));
	for (int i = 0; i < vm->nmem; i++)
		b->mem[i] = (struct arm64_fdt_range){ vm->mem[i].gpa, vm->mem[i].size };
	b->nmem = vm->nmem;
	b->ncpus = vm->ncpus;
	b->topology = vm->cfg->topology;
	for (int i = 0; i < vm->ncpus; i++)
		b->mpidr[i] = a->mpidr[i] & 0xff00ffffffull; /* the affinity fields */
	b->gicd = (struct arm64_fdt_range){ ARM64_GICD, ARM64_GICD_SIZE };
	b->gicr = (struct arm64_fdt_range){ ARM64_GICR, (uint64_t)vm->ncpus * ARM64_GICR_SIZE };
	if (a->its_fd >= 0)
		b->its = (struct arm64_fdt_range){ ARM64_ITS, ARM64_ITS_SIZE };
	memcpy(b->timer_ppi, ppis, sizeof(ppis));
	b->uart = (struct arm64_fdt_range){ ARM64_UART, 0x1000 };
	b->uart_spi = ARM64_SPI_UART;
	b->uart_clock_hz = ARM64_UART_CLOCK_HZ;
	b->gpio = (struct arm64_fdt_range){ ARM64_GPIO, PL061_SIZE };
	b->gpio_spi = ARM64_SPI_GPIO;
	b->power_gpio = ARM64_GPIO_POWER;
	b->ecam = (struct arm64_fdt_range){ ARM64_ECAM, ARM64_ECAM_SIZE };
	b->mmio32 = (struct arm64_fdt_range){ ARM64_MMIO32_BASE, ARM64_MMIO32_SIZE };
	b->mmio64 = (struct arm64_fdt_range){ ARM64_MMIO64_BASE, ARM64_MMIO64_SIZE };
	b->pio = (struct arm64_fdt_range){ ARM64_PCI_IO, PCI_IO_WINDOW };
	for (int pin = 0; pin < 4; pin++)
		b->intx_spi[pin] = ARM64_SPI_INTX + (uint32_t)pin;
	for (int i = 0; i < vm->nvirtio_mmio && i < ARM64_FDT_VIRTIO; i++) {
		b->virtio[i] = (struct arm64_fdt_range){ vm->virtio_mmio[i].base,
							 vm->virtio_mmio[i].size };
		b->virtio_spi[i] = vm->virtio_mmio[i].gsi;
	}
	b->nvirtio = vm->nvirtio_mmio;
	b->bootargs = vm->cfg->cmdline;
}

int arch_load(struct vm *vm)
{
	struct arm64_vm *a = vm->arch;
	struct arm64_board b;
	uint64_t top = 0, end = 0, initrd = 0, initrd_size = 0, size = 0;
	uint8_t *dtb;
	int r;

	if (vm->cfg->kernel) {
		if ((r = load_kernel(vm, a, &end, &top)) < 0)
			return r;
	} else {
		top = vm->mem[0].gpa + vm->mem[0].size;
		if (vm->mem[0].size <= ARM64_DTB_MAX)
			return err_msg(ENOSPC, "guest RAM too small for a payload");
		r = loader_load_file(vm, "payload", vm->cfg->payload, vm->mem[0].gpa,
				     top - ARM64_DTB_MAX, false, &a->entry, &size);
		if (r < 0)
			return r;
		end = a->entry + size;
	}
	a->dtb = top - ARM64_DTB_MAX;
	if (vm->cfg->initrd) {
		/* as high as it fits between the kernel's end (with its BSS, as the Image's
		 * header says) or the payload's, and the device tree */
		r = loader_load_file(vm, "initrd", vm->cfg->initrd, end, a->dtb, true, &initrd,
				     &initrd_size);
		if (r < 0)
			return r;
	}
	describe(vm, a, &b);
	b.initrd_start = initrd;
	b.initrd_end = initrd + initrd_size;
	dtb = gpa_to_hva(vm, a->dtb, ARM64_DTB_BUILD);
	if (!dtb)
		return err_msg(ENOSPC, "guest RAM too small for the device tree");
	r = arm64_fdt_build(dtb, ARM64_DTB_BUILD, &b);
	return r < 0 ? r : 0;
}

const bool arch_has_dtb = true;
const char arch_no_dtb[] = "";

int arch_dump_dtb(struct vm *vm, const char *path)
{
	struct arm64_vm *a = vm->arch;
	const uint8_t *dtb = gpa_to_hva(vm, a->dtb, ARM64_DTB_BUILD);
	size_t size, done = 0;
	int fd;

	if (!dtb)
		return err_msg(EINVAL, "--dump-dtb: the VM has no device tree");
	size = fdt_totalsize(dtb);
	if (size > ARM64_DTB_BUILD)
		return err_msg(EINVAL, "--dump-dtb: the device tree's header is damaged");
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_errno(errno, "--dump-dtb: open %s", path);
	while (done < size) {
		ssize_t n = write(fd, dtb + done, size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int e = n < 0 ? errno : EIO;

			close(fd);
			return err_errno(e, "--dump-dtb: write %s", path);
		}
		done += (size_t)n;
	}
	if (close(fd) < 0)
		return err_errno(errno, "--dump-dtb: write %s", path);
	return (int)size;
}
