/* What ptvm's arm64 test payloads share (lib.h). */
#include "lib.h"

/* guest RAM the payloads' GIC tables use (each table's alignment is its own) */
#define PROPBASE   0x400000ul  /* LPI configuration: 1 byte per LPI, 16 ID bits */
#define PENDBASE   0x410000ul  /* LPI pending bits: 8 KiB, 64 KiB aligned */
#define DEV_TABLE  0x420000ul  /* ITS device table: one 64 KiB page */
#define COLL_TABLE 0x430000ul  /* ITS collection table: one 64 KiB page */
#define CMD_QUEUE  0x440000ul  /* ITS command queue: one 4 KiB page */
#define ITT        0x450000ul  /* interrupt translation tables, 256 bytes apart */
#define ID_BITS    16

#define ICC_IAR1_EL1    "S3_0_C12_C12_0"
#define ICC_EOIR1_EL1   "S3_0_C12_C12_1"
#define ICC_PMR_EL1     "S3_0_C4_C6_0"
#define ICC_IGRPEN1_EL1 "S3_0_C12_C12_7"
#define ICC_SRE_EL1     "S3_0_C12_C12_5"

static void putc_(char c)
{
	while (rd32(UART + 0x18) & 0x20) /* FR.TXFF */
		;
	wr32(UART, (uint8_t)c);
}

void puts_(const char *s)
{
	static int on;

	if (!on) {
		wr32(UART + 0x30, 0x301); /* CR: UARTEN, TXE, RXE */
		on = 1;
	}
	for (; *s; s++) {
		if (*s == '\n')
			putc_('\r');
		putc_(*s);
	}
}

void puthex(uint64_t v)
{
	char b[19] = "0x";
	int n = 2;

	for (int sh = 60; sh >= 0; sh -= 4)
		if ((v >> sh) || sh == 0 || n > 2)
			b[n++] = "0123456789abcdef"[(v >> sh) & 15];
	b[n] = 0;
	puts_(b);
}

