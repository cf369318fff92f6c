/* libFuzzer target: a guest driving the ACPI PM1a block (status, enable, control, reset)
 * with any sequence of accesses (offsets in and past the block, sizes 1, 2 and 4, reads
 * and writes), and the power button pressed between them; checks what must always hold:
 * no status bit but the button's, SCI_EN always and SLP_EN never read back, the SCI high
 * exactly while the button's event is pending and enabled. */
#include <stdint.h>
#include <string.h>

#include "arch/x86/x86.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint32_t sizes[4] = { 1, 2, 4, 1 };
	struct x86_pm1 pm;
	uint8_t b[4];

	memset(&pm, 0, sizeof(pm));
	for (size_t i = 0; i + 3 <= size; i += 3) {
		uint64_t off = data[i] & 0xf;
		uint32_t len = sizes[data[i + 1] & 3];
		bool write = data[i + 1] & 4;

		if (data[i + 1] & 8) {
			bool listens = pm.en & X86_PM1_PWRBTN;

			if (x86_pm1_power_button(&pm) != listens)
				__builtin_trap();
		}
		memset(b, data[i + 2], sizeof(b));
		x86_pm1_access(&pm, off, b, len, write);
		if ((pm.sts & ~X86_PM1_PWRBTN) || (pm.cnt & 0x2000) ||
		    x86_pm1_sci(&pm) != ((pm.sts & pm.en & X86_PM1_PWRBTN) != 0))
			__builtin_trap();
		x86_pm1_access(&pm, 4, b, 2, false);
		if (!(b[0] & 1) || (b[1] & 0x20))
			__builtin_trap();
	}
	return 0;
}
