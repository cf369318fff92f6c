#include "vmm/pl061.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/primecell.h"

/* Register offsets (ARM PrimeCell GPIO (PL061) Technical Reference Manual). GPIODATA is
 * 256 words: address bits [9:2] mask which lines a read or write touches. */
enum {
	DATA_END = 0x400, DIR = 0x400, IS = 0x404, IBE = 0x408, IEV = 0x40c, IE = 0x410,
	RIS = 0x414, MIS = 0x418, IC = 0x41c, AFSEL = 0x420,
};

/* PrimeCell identification: part 0x061 (PL061), designer 0x41 (ARM), revision 0. */
static const uint8_t periph_id[4] = { 0x61, 0x10, 0x04, 0x00 };

struct pl061 {
	struct device dev;
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t irq;
	int level;
	uint8_t out;   /* what the guest wrote for its output lines */
	uint8_t in;    /* what drives the input lines (pl061_set_input) */
	uint8_t dir, is, ibe, iev, ie, ris, afsel;
};

/* The lines as the guest reads them: outputs read back what it wrote */
static uint8_t lines(const struct pl061 *g)
{
	return (uint8_t)((g->out & g->dir) | (g->in & ~g->dir));
}

/* Level-sensitive lines follow their level (high, or low with IEV clear); edge-sensitive
 * ones latch in RIS until the guest clears them through IC. */
static void update(struct pl061 *g)
{
	uint8_t now = lines(g), lvl = (uint8_t)((now & g->iev) | (~now & ~g->iev));
	int level;

	g->ris = (uint8_t)((g->ris & ~g->is) | (lvl & g->is));
	level = (g->ris & g->ie) != 0;
	if (level != g->level) {
		g->level = level;
		vm_irq_line(g->vm, g->irq, level);
	}
}

/* Edges on the lines in CHANGED: latched where the line is edge-sensitive and the edge is
 * one it listens for (both, or the one IEV picks). */
static void edges(struct pl061 *g, uint8_t before)
{
	uint8_t now = lines(g), changed = before ^ now;
	uint8_t rising = changed & now, falling = changed & ~now;
	uint8_t hit = (uint8_t)((changed & g->ibe) | (rising & g->iev & ~g->ibe) |
				(falling & ~g->iev & ~g->ibe));

	g->ris |= hit & ~g->is;
}

static uint32_t reg_read(struct pl061 *g, uint64_t off)
{
	uint32_t v;

	if (off < DATA_END)
		return lines(g) & (uint8_t)(off >> 2);
	if (primecell_id_read(off, periph_id, &v))
		return v;
	switch (off) {
	case DIR: return g->dir;
	case IS: return g->is;
	case IBE: return g->ibe;
	case IEV: return g->iev;
	case IE: return g->ie;
	case RIS: return g->ris;
	case MIS: return (uint32_t)(g->ris & g->ie);
	case AFSEL: return g->afsel;
	}
	return 0; /* reserved, and the write-only IC */
}

static void reg_write(struct pl061 *g, uint64_t off, uint8_t v)
{
	uint8_t before = lines(g);

	if (off < DATA_END) {
		uint8_t mask = (uint8_t)(off >> 2);

		g->out = (uint8_t)((g->out & ~mask) | (v & mask));
	} else {
		switch (off) {
		case DIR: g->dir = v; break;
		case IS: g->is = v; break;
		case IBE: g->ibe = v; break;
		case IEV: g->iev = v; break;
		case IE: g->ie = v; break;
		case IC: g->ris &= (uint8_t)~(v & ~g->is); break;
		case AFSEL: g->afsel = v; break;
		default: return; /* read-only and reserved */
		}
	}
	edges(g, before);
}

/* 8-bit registers in 32-bit words: an access at the word's first byte reads or writes the
 * register, any other byte of it reads 0 and writes nothing. */
static void pl061_mmio(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pl061 *g = opaque;
	uint32_t v = 0;

	pthread_mutex_lock(&g->lock);
	if (write) {
		if (!(off & 3))
			reg_write(g, off, *(uint8_t *)data);
	} else {
		if (!(off & 3))
			v = reg_read(g, off);
		memset(data, 0, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
	update(g);
	pthread_mutex_unlock(&g->lock);
}

bool pl061_set_input(struct pl061 *g, unsigned line, bool level)
{
	uint8_t bit = (uint8_t)(1u << (line & 7)), before;
	bool listening;

	pthread_mutex_lock(&g->lock);
	listening = (g->ie & bit) && !(g->dir & bit);
	before = lines(g);
	g->in = (uint8_t)(level ? g->in | bit : g->in & ~bit);
	edges(g, before);
	update(g);
	pthread_mutex_unlock(&g->lock);
	return listening;
}

static void pl061_teardown(struct device *d)
{
	struct pl061 *g = (struct pl061 *)d;

	pthread_mutex_destroy(&g->lock);
	free(g);
}

int pl061_create(struct vm *vm, struct bus *bus, uint64_t base, uint32_t irq,
		 struct pl061 **out)
{
	struct pl061 *g = calloc(1, sizeof(*g));
	int r;

	if (!g)
		return err_msg(ENOMEM, "out of memory");
	g->dev.name = "pl061";
	g->dev.teardown = pl061_teardown;
	g->vm = vm;
	g->irq = irq;
	pthread_mutex_init(&g->lock, NULL);
	r = bus_add(bus, base, PL061_SIZE, pl061_mmio, g, "pl061");
	if (r < 0) {
		pthread_mutex_destroy(&g->lock);
		free(g);
		return r;
	}
	vm_add_device(vm, &g->dev);
	if (out)
		*out = g;
	return 0;
}
