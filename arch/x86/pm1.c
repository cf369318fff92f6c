/* The ACPI PM1a register block as the FADT describes it: the event block (status, whose
 * bits the guest clears by writing 1, and enable), the control register (sleep type and
 * enable; always in ACPI mode), and the reset register beside them. Only the fixed power
 * button ever raises a status bit; the SCI is high while an enabled status bit is set.
 * Pure: the board (pc.c) wires it to ports, the SCI line and the VM's stop. */
#include <string.h>

#include "arch/x86/x86.h"

#define PM1_CNT_SCI_EN 0x0001
#define PM1_CNT_SLP_EN 0x2000

/* the byte at offset o of the block, as the guest reads it */
static uint8_t pm1_byte(const struct x86_pm1 *pm, uint64_t o)
{
	uint16_t cnt = (uint16_t)(pm->cnt | PM1_CNT_SCI_EN); /* SLP_EN is never stored */

	switch (o) {
	case 0: return (uint8_t)pm->sts;
	case 1: return (uint8_t)(pm->sts >> 8);
	case 2: return (uint8_t)pm->en;
	case 3: return (uint8_t)(pm->en >> 8);
	case 4: return (uint8_t)cnt;
	case 5: return (uint8_t)(cnt >> 8);
	default: return pm->reset;
	}
}

enum x86_pm1_action x86_pm1_access(struct x86_pm1 *pm, uint64_t off, uint8_t *data,
				   uint32_t len, bool write)
{
	enum x86_pm1_action act = X86_PM1_NONE;
	uint16_t slp = 0;

	for (uint32_t i = 0; i < len; i++) {
		uint64_t o = off + i;
		unsigned shift = (unsigned)(o & 1) * 8;

		if (o >= X86_PM1_BLOCK) {
			if (!write)
				data[i] = 0xff;
			continue;
		}
		if (!write) {
			data[i] = pm1_byte(pm, o);
			continue;
		}
		switch (o) {
		case 0: case 1: /* status: a 1 clears the bit */
			pm->sts &= (uint16_t)~(data[i] << shift);
			break;
		case 2: case 3:
			pm->en = (uint16_t)((pm->en & ~(0xff << shift)) | data[i] << shift);
			break;
		case 4: case 5:
			pm->cnt = (uint16_t)((pm->cnt & ~(0xff << shift)) | data[i] << shift);
			if (o == 5)
				slp = pm->cnt;
			break;
		default:
			pm->reset = data[i];
			if (data[i] == X86_RESET_VALUE)
				act = X86_PM1_RESET;
			break;
		}
	}
	/* the sleep request is the write of SLP_EN, with the sleep type beside it */
	if (write && (slp & PM1_CNT_SLP_EN) && ((slp >> 10) & 7) == X86_SLP_TYP_S5)
		act = X86_PM1_POWEROFF;
	pm->cnt &= (uint16_t)~PM1_CNT_SLP_EN; /* reads as zero */
	return act;
}

bool x86_pm1_sci(const struct x86_pm1 *pm)
{
	return (pm->sts & pm->en & X86_PM1_PWRBTN) != 0;
}

bool x86_pm1_power_button(struct x86_pm1 *pm)
{
	if (!(pm->en & X86_PM1_PWRBTN))
		return false;
	pm->sts |= X86_PM1_PWRBTN;
	return true;
}
