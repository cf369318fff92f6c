#include "vmm/pl011.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/console.h"
#include "vmm/primecell.h"
#include "vmm/rx_fifo.h"

/* Register offsets and bits (ARM PrimeCell UART (PL011) Technical Reference Manual). */
enum {
	DR = 0x000, RSR_ECR = 0x004, FR = 0x018, ILPR = 0x020, IBRD = 0x024, FBRD = 0x028,
	LCR_H = 0x02c, CR = 0x030, IFLS = 0x034, IMSC = 0x038, RIS = 0x03c, MIS = 0x040,
	ICR = 0x044, DMACR = 0x048,
	FR_CTS = 0x001, FR_RXFE = 0x010, FR_TXFF = 0x020, FR_RXFF = 0x040, FR_TXFE = 0x080,
	CR_UARTEN = 0x0001, CR_LBE = 0x0080, CR_TXE = 0x0100, CR_RXE = 0x0200,
	INT_RX = 0x010, INT_TX = 0x020, INT_RT = 0x040, INT_ALL = 0x7ff,
	RX_SIZE = 32, /* the PL011's receive FIFO */
};

/* PrimeCell identification: part 0x011 (PL011), designer 0x41 (ARM), revision 1. */
static const uint8_t periph_id[4] = { 0x11, 0x10, 0x14, 0x00 };

struct pl011 {
	struct device dev;
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t irq;
	int level;
	uint32_t ilpr, ibrd, fbrd, lcr_h, cr, ifls, imsc, dmacr;
	uint32_t ris_tx; /* the transmit interrupt: raised as each byte goes, cleared by ICR */
	struct rx_fifo rx;
};

/* Receive and receive-timeout are raised while the FIFO holds data: the driver reads
 * until the flag register says empty. */
static uint32_t ris(const struct pl011 *u)
{
	return u->ris_tx | (u->rx.count ? INT_RX | INT_RT : 0);
}

static void update_irq(struct pl011 *u)
{
	int level = (ris(u) & u->imsc) != 0;

	if (level != u->level) {
		u->level = level;
		vm_irq_line(u->vm, u->irq, level);
	}
}

static void pl011_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct pl011 *u = opaque;

	pthread_mutex_lock(&u->lock);
	if (!(u->cr & CR_LBE))
		for (size_t i = 0; i < len; i++)
			rx_fifo_push(&u->rx, buf[i]);
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static uint32_t reg_read(struct pl011 *u, uint64_t off)
{
	uint32_t v;

	if (primecell_id_read(off, periph_id, &v))
		return v;
	switch (off) {
	case DR:
		return rx_fifo_pop(&u->rx);
	case RSR_ECR:
		return 0; /* no framing, parity, break or overrun error ever */
	case FR:
		return FR_TXFE | FR_CTS | (u->rx.count ? 0 : FR_RXFE) |
		       (u->rx.count == u->rx.size ? FR_RXFF : 0);
	case ILPR: return u->ilpr;
	case IBRD: return u->ibrd;
	case FBRD: return u->fbrd;
	case LCR_H: return u->lcr_h;
	case CR: return u->cr;
	case IFLS: return u->ifls;
	case IMSC: return u->imsc;
	case RIS: return ris(u);
	case MIS: return ris(u) & u->imsc;
	case DMACR: return u->dmacr;
	}
	return 0; /* reserved, and the write-only ICR */
}

static void reg_write(struct pl011 *u, uint64_t off, uint32_t v)
{
	switch (off) {
	case DR: {
		uint8_t c = (uint8_t)v;

		if (u->cr & CR_LBE)
			rx_fifo_push(&u->rx, c);
		else if (u->vm->console)
			console_write(u->vm->console, &c, 1);
		u->ris_tx = INT_TX; /* gone at once: the FIFO is below any trigger level */
		return;
	}
	case ILPR: u->ilpr = v & 0xff; return;
	case IBRD: u->ibrd = v & 0xffff; return;
	case FBRD: u->fbrd = v & 0x3f; return;
	case LCR_H:
		u->lcr_h = v & 0xff;
		return;
	case CR:
		/* enabling the transmitter with an empty FIFO asks for data */
		if (!(u->cr & CR_TXE) && (v & CR_TXE))
			u->ris_tx = INT_TX;
		u->cr = v & 0xff87;
		return;
	case IFLS: u->ifls = v & 0x3f; return;
	case IMSC: u->imsc = v & INT_ALL; return;
	case ICR:
		if (v & INT_TX)
			u->ris_tx = 0;
		return; /* receive interrupts follow the FIFO */
	case DMACR: u->dmacr = v & 0x7; return;
	}
	/* RSR/ECR writes clear errors there are none of; the rest is read-only */
}

/* 32-bit registers; a narrower access reads or writes the low bytes of the one it falls
 * in, a wider one (or one across registers) only its first register's bytes. */
static void pl011_mmio(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct pl011 *u = opaque;
	uint64_t reg = off & ~3ull;
	unsigned shift = (unsigned)(off & 3) * 8;
	uint32_t v = 0;

	pthread_mutex_lock(&u->lock);
	if (write) {
		memcpy(&v, data, len < 4 ? len : 4);
		if (!shift)
			reg_write(u, reg, v);
	} else {
		v = reg_read(u, reg) >> shift;
		memset(data, 0, len);
		memcpy(data, &v, len < 4 ? len : 4);
	}
	update_irq(u);
	pthread_mutex_unlock(&u->lock);
}

static void pl011_teardown(struct device *d)
{
	struct pl011 *u = (struct pl011 *)d;

	if (u->vm->console)
		console_set_rx(u->vm->console, NULL, NULL);
	pthread_mutex_destroy(&u->lock);
	free(u);
}

int pl011_create(struct vm *vm, struct bus *bus, uint64_t base, uint32_t irq)
{
	struct pl011 *u = calloc(1, sizeof(*u));
	int r;

	if (!u)
		return err_msg(ENOMEM, "out of memory");
	u->dev.name = "pl011";
	u->dev.teardown = pl011_teardown;
	u->vm = vm;
	u->irq = irq;
	u->rx.size = RX_SIZE;
	u->cr = CR_TXE | CR_RXE; /* the reset value */
	u->ifls = 0x12;          /* both FIFOs at half */
	pthread_mutex_init(&u->lock, NULL);
	r = bus_add(bus, base, PL011_SIZE, pl011_mmio, u, "pl011");
	if (r < 0) {
		pthread_mutex_destroy(&u->lock);
		free(u);
		return r;
	}
	vm_add_device(vm, &u->dev);
	if (vm->console)
		console_set_rx(vm->console, pl011_rx, u);
	return 0;
}