void putdec(uint64_t v)
{
	char b[21];
	int n = 20;

	b[n] = 0;
	do {
		b[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	puts_(b + n);
}

static uint64_t psci(uint64_t fn)
{
	register uint64_t x0 __asm__("x0") = fn;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "memory");
	return x0;
}

void psci_off(void)
{
	psci(0x84000008); /* SYSTEM_OFF */
	for (;;)
		__asm__ volatile("wfi");
}

void psci_reset(void)
{
	psci(0x84000009); /* SYSTEM_RESET */
	for (;;)
		__asm__ volatile("wfi");
}

void fail(unsigned code)
{
	puts_("FAIL ");
	putdec(code);
	puts_("\n");
	wr8(PCI_IO + TESTDEV_EXIT, (uint8_t)code);
	psci_off(); /* without a testdev */
}

static uintptr_t cfg(unsigned slot, unsigned off) { return ECAM + (slot << 15) + off; }
uint32_t cfg_rd32(unsigned slot, unsigned off) { return rd32(cfg(slot, off)); }
void cfg_wr32(unsigned slot, unsigned off, uint32_t v) { wr32(cfg(slot, off), v); }
uint16_t cfg_rd16(unsigned slot, unsigned off) { return rd16(cfg(slot, off)); }
void cfg_wr16(unsigned slot, unsigned off, uint16_t v) { wr16(cfg(slot, off), v); }

unsigned cfg_find_cap(unsigned slot, unsigned id)
{
	unsigned p, n = 0;

	if (!(cfg_rd16(slot, 0x06) & 0x10)) /* status: capability list */
		return 0;
	for (p = cfg_rd32(slot, 0x34) & 0xfc; p && n < 48; n++) {
		uint32_t h = cfg_rd32(slot, p);

		if ((h & 0xff) == id)
			return p;
		p = (h >> 8) & 0xfc;
	}
	return 0;
}

void gic_init(void)
{
	uint64_t sre;

	wr32(GICD, 0x12); /* CTLR: ARE, EnableGrp1 */
	while (rd32(GICD) & 0x80000000u) /* RWP */
		;
	__asm__ volatile("mrs %0, " ICC_SRE_EL1 : "=r"(sre));
	__asm__ volatile("msr " ICC_SRE_EL1 ", %0; isb" : : "r"(sre | 1));
	__asm__ volatile("msr " ICC_PMR_EL1 ", %0" : : "r"(0xffull));
	__asm__ volatile("msr " ICC_IGRPEN1_EL1 ", %0; isb" : : "r"(1ull));
}

void gic_spi_enable(unsigned intid)
{
	wr32(GICD + 0x80 + 4 * (intid / 32), rd32(GICD + 0x80 + 4 * (intid / 32)) |
						     1u << (intid % 32)); /* group 1 */
	wr8(GICD + 0x400 + intid, 0xa0);                                  /* priority */
	wr32(GICD + 0xc00 + 4 * (intid / 16), rd32(GICD + 0xc00 + 4 * (intid / 16)) &
						      ~(3u << 2 * (intid % 16))); /* level */
	wr64(GICD + 0x6000 + 8 * intid, 0);                               /* to vCPU 0 */
	wr32(GICD + 0x100 + 4 * (intid / 32), 1u << (intid % 32));        /* enable */
}

unsigned gic_ack(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, " ICC_IAR1_EL1 : "=r"(v) : : "memory");
	return (unsigned)(v & 0xffffff);
}

void gic_eoi(unsigned intid)
{
	__asm__ volatile("msr " ICC_EOIR1_EL1 ", %0; isb" : : "r"((uint64_t)intid) : "memory");
}

static void zero(uintptr_t a, unsigned long len)
{
	for (unsigned long i = 0; i < len; i += 8)
		wr64(a + i, 0);
}

/* a GITS_BASER<n> of TYPE (1: devices, 4: collections) at TABLE, one 64 KiB page */
static void its_baser(unsigned type, uintptr_t table)
{
	for (unsigned n = 0; n < 8; n++) {
		uintptr_t r = ITS + 0x100 + 8 * n;
		uint64_t v = rd64(r);

		if (((v >> 56) & 7) != type)
			continue;
		zero(table, 0x10000);
		v &= (7ull << 56) | (0x1full << 48);     /* keep Type and Entry_Size */
		wr64(r, v | 1ull << 63 | table | 2ull << 8); /* Valid, 64 KiB pages, 1 page */
		return;
	}
	fail(41); /* the ITS has no such table */
}

static unsigned cmd_next;

static void its_cmd(uint64_t d0, uint64_t d1, uint64_t d2)
{
	uintptr_t c = CMD_QUEUE + cmd_next;
	unsigned n;

	wr64(c, d0);
	wr64(c + 8, d1);
	wr64(c + 16, d2);
	wr64(c + 24, 0);
	cmd_next = (cmd_next + 32) % 0x1000;
	wr64(ITS + 0x88, cmd_next); /* CWRITER */
	for (n = 0; rd64(ITS + 0x90) != cmd_next; n++) /* CREADR */
		if (n > 10000000)
			fail(42); /* the ITS did not take the command */
}

void its_init(void)
{
	/* LPIs on vCPU 0's redistributor: all of them enabled at one priority */
	for (unsigned i = 0; i < (1u << ID_BITS) - LPI_BASE; i++)
		wr8(PROPBASE + i, 0xa1);
	zero(PENDBASE, 0x2000);
	wr64(GICR + 0x70, PROPBASE | (ID_BITS - 1)); /* PROPBASER */
	wr64(GICR + 0x78, PENDBASE);                 /* PENDBASER */
	wr32(GICR, rd32(GICR) | 1);                  /* CTLR.EnableLPIs */
	its_baser(1, DEV_TABLE);
	its_baser(4, COLL_TABLE);
	zero(CMD_QUEUE, 0x1000);
	wr64(ITS + 0x80, 1ull << 63 | CMD_QUEUE);    /* CBASER: valid, one 4 KiB page */
	wr64(ITS + 0x88, 0);
	wr32(ITS, 1);                                /* CTLR.Enabled */
	its_cmd(0x09, 0, 1ull << 63);                /* MAPC: collection 0 -> vCPU 0 */
	its_cmd(0x05, 0, 0);                         /* SYNC */
}

void its_map(uint32_t devid, uint32_t event, uint32_t lpi)
{
	uintptr_t itt = ITT + 256 * (devid & 0xff);

	its_cmd(0x08 | (uint64_t)devid << 32, 4, 1ull << 63 | itt); /* MAPD: 5 event bits */
	its_cmd(0x0a | (uint64_t)devid << 32, event | (uint64_t)lpi << 32, 0); /* MAPTI */
	its_cmd(0x05, 0, 0);                                          /* SYNC */
}
