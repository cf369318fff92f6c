/* MSI reprogrammed while interrupts are in flight: the first edu (1234:11e8) computes a
 * factorial in its own thread and raises an MSI when done; right after starting each one
 * the guest rewrites its MSI address and data (switching between two vectors), as Linux
 * does to move an interrupt to another CPU, while MSI stays enabled. ROUNDS times; every
 * interrupt must arrive, on the vector programmed last (fails with testdev exit codes
 * 31-35). ptvm changes only KVM's route then: VFIO's MSI is never switched off and on. */
	.include "lib.S"
	.set VEC_A, 0x40
	.set VEC_B, 0x41
	.set ROUNDS, 1000

main:
	IDT_GATE VEC_A, isr_a
	IDT_GATE VEC_B, isr_b
	lidt idt_desc
	orl $0x1ff, 0xfee000f0          /* LAPIC software enable, spurious vector 0xff */
	sti
	mov $31, %al
	call edu_find
	mov $VEC_A, %eax
	call msi_enable
	test %eax, %eax
	jnz 1f
	FAIL 32
1:	mov %eax, msi_cap
	movl $0x80, 0x20(%esi)          /* raise an interrupt when a factorial is done */
	xor %edi, %edi                  /* round */
round:
	mov count_a, %eax
	add count_b, %eax
	inc %eax
	mov %eax, want
	movl $5, 0x08(%esi)             /* start a factorial: its interrupt comes soon */
	mov %edi, %eax                  /* move the interrupt: even rounds to B, odd to A */
	and $1, %eax
	mov $VEC_B, %ebp
	sub %eax, %ebp
	mov msi_cap, %ecx               /* address (unchanged value, rewritten as Linux does) */
	add $4, %ecx
	mov $0xfee00000, %eax
	call cfg_write
	mov msi_cap, %ecx               /* data: at +8, or +12 with a 64-bit address */
	call cfg_read
	mov msi_cap, %ecx
	add $8, %ecx
	test $0x800000, %eax
	jz 2f
	add $4, %ecx
2:	mov %ebp, %eax
	call cfg_write
	mov $50000000, %ecx             /* wait for this round's interrupt */
3:	mov count_a, %eax
	add count_b, %eax
	cmp want, %eax
	jae 4f
	pause
	loop 3b
	FAIL 33                         /* lost */
4:	ja 5f
	inc %edi
	cmp $ROUNDS, %edi
	jne round
	cmpl $0, count_a                /* both vectors were used */
	jne 6f
5:	FAIL 34
6:	cmpl $0, count_b
	jne 7f
	FAIL 35
7:	PUTS ok_msg
	call poweroff

isr_a:
	EDU_ISR count_a
isr_b:
	EDU_ISR count_b

	.balign 8
idt_desc:
	.word (VEC_B + 1) * 8 - 1
	.long idt
count_a:   .long 0
count_b:   .long 0
want:      .long 0
msi_cap:   .long 0
ok_msg:    .asciz "ptvm-guest: MSI moved 1000 times with interrupts in flight, none lost\n"
	.balign 8
idt:	.fill (VEC_B + 1) * 8, 1, 0
