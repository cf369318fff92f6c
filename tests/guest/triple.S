/* A triple fault: no IDT, then an exception. ptvm must report it with registers and
 * exit 1, never 0. */
	.include "lib.S"
main:
	PUTS msg
	lidt idtr
	mov $0xdead, %eax
	int3
	FAIL 6
	.balign 8
idtr:	.word 0
	.long 0
msg:	.asciz "ptvm-guest: triple faulting\n"
