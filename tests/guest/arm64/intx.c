/* INTx of the first edu on bus 0: the GIC SPI whose number ptvm put in the
 * interrupt-line register (INTID = 32 + it), level-triggered; COUNT raised interrupts must
 * all arrive. Each one after the first needs the EOI -> KVM resample -> VFIO unmask path.
 * Fails with testdev exit codes 31-33, as the x86 payload does. */
#include "lib.h"

#define COUNT 50

int main(void)
{
	unsigned slot, intid, n;
	uintptr_t bar;

	for (slot = 0; slot < 32 && cfg_rd32(slot, 0) != EDU_ID; slot++)
		;
	if (slot == 32)
		fail(31);
	bar = cfg_rd32(slot, 0x10) & ~0xful;
	cfg_wr16(slot, 0x04, (cfg_rd16(slot, 0x04) | 0x6) & ~0x400); /* INTx not disabled */
	intid = 32 + (cfg_rd32(slot, 0x3c) & 0xff);
	gic_init();
	gic_spi_enable(intid);
	for (n = 0; n < COUNT; n++) {
		unsigned id = 1023, spins = 0;

		wr32(bar + 0x60, 1); /* raise: the line goes up */
		while ((id = gic_ack()) == 1023)
			if (++spins > 20000000)
				fail(32);
		if (id != intid) {
			puts_("unexpected INTID ");
			putdec(id);
			puts_("\n");
			fail(33);
		}
		wr32(bar + 0x64, 1); /* acknowledge: the line goes down */
		gic_eoi(id);
	}
	puts_("INTx: ");
	putdec(COUNT);
	puts_(" interrupts on INTID ");
	putdec(intid);
	puts_("\n");
	return 0;
}
