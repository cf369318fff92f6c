/* Every QEMU edu device (1234:11e8) on bus 0, found through ports 0xcf8/0xcfc: its ID
 * register through the BAR ptvm mapped, the liveness register, DMA RAM -> device -> RAM
 * through the IOMMU (IOVA = GPA), and MSI: a raised interrupt and a DMA completion each
 * reach the handler, then a burst of BURST raised interrupts all do. Prints one line per
 * device, then the count; fails with testdev exit codes 21-28. */
	.include "lib.S"
	.set EDU_ID, 0x11e81234
	.set SRC, 0x200000
	.set DST, 0x300000
	.set LEN, 1024
	.set VEC, 0x40
	.set LAPIC, 0xfee00000
	.set BURST, 1000

main:
	IDT_GATE VEC, isr
	lidt idt_desc
	orl $0x1ff, LAPIC + 0xf0        /* LAPIC software enable, spurious vector 0xff */
	sti
	xor %ebx, %ebx                  /* slot */
	xor %edi, %edi                  /* devices tested */
scan:
	mov $0, %ecx
	call cfg_read
	cmp $EDU_ID, %eax
	jne 1f
	call test_edu
	inc %edi
1:	inc %ebx
	cmp $32, %ebx
	jne scan
	mov %edi, %eax
	add $'0', %al
	mov %al, count_msg + 12
	PUTS count_msg
	call poweroff

/* wait for edu's DMA engine, or fail */
dma_wait:
	call edu_dma_wait
	jz 1f
	FAIL 23
1:	ret

/* wait until msi_count reaches %eax, with a bound */
msi_wait:
	mov $50000000, %ecx
1:	cmp %eax, msi_count
	jae 2f
	pause
	loop 1b
	FAIL 26
2:	ret

test_edu:
	mov $0x10, %ecx
	call cfg_read
	and $0xfffffff0, %eax
	mov %eax, %esi                  /* BAR0 */
	mov %eax, edu_base
	mov $0x04, %ecx
	call cfg_read
	or $0x6, %eax                   /* memory decode + bus master */
	call cfg_write
	cmpl $0x010000ed, (%esi)        /* ID register */
	je 1f
	FAIL 21
1:	movl $0x12345678, 4(%esi)       /* liveness: reads back inverted */
	cmpl $0xedcba987, 4(%esi)
	je 1f
	FAIL 22
1:	mov $SRC, %edx                  /* a pattern that differs per slot */
	xor %ecx, %ecx
2:	lea (%ecx, %ebx), %eax
	imul $7, %eax
	mov %al, (%edx, %ecx)
	movb $0, DST(%ecx)
	inc %ecx
	cmp $LEN, %ecx
	jne 2b
	movl $SRC, 0x80(%esi)           /* RAM -> device buffer */
	movl $0x40000, 0x88(%esi)
	movl $LEN, 0x90(%esi)
	movl $1, 0x98(%esi)
	call dma_wait
	movl $0x40000, 0x80(%esi)       /* device buffer -> RAM */
	movl $DST, 0x88(%esi)
	movl $LEN, 0x90(%esi)
	movl $3, 0x98(%esi)
	call dma_wait
	push %esi
	push %edi
	mov $SRC, %esi
	mov $DST, %edi
	mov $LEN, %ecx
	cld
	repe cmpsb
	pop %edi
	pop %esi
	je 1f
	FAIL 24
1:	mov $VEC, %eax
	call msi_enable
	test %eax, %eax
	jnz 4f
	FAIL 25
4:	mov msi_count, %eax             /* 1. raise an interrupt by hand */
	inc %eax
	push %eax
	movl $1, 0x60(%esi)
	pop %eax
	call msi_wait
	mov msi_count, %eax             /* 2. a DMA that interrupts when done */
	inc %eax
	push %eax
	movl $SRC, 0x80(%esi)
	movl $0x40000, 0x88(%esi)
	movl $16, 0x90(%esi)
	movl $5, 0x98(%esi)
	pop %eax
	call msi_wait
	push %edi                       /* 3. a burst: raise, wait, repeat */
	mov $BURST, %edi
7:	mov msi_count, %eax
	inc %eax
	push %eax
	movl $1, 0x60(%esi)
	pop %eax
	call msi_wait
	dec %edi
	jnz 7b
	pop %edi
	push %edi                       /* report: "edu in slot NN ok" */
	mov %ebx, %eax
	mov $(ok_msg + 24), %edi
	call put2
	pop %edi
	PUTS ok_msg
	ret

isr:
	EDU_ISR msi_count

	.balign 8
idt_desc:
	.word (VEC + 1) * 8 - 1
	.long idt
msi_count: .long 0
ok_msg:    .asciz "ptvm-guest: edu in slot NN ok\n"
count_msg: .asciz "ptvm-guest: N edu device(s) passed\n"
	.balign 8
idt:	.fill (VEC + 1) * 8, 1, 0
