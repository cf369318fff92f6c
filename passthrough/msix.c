/* MSI-X for an assigned device: the capability's control word and the vector table are
 * virtual. The device gets one eventfd per vector from VFIO; a vector that the guest has
 * unmasked and pointed at a LAPIC becomes a KVM route + irqfd, so interrupts never pass
 * through ptvm. Masking a vector detaches its irqfd: interrupts then wait in the eventfd
 * (the PBA shows them pending) and are delivered when the guest unmasks it. */
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/arch.h"
#include "vmm/irq.h"
#include "vmm/log.h"
#include "vmm/sys.h"

#define MSIX_CTRL_ENABLE 0x8000
#define MSIX_CTRL_FMASK 0x4000
#define MSIX_ENTRY_MASKED 0x1

static bool vector_live(const struct pt_msix *m, int i)
{
	const struct pt_msix_entry *e = &m->table[i];

	return m->enabled && !m->fmask && !(e->ctrl & MSIX_ENTRY_MASKED) &&
	       arch_msi_address_ok((uint64_t)e->addr_hi << 32 | e->addr_lo);
}

static void vfio_msix(struct pt_dev *d, bool on)
{
	struct pt_msix *m = d->msix;
	size_t sz = sizeof(struct vfio_irq_set) + (on ? m->n * sizeof(int32_t) : 0);
	struct vfio_irq_set *s = calloc(1, sz);

	if (!s) {
		err_msg(ENOMEM, "out of memory");
		return;
	}
	s->argsz = (uint32_t)sz;
	s->index = VFIO_PCI_MSIX_IRQ_INDEX;
	s->flags = VFIO_IRQ_SET_ACTION_TRIGGER |
		   (on ? VFIO_IRQ_SET_DATA_EVENTFD : VFIO_IRQ_SET_DATA_NONE);
	s->count = on ? m->n : 0;
	if (on)
		memcpy(s->data, m->efd, m->n * sizeof(int32_t));
	if (sys_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s) < 0) {
		if (!on)
			pt_warn(d, "MSI-X off at the device");
		m->vfio_on = !on && m->vfio_on;
	} else {
		m->vfio_on = on;
	}
	free(s);
}

static void release(struct pt_dev *d)
{
	struct pt_msix *m = d->msix;

	if (m->vfio_on) {
		vfio_msix(d, false);
		m->vfio_on = false; /* whatever VFIO said, ptvm drops the vectors below */
		pt_intx_restore(d);
	}
	for (int i = 0; i < m->n; i++) {
		if (m->live[i] && irq_irqfd_remove(d->vm, m->efd[i], (uint32_t)m->gsi[i]) < 0)
			pt_warn(d, "MSI-X vector %d: irqfd not removed", i);
		if (m->gsi[i] >= 0 && irq_free_gsi(d->vm, (uint32_t)m->gsi[i]) < 0)
			pt_warn(d, "MSI-X vector %d: route not removed", i);
		if (m->efd[i] >= 0)
			sys_close(m->efd[i]);
		m->live[i] = false;
		m->gsi[i] = m->efd[i] = -1;
	}
}

/* Brings KVM and VFIO in line with the guest's view. Called with d->lock held. */
static void update(struct pt_dev *d, int only)
{
	struct pt_msix *m = d->msix;

	if (!m->enabled) {
		release(d);
		return;
	}
	if (!m->vfio_on) {
		for (int i = 0; i < m->n; i++)
			if (m->efd[i] < 0 && (m->efd[i] = sys_eventfd(0, 0)) < 0)
				goto fail;
		pt_intx_disable(d);
		vfio_msix(d, true);
		if (!m->vfio_on)
			goto fail;
		log_step("%s: guest enabled MSI-X (%d vectors)", d->name, m->n);
	}
	for (int i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : m->n); i++) {
		struct pt_msix_entry *e = &m->table[i];

		if (vector_live(m, i)) {
			if (m->gsi[i] < 0 && (m->gsi[i] = irq_alloc_gsi(d->vm)) < 0) {
				pt_warn(d, "MSI-X vector %d stays off", i);
				continue;
			}
			if (irq_route_msi(d->vm, (uint32_t)m->gsi[i],
					  e->addr_lo | (uint64_t)e->addr_hi << 32, e->data,
					  pt_requester_id(d)) < 0) {
				pt_warn(d, "MSI-X vector %d stays off", i);
				continue;
			}
			if (!m->live[i]) {
				m->live[i] = irq_irqfd(d->vm, m->efd[i], (uint32_t)m->gsi[i], -1) == 0;
				if (!m->live[i])
					pt_warn(d, "MSI-X vector %d stays off", i);
			}
		} else if (m->live[i]) {
			if (irq_irqfd_remove(d->vm, m->efd[i], (uint32_t)m->gsi[i]) < 0)
				pt_warn(d, "MSI-X vector %d: irqfd not removed (masked)", i);
			m->live[i] = false;
		}
	}
	return;
fail:
	pt_warn(d, "the guest's MSI-X stays off");
	release(d); /* what the host cannot give, the guest does not get: no vectors */
}

static bool pending(const struct pt_msix *m, int i)
{
	struct pollfd p = { .fd = m->efd[i], .events = POLLIN };

	return !m->live[i] && m->efd[i] >= 0 && poll(&p, 1, 0) == 1;
}

