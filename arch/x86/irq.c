/* A PC's interrupt wiring as KVM routes it: ISA IRQ n to PIC pin n and IOAPIC pin n, except
 * the PIT's IRQ 0, which reaches the IOAPIC on pin 2 as the MADT's override says, and IRQ 2,
 * the PICs' cascade, which is nothing; PCI GSIs 16-23 to the IOAPIC. MSIs are aimed at the
 * LAPICs' window. */
#include <errno.h>

#include "arch/x86/x86.h"
#include "vmm/arch.h"

#define IOAPIC_PINS 24
#define PIC_IRQS 16

int arch_irq_base_routes(struct kvm_irq_routing_entry *out, int max, uint32_t *first_msi,
			 bool *devid)
{
	int n = 0;

	for (uint32_t gsi = 0; gsi < IOAPIC_PINS; gsi++) {
		if (gsi == 2)
			continue;
		if (n + 2 > max)
			return -ENOSPC;
		out[n++] = (struct kvm_irq_routing_entry){
			.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
			.u.irqchip = { .irqchip = KVM_IRQCHIP_IOAPIC, .pin = gsi ? gsi : 2 } };
		if (gsi < PIC_IRQS)
			out[n++] = (struct kvm_irq_routing_entry){
				.gsi = gsi, .type = KVM_IRQ_ROUTING_IRQCHIP,
				.u.irqchip = { .irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER
								 : KVM_IRQCHIP_PIC_SLAVE,
					       .pin = gsi % 8 } };
	}
	*first_msi = IOAPIC_PINS; /* GSIs 0-23 are the IOAPIC's pins */
	*devid = false;           /* the LAPICs take no requester ID */
	return n;
}

uint32_t arch_irq_line(uint32_t line)
{
	return line; /* a GSI: KVM_IRQ_LINE goes through the routes above */
}

bool arch_msi_address_ok(uint64_t addr)
{
	return (addr & ~0xfffffull) == X86_LAPIC; /* 0xfee00000-0xfeefffff */
}
