/* testdev's exit port: ptvm exits with the status the guest wrote. */
	.include "lib.S"
main:
	PUTS bye
	FAIL 42
bye:	.asciz "ptvm-guest: exiting with 42\n"
