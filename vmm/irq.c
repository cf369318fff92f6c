#include "vmm/irq.h"

#include <stdlib.h>
#include <string.h>

#include "vmm/sys.h"

#define IOAPIC_PINS 24
#define MAX_GSI 1024

struct irq_routes {
	pthread_mutex_t lock;
	uint8_t used[MAX_GSI / 8];
	struct kvm_irq_routing_entry msi[MAX_GSI]; /* by GSI; type 0 = none */
};

static struct irq_routes *routes(struct vm *vm)
{
	if (!vm->irq) {
		vm->irq = calloc(1, sizeof(*vm->irq));
		if (vm->irq)
			pthread_mutex_init(&vm->irq->lock, NULL);
	}
	return vm->irq;
}

/* KVM_SET_GSI_ROUTING replaces the whole table: it must restate KVM's defaults (ISA IRQs
 * to the PIC and IOAPIC, PCI GSIs 16-23 to the IOAPIC) beside the MSI routes. */
static int commit(struct vm *vm, struct irq_routes *ir)
{
	size_t n = 0, max = IOAPIC_PINS + 16 + MAX_GSI;
	struct kvm_irq_routing *t = calloc(1, sizeof(*t) + max * sizeof(t->entries[0]));
	int r;

	if (!t)
		return err_msg(ENOMEM, "out of memory");
	for (uint32_t gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		t->entries[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi } };
		if (gsi < 16)
			t->entries[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
								 : KVM_IRQCHIP_PIC_SLAVE,
					       .pin = gsi % 8 } };
	}
	for (uint32_t gsi = IOAPIC_PINS; gsi < MAX_GSI; gsi++)
		if (ir->msi[gsi].type)
			t->entries[n++] = ir->msi[gsi];
	t->nr = (uint32_t)n;
	r = sys_ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, t);
	free(t);
	return r < 0 ? r : 0;
}

int irq_alloc_gsi(struct vm *vm)
{
	struct irq_routes *ir = routes(vm);
	int gsi = -1;

	if (!ir)
		return err_msg(ENOMEM, "out of memory");
	pthread_mutex_lock(&ir->lock);
	for (int g = IOAPIC_PINS; g < MAX_GSI; g++)
		if (!(ir->used[g / 8] & (1 << (g % 8)))) {
			ir->used[g / 8] |= (uint8_t)(1 << (g % 8));
			gsi = g;
			break;
		}
	pthread_mutex_unlock(&ir->lock);
	return gsi >= 0 ? gsi : err_msg(ENOSPC, "all %d interrupt routes are in use", MAX_GSI);
}

int irq_route_msi(struct vm *vm, uint32_t gsi, uint64_t addr, uint32_t data)
{
	struct irq_routes *ir = routes(vm);
	int r;

	if (!ir || gsi < IOAPIC_PINS || gsi >= MAX_GSI)
		return err_msg(EINVAL, "bad MSI route GSI %u", gsi);
	pthread_mutex_lock(&ir->lock);
	ir->msi[gsi] = (struct kvm_irq_routing_entry){
		.gsi = gsi, .type = KVM_IRQ_ROUTING_MSI,
		.u.msi = { .address_lo = (uint32_t)addr, .address_hi = (uint32_t)(addr >> 32),
			   .data = data } };
	r = commit(vm, ir);
	pthread_mutex_unlock(&ir->lock);
	return r;
}

int irq_free_gsi(struct vm *vm, uint32_t gsi)
{
	struct irq_routes *ir = vm->irq;
	int r = 0;

	if (!ir || gsi < IOAPIC_PINS || gsi >= MAX_GSI)
		return 0;
	pthread_mutex_lock(&ir->lock);
	ir->used[gsi / 8] &= (uint8_t)~(1 << (gsi % 8));
	if (ir->msi[gsi].type) {
		memset(&ir->msi[gsi], 0, sizeof(ir->msi[gsi]));
		r = commit(vm, ir);
	}
	pthread_mutex_unlock(&ir->lock);
	return r;
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
		free(vm->irq);
		vm->irq = NULL;
	}
}
