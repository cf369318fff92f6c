/* The MSI capability of an assigned function, emulated at its real size (10, 14, 20 or 24
 * bytes: 32 or 64-bit addresses, with or without per-vector masking). The guest's message
 * becomes KVM routes, never the device's: VFIO gives the device one eventfd per vector and
 * KVM turns each into the guest's interrupt (irqfd), so ptvm is never on the interrupt's
 * path. VFIO hears of MSI only when the guest enables or disables it or changes the
 * vector count; a new address or data only changes the routes (Linux reprograms them
 * while MSI is on, to move an interrupt between CPUs), so no interrupt is lost in a
 * disable/enable cycle of the device. A masked vector's irqfd is detached: its interrupts
 * wait in the eventfd (the pending bit shows them) and arrive when it is unmasked. */
#include <poll.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"

#define MSI_CTRL_ENABLE 0x0001
#define MSI_CTRL_MME 0x0070
#define MSI_CTRL_64 0x0080
#define MSI_CTRL_PVM 0x0100

static uint32_t mask_of(struct pt_dev *d)
{
	return d->msi.mask_at ? pt_vcfg_get(d, d->msi.mask_at, 4) : 0;
}

static void vfio_msi(struct pt_dev *d, int n)
{
	struct {
		struct vfio_irq_set s;
		int32_t fds[PT_MAX_MSI];
	} set;

	memset(&set, 0, sizeof(set));
	set.s.argsz = (uint32_t)(sizeof(set.s) + (size_t)n * sizeof(int32_t));
	set.s.flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		      (n ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	set.s.index = VFIO_PCI_MSI_IRQ_INDEX;
	set.s.count = (uint32_t)n;
	for (int i = 0; i < n; i++)
		set.fds[i] = d->msi.efd[i];
	if (sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &set) == 0)
		d->msi.vfio_on = n > 0;
	else if (!n)
		pt_warn(d, "MSI off at the device");
	if (!n)
		d->msi.vfio_on = false; /* whatever VFIO said, ptvm drops the vectors */
}

void pt_msi_disable(struct pt_dev *d)
{
	struct pt_msi *m = &d->msi;
	bool was_on = m->vfio_on;

	if (m->vfio_on)
		vfio_msi(d, 0);
	for (int i = 0; i < m->nvec; i++) {
		if (m->live[i] && irq_irqfd_remove(d->vm, m->efd[i], (uint32_t)m->gsi[i]) < 0)
			pt_warn(d, "MSI vector %d: irqfd not removed", i);
		if (irq_free_gsi(d->vm, (uint32_t)m->gsi[i]) < 0)
			pt_warn(d, "MSI vector %d: route not removed", i);
		sys_close(m->efd[i]);
		m->live[i] = false;
		m->gsi[i] = m->efd[i] = -1;
	}
	m->nvec = 0;
	m->routed = false;
	if (was_on)
		pt_intx_restore(d);
}

static int route(struct pt_dev *d, int i, int n)
{
	/* multiple messages: the low bits of data carry the vector number */
	uint32_t data = (d->msi.data & ~(uint32_t)(n - 1)) | (uint32_t)i;

	return irq_route_msi(d->vm, (uint32_t)d->msi.gsi[i], d->msi.addr, data,
			     pt_requester_id(d));
}

/* Each vector's irqfd follows its mask bit. */
static int follow_masks(struct pt_dev *d)
{
	struct pt_msi *m = &d->msi;
	uint32_t mask = mask_of(d);

	for (int i = 0; i < m->nvec; i++) {
		bool masked = mask & (1u << i);

		if (masked && m->live[i]) {
			if (irq_irqfd_remove(d->vm, m->efd[i], (uint32_t)m->gsi[i]) < 0)
				pt_warn(d, "MSI vector %d: irqfd not removed (masked)", i);
			m->live[i] = false;
		} else if (!masked && !m->live[i]) {
			if (irq_irqfd(d->vm, m->efd[i], (uint32_t)m->gsi[i], -1) < 0)
				return -1;
			m->live[i] = true;
		}
	}
	return 0;
}

static int enable(struct pt_dev *d, int want)
{
	struct pt_msi *m = &d->msi;

	for (int i = 0; i < want; i++) {
		int gsi = irq_alloc_gsi(d->vm), efd = gsi < 0 ? -1 : sys_eventfd(0, 0);

		if (efd < 0) {
			if (gsi >= 0)
				irq_free_gsi(d->vm, (uint32_t)gsi);
			return -1;
		}
		m->gsi[i] = gsi;
		m->efd[i] = efd;
		m->nvec = i + 1; /* from here pt_msi_disable undoes it */
		if (route(d, i, want) < 0)
			return -1;
	}
	m->routed = true;
	if (follow_masks(d) < 0)
		return -1;
	pt_intx_disable(d);
	vfio_msi(d, want);
	if (!m->vfio_on) {
		pt_intx_restore(d);
		return -1;
	}
	log_step("%s: guest enabled %d MSI vector(s)", d->name, want);
	return 0;
}

