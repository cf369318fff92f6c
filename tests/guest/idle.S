/* A guest that says so and then waits with interrupts off until ptvm is stopped: the
 * holder of a device for lab tests (a PF that sets the VF token while its user lives). */
	.include "lib.S"

main:
	PUTS idle_msg
	cli
1:	hlt
	jmp 1b

idle_msg: .asciz "ptvm-guest: idle\n"
