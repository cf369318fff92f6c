/* The UART under a burst: 32 lines of 64 characters with the line status polled before
 * each character, as Linux's console does (from then on KVM queues the transmit writes),
 * then the same 32 lines written without looking, more than KVM's queue holds. The
 * runner compares every byte of the output. */
	.include "lib.S"
main:
	PUTS start
	mov $1, %edi			/* 1: line status polled first; 0: blind writes */
0:	xor %ebx, %ebx			/* line */
1:	xor %ecx, %ecx			/* column */
2:	test %edi, %edi
	jz 3f
	mov $(SERIAL + 5), %dx
4:	in %dx, %al
	test $0x20, %al			/* THRE */
	jz 4b
3:	mov %ebx, %eax			/* character: '0' + (line + column) % 64 */
	add %ecx, %eax
	and $63, %eax
	add $48, %eax
	mov $SERIAL, %dx
	out %al, %dx
	inc %ecx
	cmp $64, %ecx
	jne 2b
	mov $10, %al
	out %al, %dx
	inc %ebx
	cmp $32, %ebx
	jne 1b
	dec %edi
	jz 0b
	PUTS done
	call poweroff
start:	.asciz "ptvm-guest: burst start\n"
done:	.asciz "ptvm-guest: burst done\n"
