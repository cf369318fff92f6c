/* The assigned device as a PCI function on ptvm's bus: its config space (config.c) over
 * the device's own, its BARs (bars.c), and its interrupts (intx.c, msi.c, msix.c). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/log.h"
#include "vmm/sys.h"

void pt_warn(struct pt_dev *d, const char *fmt, ...)
{
	char what[160];
	va_list ap;

	/* a device failing on every access must not flood the log */
	if (__atomic_fetch_add(&d->warnings, 1, __ATOMIC_RELAXED) >= PT_MAX_WARNINGS)
		return;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ptvm: warning: %s: %s: %s%s\n", d->name, what, err_get(),
		d->warnings == PT_MAX_WARNINGS ? " (further warnings for it are not shown)" : "");
}

static uint32_t cfg_read(struct pci_func *f, uint32_t off, uint32_t len)
{
	return pt_cfg_read(f->opaque, off, len);
}

static void cfg_write(struct pci_func *f, uint32_t off, uint32_t len, uint32_t val)
{
	pt_cfg_write(f->opaque, off, len, val);
}

static const struct pci_func_ops pt_ops = { cfg_read, cfg_write };

int pt_func_init(struct pt_dev *d)
{
	struct vfio_region_info ri = { .argsz = sizeof(ri), .index = VFIO_PCI_CONFIG_REGION_INDEX };
	int r = sys_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri);
	uint16_t cmd;
	uint8_t pin;

	if (r < 0)
		return err_ctx(r, "%s config space", d->name);
	d->cfg_off = ri.offset;
	d->cfg.size = ri.size > 4096 ? 4096 : (uint32_t)ri.size;
	pthread_mutex_init(&d->lock, NULL);
	d->lock_init = true;
	for (int i = 0; i < PT_MAX_MSI; i++)
		d->msi.gsi[i] = d->msi.efd[i] = -1;
	if ((r = pt_bars_init(d)) < 0)
		return r;
	log_step("%s: BARs mmapped and placed", d->name);
	if ((r = pt_cfg_build(d)) < 0)
		return r;
	d->func = (struct pci_func){ .ops = &pt_ops, .opaque = d, .name = d->name,
				     .slot = d->want_slot };
	if ((r = pci_add_func(d->vm->pci, &d->func)) < 0)
		return err_ctx(r, "%s", d->name);
	pin = d->cfg.host[0x3d];
	if ((r = pt_intx_setup(d, pin)) < 0)
		return r;
	/* As firmware would: decode on, bus mastering off until the guest's driver asks. */
	if ((r = pt_dev_cfg_read(d, 0x04, &cmd, 2)) < 0)
		return err_ctx(r, "%s: command register", d->name);
	cmd = (uint16_t)(cmd & ~0x4u) | 0x2;
	for (int i = 0; i < 6; i++)
		if (d->bars[i].size && d->bars[i].io)
			cmd |= 0x1;
	if ((r = pt_dev_cfg_write(d, 0x04, &cmd, 2)) < 0)
		return err_ctx(r, "%s: command register", d->name);
	pt_bars_update(d, cmd, true);
	pt_cfg_log(d);
	log_step("%s: guest PCI slot %u", d->name, d->func.slot);
	return 0;
}

void pt_func_teardown(struct pt_dev *d)
{
	if (d->lock_init)
		pt_msi_disable(d);
	pt_msix_free(d);
	pt_intx_free(d);
	pt_bars_free(d);
}
