#include "vmm/serial.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/coalesced.h"
#include "vmm/console.h"
#include "vmm/rx_fifo.h"

enum {
	RBR_THR = 0, IER = 1, IIR_FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7,
	IER_RDI = 0x01, IER_THRI = 0x02, IER_MASK = 0x0f,
	IIR_NONE = 0x01, IIR_THRI = 0x02, IIR_RDI = 0x04, IIR_FIFO = 0xc0,
	FCR_ENABLE = 0x01, FCR_CLEAR_RX = 0x02,
	LCR_DLAB = 0x80,
	MCR_OUT2 = 0x08, MCR_LOOP = 0x10, MCR_MASK = 0x1f,
	LSR_DR = 0x01, LSR_THRE = 0x20, LSR_TEMT = 0x40,
	MSR_CTS = 0x10, MSR_DSR = 0x20, MSR_RI = 0x40, MSR_DCD = 0x80,
};

struct serial {
	struct device dev;
	struct vm *vm;
	pthread_mutex_t lock;
	uint32_t irq;
	int level;
	uint8_t ier, lcr, mcr, scr, dll, dlm, fcr;
	bool thre_pending;
	uint64_t base;		/* port of the transmit register, 0 for an MMIO UART */
	bool coalescing;	/* KVM queues transmit register writes (vmm/coalesced.h) */
	bool cannot_coalesce;
	struct rx_fifo rx;
};

static uint8_t iir(const struct serial *s)
{
	uint8_t fifo = (s->fcr & FCR_ENABLE) ? IIR_FIFO : 0;

	if ((s->ier & IER_RDI) && s->rx.count)
		return fifo | IIR_RDI;
	if ((s->ier & IER_THRI) && s->thre_pending)
		return fifo | IIR_THRI;
	return fifo | IIR_NONE;
}

/* Called with the lock held after every change. On a PC, OUT2 gates the UART's IRQ. */
static void update_irq(struct serial *s)
{
	int level = !(iir(s) & IIR_NONE) && (s->mcr & MCR_OUT2);

	if (level != s->level) {
		s->level = level;
		vm_irq_line(s->vm, s->irq, level);
	}
}

static void serial_rx(void *opaque, const uint8_t *buf, size_t len)
{
	struct serial *s = opaque;

	pthread_mutex_lock(&s->lock);
	if (!(s->mcr & MCR_LOOP))
		for (size_t i = 0; i < len; i++)
			rx_fifo_push(&s->rx, buf[i]);
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

/* Transmit register writes are queued by KVM only while the guest polls the line status
 * (from its first read of it, until it enables the transmit interrupt): a guest waiting
 * for that interrupt must see each write at once (the write raises it), and one that
 * never polls may write and then go quiet with no exit to replay its bytes. Entries
 * queued before a change are replayed before the access that changed it. */
static void set_coalescing(struct serial *s, bool on)
{
	int r;

	if (on == s->coalescing || !s->base || s->cannot_coalesce)
		return;
	r = on ? coalesced_add(s->vm, true, s->base, 1) : coalesced_remove(s->vm, true, s->base, 1);
	if (r == 0) {
		s->coalescing = on;
		return;
	}
	s->cannot_coalesce = true; /* say it once; exits are always correct */
	if (r != -EOPNOTSUPP)
		fprintf(stderr, "ptvm: warning: %s: UART transmit writes %s\n", err_get(),
			on ? "exit one by one" : "stay queued until the next exit or 5 ms");
	err_clear();
}

static uint8_t reg_read(struct serial *s, unsigned reg)
{
	uint8_t v = 0;

	switch (reg) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB)
			return s->dll;
		return rx_fifo_pop(&s->rx);
	case IER:
		return (s->lcr & LCR_DLAB) ? s->dlm : s->ier;
	case IIR_FCR:
		v = iir(s);
		if ((v & 0x0f) == IIR_THRI) /* reading IIR acknowledges THRE */
			s->thre_pending = false;
		return v;
	case LCR:
		return s->lcr;
	case MCR:
		return s->mcr;
	case LSR:
		/* a guest polling the line status writes next: its last bytes must not wait
		 * in KVM's queue for an exit that may not come */
		if (!(s->ier & IER_THRI))
			set_coalescing(s, true);
		if (s->coalescing)
			coalesced_kick(s->vm);
		return LSR_THRE | LSR_TEMT | (s->rx.count ? LSR_DR : 0);
	case MSR:
		if (s->mcr & MCR_LOOP) /* outputs looped back to inputs */
			return (uint8_t)(((s->mcr & 0x02) ? MSR_CTS : 0) | ((s->mcr & 0x01) ? MSR_DSR : 0) |
					 ((s->mcr & 0x04) ? MSR_RI : 0) | ((s->mcr & 0x08) ? MSR_DCD : 0));
		return MSR_DCD | MSR_DSR | MSR_CTS;
	case SCR:
		return s->scr;
	}
	return 0xff;
}

