/* A hostile guest, for the arm64 lab's isolation test (the x86 payload's meaning, on
 * ptvm's arm64 board): with an edu and (optionally) an MSI-X device such as the e1000e
 * assigned, it
 *  1. has the edu DMA outside guest RAM, both ways (the SMMU must block both; the
 *     device buffer may come back unchanged or as one fill byte, never with host data);
 *  2. writes garbage to every config register of the edu through the ECAM (dwords, then
 *     words and bytes over the whole 4 KiB), then checks the read-only ID, BAR sizing and
 *     the device's own ID register;
 *  3. reads and writes MMIO where nothing is (all ones, writes ignored);
 *  4. writes garbage to every MSI-X table entry and the PBA of the MSI-X device, enables
 *     and disables MSI-X with them, and checks the table reads back sanely;
 *  5. stores a pair of registers where nothing is: an access KVM cannot decode (no ISV),
 *     which must come back as a data abort, the guest running on (arm64 only).
 * Prints "ptvm-guest: isolation: ..." lines; fails with testdev exit codes 31-40. The
 * test gives it 64 MiB of RAM at address 0. */
#include "lib.h"

#define E1000E_ID 0x10d38086u
#define SRC       0x200000ul
#define DST       0x300000ul
#define LEN       256u
#define OUTSIDE   0x6000000ul  /* 96 MiB: past guest RAM, below the SMMU's MSI window at
				* 128 MiB and below edu's 28-bit DMA mask */
#define NOWHERE   0xdf000000ul /* in the 32-bit PCI window, but no BAR there */
#define NOTHING   0xe8000000ul /* between the board's devices */

static unsigned find(uint32_t id)
{
	unsigned slot;

	for (slot = 0; slot < 32 && cfg_rd32(slot, 0) != id; slot++)
		;
	return slot;
}

static void dma(uintptr_t bar, uint64_t src, uint64_t dst, uint64_t cmd)
{
	wr64(bar + 0x80, src);
	wr64(bar + 0x88, dst);
	wr64(bar + 0x90, LEN);
	wr64(bar + 0x98, cmd);
	for (unsigned n = 0; rd64(bar + 0x98) & 1; n++)
		if (n > 50000000)
			fail(32);
}

/* V into every dword of the slot's config space from 0x08, then as words and bytes
 * through the whole 4 KiB (the command and status registers left alone, so that the
 * test goes on) */
static void cfg_garbage(unsigned slot, uint32_t v)
{
	for (unsigned off = 0x08; off < 0x100; off += 4)
		cfg_wr32(slot, off, v);
	for (unsigned off = 0; off < 0x1000; off += 2) {
		if (off == 0x04 || off == 0x06)
			continue;
		cfg_wr16(slot, off, (uint16_t)v);
		wr8(ECAM + (slot << 15) + off + 1, (uint8_t)v);
	}
}

static void msix_garbage(unsigned slot)
{
	unsigned cap = cfg_find_cap(slot, 0x11), n;
	uint32_t t, ctl;
	uintptr_t table;

	if (!cap)
		fail(39);
	ctl = cfg_rd32(slot, cap);
	n = ((ctl >> 16) & 0x7ff) + 1;
	t = cfg_rd32(slot, cap + 4);
	table = (cfg_rd32(slot, 0x10 + 4 * (t & 7)) & ~0xful) + (t & ~7u);
	cfg_wr16(slot, 0x04, cfg_rd16(slot, 0x04) | 0x2); /* memory decode */
	for (unsigned i = 0; i < n; i++) {
		wr32(table + 16 * i, 0xdeadbeef);
		wr32(table + 16 * i + 4, 0x5a5a5a5a);
		wr32(table + 16 * i + 8, 0xffffffff);
		wr32(table + 16 * i + 12, 0xfffffffe); /* unmasked, reserved bits set */
	}
	cfg_wr32(slot, cap, ctl | 0xc0000000u);            /* enable, function mask */
	cfg_wr32(slot, cap, (ctl | 0xc0000000u) & ~0x40000000u); /* mask off */
	for (unsigned i = 0; i < n; i++) {
		if (rd32(table + 16 * i + 12) & 0xfffffffe) /* only the mask bit is writable */
			fail(39);
		wr32(table + 16 * i + 12, 0xffffffff);
	}
	wr32(table + 16 * n, 0xffffffff); /* past the last entry */
	cfg_wr32(slot, cap, ctl & 0x3fffffffu);
}

