/* The UART: output reaches the console; scratch and line-status registers behave. */
	.include "lib.S"
main:
	PUTS hello
	mov $(SERIAL + 7), %dx          /* scratch register round trip */
	mov $0x5a, %al
	out %al, %dx
	xor %al, %al
	in %dx, %al
	cmp $0x5a, %al
	jne 1f
	mov $(SERIAL + 5), %dx          /* LSR: transmitter empty, no data */
	in %dx, %al
	cmp $0x60, %al
	jne 2f
	PUTS done
	call poweroff
1:	FAIL 3
2:	FAIL 4
hello:	.asciz "ptvm-guest: serial output ok\n"
done:	.asciz "ptvm-guest: serial registers ok\n"