static void reg_write(struct serial *s, unsigned reg, uint8_t v)
{
	switch (reg) {
	case RBR_THR:
		if (s->lcr & LCR_DLAB) {
			s->dll = v;
			return;
		}
		if (s->mcr & MCR_LOOP)
			rx_fifo_push(&s->rx, v);
		else if (s->vm->console)
			console_write(s->vm->console, &v, 1);
		s->thre_pending = true; /* sent at once: the holding register is empty again */
		return;
	case IER:
		if (s->lcr & LCR_DLAB) {
			s->dlm = v;
			return;
		}
		if (!(s->ier & IER_THRI) && (v & IER_THRI))
			s->thre_pending = true; /* enabling THRE with an empty THR interrupts */
		if (v & IER_THRI)
			set_coalescing(s, false);
		s->ier = v & IER_MASK;
		return;
	case IIR_FCR:
		if (v & FCR_CLEAR_RX)
			s->rx.count = 0;
		s->fcr = v & FCR_ENABLE;
		return;
	case LCR:
		s->lcr = v;
		return;
	case MCR:
		s->mcr = v & MCR_MASK;
		return;
	case SCR:
		s->scr = v;
		return;
	}
	/* LSR and MSR are read-only */
}

static void serial_io(void *opaque, uint64_t off, void *data, uint32_t len, bool write)
{
	struct serial *s = opaque;
	uint8_t *p = data;

	pthread_mutex_lock(&s->lock);
	/* Byte registers; a wider access touches consecutive registers. */
	for (uint32_t i = 0; i < len; i++) {
		unsigned reg = (unsigned)((off + i) & 7);

		if (write)
			reg_write(s, reg, p[i]);
		else
			p[i] = reg_read(s, reg);
	}
	update_irq(s);
	pthread_mutex_unlock(&s->lock);
}

static void serial_teardown(struct device *d)
{
	struct serial *s = (struct serial *)d;

	if (s->vm->console)
		console_set_rx(s->vm->console, NULL, NULL);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

int serial_create(struct vm *vm, struct bus *bus, uint64_t base, uint32_t irq)
{
	struct serial *s = calloc(1, sizeof(*s));
	int r;

	if (!s)
		return err_msg(ENOMEM, "out of memory");
	s->dev.name = "serial";
	s->dev.teardown = serial_teardown;
	s->vm = vm;
	s->irq = irq;
	s->rx.size = RX_FIFO_MAX;
	pthread_mutex_init(&s->lock, NULL);
	r = bus_add(bus, base, 8, serial_io, s, "serial");
	if (r < 0) {
		pthread_mutex_destroy(&s->lock);
		free(s);
		return r;
	}
	vm_add_device(vm, &s->dev);
	if (vm->console)
		console_set_rx(vm->console, serial_rx, s);
	if (bus == &vm->pio) /* its transmit register may be coalesced (set_coalescing) */
		s->base = base;
	return 0;
}