int main(void)
{
	unsigned slot = find(EDU_ID), nic;
	volatile uint8_t *src = (volatile uint8_t *)SRC, *dst = (volatile uint8_t *)DST;
	uintptr_t bar;
	uint32_t bar_reg;

	if (slot == 32)
		fail(31);
	bar_reg = cfg_rd32(slot, 0x10);
	bar = bar_reg & ~0xful;
	cfg_wr16(slot, 0x04, cfg_rd16(slot, 0x04) | 0x6);

	/* 1. DMA outside RAM, after filling the device buffer with 0x5a from RAM */
	for (unsigned i = 0; i < LEN; i++)
		src[i] = 0x5a;
	dma(bar, SRC, 0x40000, 1);
	dma(bar, OUTSIDE, 0x40000, 1); /* outside RAM -> device: a blocked read */
	dma(bar, 0x40000, OUTSIDE, 3); /* device -> outside RAM: a blocked write */
	dma(bar, 0x40000, DST, 3);     /* what did the blocked read leave? */
	for (unsigned i = 1; i < LEN; i++)
		if (dst[i] != dst[0])
			fail(33);
	puts_("ptvm-guest: isolation: DMA outside RAM did not reach the guest\n");

	/* 2. garbage in every config register */
	cfg_garbage(slot, 0x5a5a5a5a);
	cfg_garbage(slot, 0xffffffff);
	cfg_garbage(slot, 0);
	if (cfg_rd32(slot, 0) != EDU_ID)
		fail(34);
	cfg_wr32(slot, 0x10, 0xffffffff); /* BAR sizing: 1 MiB, 32-bit memory */
	if (cfg_rd32(slot, 0x10) != 0xfff00000u)
		fail(35);
	cfg_wr32(slot, 0x10, bar_reg);
	cfg_wr16(slot, 0x04, 0x6);
	if (rd32(bar) != 0x010000ed)
		fail(36);
	if (cfg_rd32(slot, 0x100) != 0) /* extended space is hidden: reads 0 */
		fail(37);
	puts_("ptvm-guest: isolation: config garbage survived, ID and BAR sane\n");

	/* 3. nothing there: reads all ones, writes go nowhere */
	wr32(NOWHERE, 0x12345678);
	if (rd32(NOWHERE) != 0xffffffff)
		fail(38);
	wr32(NOTHING, 0x12345678);
	if (rd32(NOTHING) != 0xffffffff)
		fail(38);
	puts_("ptvm-guest: isolation: unmapped MMIO reads all ones\n");

	/* 4. MSI-X garbage, on the MSI-X device */
	nic = find(E1000E_ID);
	if (nic == 32) {
		puts_("ptvm-guest: isolation: no MSI-X device assigned\n");
	} else {
		msix_garbage(nic);
		puts_("ptvm-guest: isolation: MSI-X table garbage survived\n");
	}
	/* 5. an access KVM cannot decode */
	__asm__ volatile("msr vbar_el1, %0; isb" : : "r"(vectors));
	last_esr = 0;
	__asm__ volatile("stp %1, %1, [%0]" : : "r"(NOWHERE), "r"(0x1234ul) : "x9", "x10", "memory");
	if (((last_esr >> 26) & 0x3f) != 0x25) { /* a data abort taken at EL1 */
		puts_("ESR ");
		puthex(last_esr);
		puts_("\n");
		fail(40);
	}
	puts_("ptvm-guest: isolation: an MMIO access KVM cannot decode came back as a data "
	      "abort\n");
	puts_("ptvm-guest: isolation ok\n");
	return 0;
}
