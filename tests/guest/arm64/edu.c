/* Every QEMU edu device on bus 0, found through the ECAM: its ID register through the BAR
 * ptvm mapped, the liveness register, DMA RAM -> device -> RAM through the IOMMU (IOVA =
 * guest address), and MSI through the ITS (the device's requester ID is its ITS device
 * ID): a raised interrupt and a DMA completion each arrive as the LPI mapped for it, then
 * BURST raised interrupts, one after another, all do. Prints one line per device, then
 * the count; fails with testdev exit codes 21-28 (as the x86 payload does) and 41-42 (the
 * ITS). */
#include "lib.h"

#define SRC   0x200000ul
#define DST   0x300000ul
#define LEN   1024u
#define BURST 200

static unsigned wait_lpi(unsigned lpi, unsigned code)
{
	for (unsigned n = 0; n < 20000000; n++) {
		unsigned id = gic_ack();

		if (id == 1023)
			continue;
		gic_eoi(id);
		if (id != lpi) {
			puts_("unexpected INTID ");
			putdec(id);
			puts_("\n");
			fail(code);
		}
		return id;
	}
	fail(code);
}

static void dma_wait(uintptr_t bar)
{
	for (unsigned n = 0; rd64(bar + 0x98) & 1; n++)
		if (n > 50000000)
			fail(23);
}

static void test_edu(unsigned slot)
{
	uintptr_t bar = cfg_rd32(slot, 0x10) & ~0xful;
	unsigned msi = cfg_find_cap(slot, 0x05), lpi = LPI_BASE + slot;
	volatile uint8_t *src = (volatile uint8_t *)SRC, *dst = (volatile uint8_t *)DST;

	cfg_wr16(slot, 0x04, cfg_rd16(slot, 0x04) | 0x6); /* memory decode, bus master */
	if (rd32(bar) != 0x010000ed)
		fail(21);
	wr32(bar + 4, 0x12345678); /* liveness: reads back inverted */
	if (rd32(bar + 4) != 0xedcba987)
		fail(22);
	for (unsigned i = 0; i < LEN; i++) { /* a pattern that differs per slot */
		src[i] = (uint8_t)((i + slot) * 7);
		dst[i] = 0;
	}
	wr64(bar + 0x80, SRC); /* RAM -> the device's buffer at 0x40000 */
	wr64(bar + 0x88, 0x40000);
	wr64(bar + 0x90, LEN);
	wr64(bar + 0x98, 1);
	dma_wait(bar);
	wr64(bar + 0x80, 0x40000); /* and back, to another place */
	wr64(bar + 0x88, DST);
	wr64(bar + 0x90, LEN);
	wr64(bar + 0x98, 3);
	dma_wait(bar);
	for (unsigned i = 0; i < LEN; i++)
		if (dst[i] != (uint8_t)((i + slot) * 7))
			fail(24);

	/* MSI: the ITS's doorbell, event 0 of device ID = requester ID (bus 0) */
	if (!msi)
		fail(25);
	its_map(slot << 3, 0, lpi);
	cfg_wr32(slot, msi + 4, (uint32_t)TRANSLATER);
	cfg_wr32(slot, msi + 8, 0);
	cfg_wr16(slot, msi + 12, 0); /* data: the event */
	cfg_wr16(slot, msi + 2, cfg_rd16(slot, msi + 2) | 1);
	wr32(bar + 0x60, 1); /* raise */
	wait_lpi(lpi, 26);
	wr32(bar + 0x64, 1); /* acknowledge */
	wr64(bar + 0x80, SRC); /* a DMA that interrupts when done */
	wr64(bar + 0x88, 0x40000);
	wr64(bar + 0x90, LEN);
	wr64(bar + 0x98, 1 | 4);
	wait_lpi(lpi, 27);
	wr32(bar + 0x64, 0x100); /* edu's DMA interrupt status */
	for (unsigned i = 0; i < BURST; i++) {
		wr32(bar + 0x60, 2);
		wait_lpi(lpi, 28);
		wr32(bar + 0x64, 2);
	}
	puts_("edu in slot ");
	putdec(slot);
	puts_(" ok (LPI ");
	putdec(lpi);
	puts_(", ");
	putdec(BURST + 2);
	puts_(" MSIs)\n");
}

int main(void)
{
	unsigned n = 0;

	gic_init();
	its_init();
	for (unsigned slot = 0; slot < 32; slot++)
		if (cfg_rd32(slot, 0) == EDU_ID) {
			test_edu(slot);
			n++;
		}
	putdec(n);
	puts_(" edu device(s) passed\n");
	return 0;
}
