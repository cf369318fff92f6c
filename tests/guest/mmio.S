/* Trapped MMIO through testdev, and what unclaimed PIO and MMIO read as. */
	.include "lib.S"
main:
	movl $0x12345678, TESTDEV       /* 32-bit write and read back */
	cmpl $0x12345678, TESTDEV
	jne 1f
	movb $0xab, TESTDEV + 5         /* byte write into the second register */
	cmpl $0x0000ab00, TESTDEV + 4
	jne 2f
	mov TESTDEV + 0x100, %eax       /* access counter: 2 writes, 2 reads, and this read */
	cmp $5, %eax
	jne 3f
	cmpl $0xffffffff, 0xfea00000    /* nothing there: all ones */
	jne 4f
	mov $0x2f8, %dx                 /* no COM2: all ones */
	in %dx, %al
	cmp $0xff, %al
	jne 5f
	PUTS ok
	call poweroff
1:	FAIL 11
2:	FAIL 12
3:	FAIL 13
4:	FAIL 14
5:	FAIL 15
ok:	.asciz "ptvm-guest: mmio and pio ok\n"
