/* INTx of an assigned function: level-triggered, without ptvm on the path. VFIO signals
 * the trigger eventfd and masks the line; KVM asserts the GSI; on the guest's EOI KVM
 * de-asserts it and signals the resample eventfd, which VFIO takes as "unmask". INTx is
 * on whenever neither MSI nor MSI-X is (vfio-pci allows one kind at a time). */
#include <stdio.h>

#include "passthrough/passthrough.h"
#include "vmm/arch.h"
#include "vmm/irq.h"
#include "vmm/sys.h"

static int set_irqs(struct pt_dev *d, uint32_t action, int fd)
{
	struct {
		struct vfio_irq_set s;
		int32_t fd;
	} set = { .s = { .argsz = sizeof(set), .index = VFIO_PCI_INTX_IRQ_INDEX,
			 .count = fd >= 0 ? 1 : 0,
			 .flags = (fd >= 0 ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE) |
				  action },
		  .fd = fd };

	if (fd < 0)
		set.s.argsz = sizeof(set.s);
	return sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set);
}

int pt_intx_enable(struct pt_dev *d)
{
	int r;

	if (d->intx_gsi < 0 || d->intx_on)
		return 0;
	if (d->intx_efd < 0 && (d->intx_efd = r = sys_eventfd(0, 0)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	if (d->intx_unmask_efd < 0 && (d->intx_unmask_efd = r = sys_eventfd(0, 0)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	if ((r = set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER, d->intx_efd)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	if ((r = set_irqs(d, VFIO_IRQ_SET_ACTION_UNMASK, d->intx_unmask_efd)) < 0 ||
	    (r = irq_irqfd(d->vm, d->intx_efd, (uint32_t)d->intx_gsi, d->intx_unmask_efd)) < 0) {
		char why[512];

		snprintf(why, sizeof(why), "%s", err_get());
		set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER, -1);
		return err_msg(r, "%s: INTx: %s", d->name, why);
	}
	d->intx_on = true;
	return 0;
}

/* INTx back on after the guest turned MSI or MSI-X off: a failure leaves the guest without
 * interrupts from the device, which it is told about only through this warning. */
void pt_intx_restore(struct pt_dev *d)
{
	if (pt_intx_enable(d) < 0)
		pt_warn(d, "INTx not restored");
}

void pt_intx_disable(struct pt_dev *d)
{
	if (!d->intx_on)
		return;
	if (set_irqs(d, VFIO_IRQ_SET_ACTION_TRIGGER, -1) < 0)
		pt_warn(d, "INTx off at the device");
	if (irq_irqfd_remove(d->vm, d->intx_efd, (uint32_t)d->intx_gsi) < 0)
		pt_warn(d, "INTx irqfd not removed");
	d->intx_on = false;
}

int pt_intx_setup(struct pt_dev *d, uint8_t pin)
{
	struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = VFIO_PCI_INTX_IRQ_INDEX };
	int r;

	if (pin < 1 || pin > 4)
		return 0;
	if ((r = sys_ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii)) < 0)
		return err_ctx(r, "%s: INTx", d->name);
	if (!ii.count)
		return 0;
	d->intx_gsi = arch_pci_intx_gsi(d->func.slot, pin - 1);
	pt_vcfg_set(d, 0x3c, 1, (uint32_t)d->intx_gsi);
	return pt_intx_enable(d);
}

void pt_intx_free(struct pt_dev *d)
{
	pt_intx_disable(d);
	if (d->intx_efd >= 0)
		sys_close(d->intx_efd);
	if (d->intx_unmask_efd >= 0)
		sys_close(d->intx_unmask_efd);
	d->intx_efd = d->intx_unmask_efd = -1;
}
