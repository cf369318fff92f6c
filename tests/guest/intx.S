/* INTx of the first edu on bus 0: the IOAPIC entry for the GSI that ptvm put in the
 * interrupt-line register, level-triggered; 50 raised interrupts must all arrive. Each one
 * after the first needs the EOI -> KVM resample -> VFIO unmask path. Fails with testdev
 * exit codes 31-33. */
	.include "lib.S"
	.set VEC, 0x41
	.set LAPIC, 0xfee00000
	.set IOAPIC, 0xfec00000
	.set COUNT, 50

main:
	IDT_GATE VEC, isr
	lidt idt_desc
	orl $0x1ff, LAPIC + 0xf0
	mov $31, %al
	call edu_find
	mov $0x3c, %ecx
	call cfg_read
	movzbl %al, %eax                /* GSI */
	mov %eax, gsi
	shl $1, %eax                    /* IOAPIC redirection entry: level, active high */
	add $0x10, %eax
	mov %eax, IOAPIC
	movl $(VEC | 1 << 15), IOAPIC + 0x10
	inc %eax
	mov %eax, IOAPIC
	movl $0, IOAPIC + 0x10          /* destination: APIC 0 */
	sti
	mov $COUNT, %edi
3:	mov count, %eax
	inc %eax
	push %eax
	movl $1, 0x60(%esi)             /* raise */
	pop %eax
	mov $50000000, %ecx
4:	cmp %eax, count
	jae 5f
	pause
	loop 4b
	FAIL 32
5:	dec %edi
	jnz 3b
	mov gsi, %eax                   /* "... on GSI NN" */
	mov $(msg + 41), %edi
	call put2
	PUTS msg
	call poweroff

isr:                                    /* the EOI lets KVM resample the INTx line */
	EDU_ISR count

	.balign 8
idt_desc:
	.word (VEC + 1) * 8 - 1
	.long idt
count:    .long 0
gsi:      .long 0
msg:      .asciz "ptvm-guest: INTx: 50 interrupts on GSI NN\n"
	.balign 8
idt:	.fill (VEC + 1) * 8, 1, 0