static void msi_after(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	struct pt_msi *m = &d->msi;
	uint16_t ctrl = (uint16_t)pt_vcfg_get(d, m->cap + 2u, 2);
	int want = (ctrl & MSI_CTRL_ENABLE) ? 1 << ((ctrl & MSI_CTRL_MME) >> 4) : 0;
	uint64_t addr = pt_vcfg_get(d, m->cap + 4u, 4);
	uint32_t data = pt_vcfg_get(d, m->data_at, 2);

	if (ctrl & MSI_CTRL_64)
		addr |= (uint64_t)pt_vcfg_get(d, m->cap + 8u, 4) << 32;
	if (want > m->capable)
		want = m->capable; /* more than the device can send: it sends what it can */
	pthread_mutex_lock(&d->lock);
	if (want != m->nvec) {
		pt_msi_disable(d);
		m->addr = addr;
		m->data = data;
		if (want && enable(d, want) < 0) {
			/* what the host cannot give, the guest does not get: MSI stays off */
			pt_warn(d, "the guest's MSI (%d vectors) stays off", want);
			pt_msi_disable(d);
		}
	} else if (want) {
		bool moved = !m->routed || addr != m->addr || data != m->data;

		m->addr = addr;
		m->data = data;
		for (int i = 0; moved && i < m->nvec; i++)
			if (route(d, i, m->nvec) < 0)
				goto fail;
		m->routed = true;
		if (follow_masks(d) < 0)
			goto fail;
	}
	pthread_mutex_unlock(&d->lock);
	(void)off, (void)len, (void)val;
	return;
fail:
	pt_warn(d, "the guest's MSI (%d vectors) stays off", m->nvec);
	pt_msi_disable(d);
	pthread_mutex_unlock(&d->lock);
}

/* Pending bits: a masked vector whose eventfd has fired. */
static void msi_read(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	struct pt_msi *m = &d->msi;
	uint32_t bits = 0;

	if (!m->pending_at || off >= m->pending_at + 4u || off + len <= m->pending_at)
		return;
	pthread_mutex_lock(&d->lock);
	for (int i = 0; i < m->nvec; i++) {
		struct pollfd p = { .fd = m->efd[i], .events = POLLIN };

		if (!m->live[i] && poll(&p, 1, 0) == 1)
			bits |= 1u << i;
	}
	pthread_mutex_unlock(&d->lock);
	pt_vcfg_set(d, m->pending_at, 4, bits);
	(void)val;
}

int pt_msi_init(struct pt_dev *d, uint8_t cap)
{
	static const char why[] = "the guest's message is programmed into KVM interrupt "
				  "routes, not into the device: VFIO owns the device's MSI "
				  "and signals eventfds";
	struct pt_msi *m = &d->msi;
	uint16_t ctrl;
	bool is64;
	uint32_t len;
	struct pt_cfg_region r;
	int ret;

	memcpy(&ctrl, d->cfg.host + cap + 2, 2);
	is64 = ctrl & MSI_CTRL_64;
	len = (is64 ? 14u : 10u) + (ctrl & MSI_CTRL_PVM ? 10u : 0u);
	r = (struct pt_cfg_region){ cap, (uint16_t)len, 0x05, false, PT_CFG_EMUL, "MSI", why,
				    msi_read, NULL, msi_after };
	if ((ret = pt_cfg_region(d, &r)) < 0)
		return ret;
	for (int i = 0; i < PT_MAX_MSI; i++)
		m->gsi[i] = m->efd[i] = -1;
	m->cap = cap;
	m->capable = 1 << ((ctrl >> 1) & 7);
	if (m->capable > PT_MAX_MSI)
		m->capable = PT_MAX_MSI; /* 0b110 and 0b111 are reserved encodings */
	m->data_at = (uint8_t)(cap + (is64 ? 12 : 8));
	if (ctrl & MSI_CTRL_PVM) {
		m->mask_at = (uint8_t)(cap + (is64 ? 16 : 12));
		m->pending_at = (uint8_t)(m->mask_at + 4);
	}
	d->cfg.msi_cap = cap;
	/* Start disabled with no message (as after a reset): ID, next pointer and the
	 * capability bits of the control word are the device's; the guest writes enable and
	 * the vector count, the address and data, and the mask bits of vectors it has. */
	memset(d->cfg.vcfg + cap + 4, 0, len - 4);
	pt_cfg_emulate_bits(d, cap + 2u, 2, 0xffff, MSI_CTRL_ENABLE | MSI_CTRL_MME,
			    ctrl & ~(MSI_CTRL_ENABLE | MSI_CTRL_MME | 0x0400u));
	pt_cfg_emulate_bits(d, cap + 4u, 4, ~0u, 0xfffffffcu, 0);
	if (is64)
		pt_cfg_emulate_bits(d, cap + 8u, 4, ~0u, ~0u, 0);
	pt_cfg_emulate_bits(d, m->data_at, 2, 0xffff, 0xffff, 0);
	if (m->mask_at)
		pt_cfg_emulate_bits(d, m->mask_at, 4, ~0u,
				    m->capable == 32 ? ~0u : (1u << m->capable) - 1, 0);
	return 0;
}
