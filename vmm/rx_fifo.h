/* A UART's receive FIFO: bytes in from the console (or loopback), out to the guest's
 * reads. A full FIFO drops what arrives, as real hardware does. */
#ifndef PTVM_RX_FIFO_H
#define PTVM_RX_FIFO_H

#include <stdint.h>

#define RX_FIFO_MAX 256

struct rx_fifo {
	uint8_t buf[RX_FIFO_MAX];
	unsigned head, count;
	unsigned size; /* the device's depth, at most RX_FIFO_MAX */
};

static inline void rx_fifo_push(struct rx_fifo *f, uint8_t c)
{
	if (f->count < f->size)
		f->buf[(f->head + f->count++) % f->size] = c;
}

/* The oldest byte, or 0 from an empty FIFO (what both UARTs read then). */
static inline uint8_t rx_fifo_pop(struct rx_fifo *f)
{
	uint8_t c = 0;

	if (f->count) {
		c = f->buf[f->head];
		f->head = (f->head + 1) % f->size;
		f->count--;
	}
	return c;
}

#endif
