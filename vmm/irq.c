#include "vmm/irq.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/arch.h"
#include "vmm/sys.h"

#define BASE_ROUTES_MAX 64

/* KVM_SET_GSI_ROUTING replaces the whole table, so the table is kept here, ready to hand
 * to KVM: the board's fixed routes first (arch_irq_base_routes: on x86 a PC's IOAPIC and
 * PIC pins), then one entry per MSI route in no particular order. A route change edits one
 * entry in place; removing one moves the last entry into its place. */
struct irq_routes {
	pthread_mutex_t lock;
	uint8_t used[IRQ_MAX_GSI / 8];  /* GSIs handed out */
	uint16_t at[IRQ_MAX_GSI];       /* entry index of a GSI's MSI route, 0: none */
	struct kvm_irq_routing *table;  /* the base routes + up to IRQ_MAX_GSI entries */
	uint32_t base;                  /* how many base routes the table starts with */
	uint32_t first_msi;             /* the lowest GSI an MSI route may take */
	bool devid;                     /* MSI routes carry the requester ID (an ITS) */
};

int irq_init(struct vm *vm)
{
	struct irq_routes *ir = calloc(1, sizeof(*ir));
	struct kvm_irq_routing *t;
	int n;

	if (!ir)
		return err_msg(ENOMEM, "out of memory");
	t = calloc(1, sizeof(*t) + (BASE_ROUTES_MAX + IRQ_MAX_GSI) * sizeof(t->entries[0]));
	if (!t) {
		free(ir);
		return err_msg(ENOMEM, "out of memory");
	}
	n = arch_irq_base_routes(t->entries, BASE_ROUTES_MAX, &ir->first_msi, &ir->devid);
	if (n < 0 || ir->first_msi >= IRQ_MAX_GSI) {
		free(t);
		free(ir);
		return err_msg(EINVAL, "the board's interrupt routes");
	}
	t->nr = (uint32_t)n;
	for (uint32_t gsi = 0; gsi < ir->first_msi; gsi++)
		ir->used[gsi / 8] |= (uint8_t)(1 << (gsi % 8)); /* never handed out */
	pthread_mutex_init(&ir->lock, NULL);
	ir->table = t;
	ir->base = t->nr;
	vm->irq = ir;
	return 0;
}

static int commit(struct vm *vm, struct irq_routes *ir)
{
	int r = sys_ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, ir->table);

	return r < 0 ? r : 0;
}

int irq_routes_commit(struct vm *vm)
{
	struct irq_routes *ir = vm->irq;
	int r;

	pthread_mutex_lock(&ir->lock);
	r = commit(vm, ir);
	pthread_mutex_unlock(&ir->lock);
	return r < 0 ? err_ctx(r, "interrupt routes") : 0;
}

int irq_alloc_gsi(struct vm *vm)
{
	struct irq_routes *ir = vm->irq;
	int gsi = -1;

	pthread_mutex_lock(&ir->lock);
	for (int g = (int)ir->first_msi; g < IRQ_MAX_GSI; g++)
		if (!(ir->used[g / 8] & (1 << (g % 8)))) {
			ir->used[g / 8] |= (uint8_t)(1 << (g % 8));
			gsi = g;
			break;
		}
	pthread_mutex_unlock(&ir->lock);
	return gsi >= 0 ? gsi : err_msg(ENOSPC, "all %d interrupt routes are in use",
					IRQ_MAX_GSI - (int)ir->first_msi);
}

int irq_route_msi(struct vm *vm, uint32_t gsi, uint64_t addr, uint32_t data, uint32_t devid)
{
	struct irq_routes *ir = vm->irq;
	struct kvm_irq_routing_entry e = {
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32),
			   .data = data } };
	int r;

	if (ir->devid) {
		e.flags = KVM_MSI_VALID_DEVID;
		e.u.msi.devid = devid;
	}
	if (gsi < ir->first_msi || gsi >= IRQ_MAX_GSI)
		return err_msg(EINVAL, "bad MSI route GSI %u", gsi);
	pthread_mutex_lock(&ir->lock);
	if (!ir->at[gsi])
		ir->at[gsi] = (uint16_t)ir->table->nr++;
	ir->table->entries[ir->at[gsi]] = e;
	r = commit(vm, ir);
	pthread_mutex_unlock(&ir->lock);
	return r;
}

int irq_free_gsi(struct vm *vm, uint32_t gsi)
{
	struct irq_routes *ir = vm->irq;
	struct kvm_irq_routing *t;
	int r = 0;

	if (!ir || gsi < ir->first_msi || gsi >= IRQ_MAX_GSI)
		return 0;
	pthread_mutex_lock(&ir->lock);
	t = ir->table;
	ir->used[gsi / 8] &= (uint8_t)~(1 << (gsi % 8));
	if (ir->at[gsi]) {
		uint16_t hole = ir->at[gsi];

		t->entries[hole] = t->entries[--t->nr];
		if (hole != t->nr)
			ir->at[t->entries[hole].gsi] = hole;
		memset(&t->entries[t->nr], 0, sizeof(t->entries[0]));
		ir->at[gsi] = 0;
		r = commit(vm, ir);
	}
	pthread_mutex_unlock(&ir->lock);
	return r;
}

int irq_routes_in_use(struct vm *vm)
{
	struct irq_routes *ir = vm->irq;
	int n;

	pthread_mutex_lock(&ir->lock);
	n = (int)(ir->table->nr - ir->base);
	pthread_mutex_unlock(&ir->lock);
	return n;
}

int irq_irqfd(struct vm *vm, int efd, uint32_t gsi, int resample_fd)
{
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = gsi };
	int r;

	if (resample_fd >= 0) {
		f.flags = KVM_IRQFD_FLAG_RESAMPLE;
		f.resamplefd = (uint32_t)resample_fd;
	}
	r = sys_ioctl(vm->vm_fd, KVM_IRQFD, &f);
	return r < 0 ? r : 0;
}

int irq_irqfd_remove(struct vm *vm, int efd, uint32_t gsi)
{
	struct kvm_irqfd f = { .fd = (uint32_t)efd, .gsi = gsi, .flags = KVM_IRQFD_FLAG_DEASSIGN };
	int r = sys_ioctl(vm->vm_fd, KVM_IRQFD, &f);

	return r < 0 ? r : 0;
}

void irq_free(struct vm *vm)
{
	if (vm->irq) {
		pthread_mutex_destroy(&vm->irq->lock);
		free(vm->irq->table);
		free(vm->irq);
		vm->irq = NULL;
	}
}
