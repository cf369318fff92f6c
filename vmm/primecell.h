/* ARM PrimeCell identification (the last 32 bytes of a PrimeCell's 4 KiB page): the
 * peripheral ID (part number, designer, revision) and the component ID 0xb105f00d,
 * which the AMBA bus reads to match a driver. Shared by ptvm's PrimeCell models. */
#ifndef PTVM_PRIMECELL_H
#define PTVM_PRIMECELL_H

#include <stdbool.h>
#include <stdint.h>

#define PRIMECELL_PERIPH_ID 0xfe0
#define PRIMECELL_CELL_ID   0xff0

/* The ID register at OFF (word-aligned) in *V, for a cell whose peripheral ID bytes are
 * PERIPH; false when OFF is not one of them. */
static inline bool primecell_id_read(uint64_t off, const uint8_t periph[4], uint32_t *v)
{
	static const uint8_t cell[4] = { 0x0d, 0xf0, 0x05, 0xb1 };

	if (off >= PRIMECELL_PERIPH_ID && off < PRIMECELL_PERIPH_ID + 16)
		*v = periph[(off - PRIMECELL_PERIPH_ID) / 4];
	else if (off >= PRIMECELL_CELL_ID && off < PRIMECELL_CELL_ID + 16)
		*v = cell[(off - PRIMECELL_CELL_ID) / 4];
	else
		return false;
	return true;
}

#endif