bool pt_msix_access(struct pt_dev *d, int bar, uint64_t off, void *data, uint32_t len,
		    bool write)
{
	struct pt_msix *m = d->msix;
	uint64_t tsize, psize;

	if (!m)
		return false;
	tsize = (uint64_t)m->n * 16;
	psize = ((uint64_t)m->n + 63) / 64 * 8;
	if (bar == m->table_bar && off >= m->table_off && off - m->table_off < tsize) {
		uint64_t o = off - m->table_off;

		if (len > tsize - o || (len != 4 && len != 8) || (o & (len - 1))) {
			if (!write) /* the spec allows only aligned dword/qword accesses */
				memset(data, 0xff, len);
			return true;
		}
		pthread_mutex_lock(&d->lock);
		if (write) {
			struct pt_msix_entry *e = &m->table[o / 16];

			memcpy((uint8_t *)m->table + o, data, len);
			/* reserved bits read as zero: vector control is only the mask bit, and
			 * the address is dword aligned */
			e->ctrl &= MSIX_ENTRY_MASKED;
			e->addr_lo &= ~3u;
			update(d, (int)(o / 16));
		} else {
			memcpy(data, (uint8_t *)m->table + o, len);
		}
		pthread_mutex_unlock(&d->lock);
		return true;
	}
	if (bar == m->pba_bar && off >= m->pba_off && off - m->pba_off < psize) {
		uint64_t o = off - m->pba_off, bits = 0;

		if (!write && len <= 8 && o + len <= psize) {
			pthread_mutex_lock(&d->lock);
			for (uint64_t b = 0; b < 8ull * len; b++) {
				uint64_t vec = o * 8 + b;

				if (vec < m->n && pending(m, (int)vec))
					bits |= 1ull << b;
			}
			pthread_mutex_unlock(&d->lock);
			memcpy(data, &bits, len);
		} else if (!write) {
			memset(data, 0, len);
		}
		return true; /* the PBA is read-only */
	}
	return false;
}

/* Guest writes to the capability's control word: enable and function mask are the
 * guest's, the table size is the device's. */
static void control_after(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	struct pt_msix *m = d->msix;
	uint16_t ctrl = (uint16_t)pt_vcfg_get(d, m->cap + 2u, 2);

	if (off >= m->cap + 4u || off + len <= m->cap + 2u)
		return;
	pthread_mutex_lock(&d->lock);
	m->enabled = ctrl & MSIX_CTRL_ENABLE;
	m->fmask = ctrl & MSIX_CTRL_FMASK;
	update(d, -1);
	pthread_mutex_unlock(&d->lock);
	(void)val;
}

int pt_msix_init(struct pt_dev *d, uint8_t cap)
{
	static const char why[] = "enable and function mask are the guest's: vectors become "
				  "KVM routes and irqfds; the table and PBA are emulated (they "
				  "always trap)";
	struct pt_cfg_region r = { cap, 12, 0x11, false, PT_CFG_PASS, "MSI-X", why, NULL, NULL,
				   control_after };
	struct pt_msix *m = calloc(1, sizeof(*m));
	uint16_t ctrl;
	uint32_t table, pba;
	int n, ret;

	if (!m)
		return err_msg(ENOMEM, "out of memory");
	memcpy(&ctrl, d->cfg.host + cap + 2, 2);
	memcpy(&table, d->cfg.host + cap + 4, 4);
	memcpy(&pba, d->cfg.host + cap + 8, 4);
	n = (ctrl & 0x7ff) + 1;
	m->cap = cap;
	m->n = (uint16_t)n;
	m->table_bar = table & 7;
	m->table_off = table & ~7u;
	m->pba_bar = pba & 7;
	m->pba_off = pba & ~7u;
	m->table = calloc((size_t)n, sizeof(*m->table));
	m->gsi = malloc((size_t)n * sizeof(int));
	m->efd = malloc((size_t)n * sizeof(int));
	m->live = calloc((size_t)n, sizeof(bool));
	d->msix = m;
	if (!m->table || !m->gsi || !m->efd || !m->live)
		return err_msg(ENOMEM, "%s: MSI-X table of %d vectors", d->name, n);
	for (int i = 0; i < n; i++) {
		m->gsi[i] = m->efd[i] = -1;
		m->table[i].ctrl = MSIX_ENTRY_MASKED; /* all vectors start masked */
	}
	if (m->table_bar > 5 || m->pba_bar > 5 || !d->bars[m->table_bar].size ||
	    !d->bars[m->pba_bar].size ||
	    m->table_off + 16ull * m->n > d->bars[m->table_bar].size ||
	    m->pba_off + (m->n + 63ull) / 64 * 8 > d->bars[m->pba_bar].size)
		return err_msg(EINVAL, "%s: the MSI-X table (BAR %d + 0x%llx) or PBA (BAR %d + "
				       "0x%llx) of %d vectors lies outside its BAR", d->name,
			       m->table_bar, (unsigned long long)m->table_off, m->pba_bar,
			       (unsigned long long)m->pba_off, n);
	if ((ret = pt_cfg_region(d, &r)) < 0)
		return ret;
	d->cfg.msix_cap = cap;
	/* disabled and unmasked at start, as after a reset; the size is the device's */
	pt_cfg_emulate_bits(d, cap + 2u, 2, 0xffff, MSIX_CTRL_ENABLE | MSIX_CTRL_FMASK,
			    ctrl & 0x07ffu);
	/* The table and PBA always trap, even where VFIO would let them be mapped: the
	 * guest never reaches the physical table. */
	pt_bar_exclude(&d->bars[m->table_bar], m->table_off, m->table_off + 16ull * m->n);
	pt_bar_exclude(&d->bars[m->pba_bar], m->pba_off, m->pba_off + (m->n + 63ull) / 64 * 8);
	return 0;
}

void pt_msix_free(struct pt_dev *d)
{
	struct pt_msix *m = d->msix;

	if (!m)
		return;
	if (m->gsi && m->efd && m->live)
		release(d);
	free(m->table);
	free(m->gsi);
	free(m->efd);
	free(m->live);
	free(m);
	d->msix = NULL;
}
