/* Shared helpers for ptvm's guest test payloads: flat 32-bit protected mode, loaded and
 * entered at 1 MiB, with ptvm's board (UART at 0x3f8, ACPI PM1a control at 0x604) and,
 * where the test asks for it, --device testdev (exit port 0xf4, MMIO at 0xfeb00000). */
	.code32
	.set SERIAL, 0x3f8
	.set PM1A_CNT, 0x604
	.set EXIT_PORT, 0xf4
	.set TESTDEV, 0xfeb00000

/* puts: print the NUL-terminated string at %esi on the UART */
	.macro PUTS msg
	mov $\msg, %esi
	call puts
	.endm

/* IDT_GATE vec, handler: a 32-bit interrupt gate in the payload's table "idt" */
	.macro IDT_GATE vec, handler
	movl $\handler, %eax
	mov %ax, idt + \vec * 8
	movw $0x08, idt + \vec * 8 + 2
	movw $0x8e00, idt + \vec * 8 + 4
	shr $16, %eax
	mov %ax, idt + \vec * 8 + 6
	.endm

/* EDU_ISR counter: an interrupt handler for QEMU's edu device (its BAR0 in "edu_base"):
 * count, acknowledge at the device (so it drops INTx), EOI at the LAPIC */
	.macro EDU_ISR counter
	push %eax
	push %edx
	incl \counter
	mov edu_base, %edx
	mov 0x24(%edx), %eax
	mov %eax, 0x64(%edx)
	movl $0, 0xfee000b0
	pop %edx
	pop %eax
	iret
	.endm

/* FAIL n: end ptvm with exit status n through testdev */
	.macro FAIL n
	mov $\n, %al
	out %al, $EXIT_PORT
	hlt
	.endm

	.text
	.globl _start
_start:
	lgdt gdt_desc                   /* our own GDT: iret reloads CS from it */
	ljmp $0x08, $1f
1:	mov $0x10, %ax
	mov %ax, %ds
	mov %ax, %es
	mov %ax, %ss
	mov %ax, %fs
	mov %ax, %gs
	mov $0x8ff0, %esp
	jmp main

	.balign 8
gdt:	.quad 0, 0x00cf9b000000ffff, 0x00cf93000000ffff
gdt_desc:
	.word 23
	.long gdt

puts:
	mov $SERIAL, %dx
1:	lodsb
	test %al, %al
	jz 2f
	out %al, %dx
	jmp 1b
2:	ret

/* cfg_read: %eax = dword at offset %ecx of slot %ebx; cfg_write: write %eax there */
cfg_addr:
	push %eax
	mov %ebx, %eax
	shl $11, %eax
	or %ecx, %eax
	or $0x80000000, %eax
	mov $0xcf8, %dx
	out %eax, %dx
	pop %eax
	mov $0xcfc, %dx
	ret
cfg_read:
	call cfg_addr
	in %dx, %eax
	ret
cfg_write:
	call cfg_addr
	out %eax, %dx
	ret

/* pci_find: %ebx = the first slot on bus 0 whose ID dword (device << 16 | vendor) is %eax,
 * or 32 when none is; clobbers %ecx, %edx */
pci_find:
	push %eax
	xor %ebx, %ebx
1:	xor %ecx, %ecx
	call cfg_read
	cmp (%esp), %eax
	je 2f
	inc %ebx
	cmp $32, %ebx
	jne 1b
2:	pop %eax
	ret

/* pci_cap: %eax = the offset of the first capability with ID %al in slot %ebx's list, or 0
 * when there is none; clobbers %ecx, %edx */
pci_cap:
	movzbl %al, %eax
	push %eax
	mov $0x34, %ecx
	call cfg_read
	and $0xfc, %eax
1:	test %eax, %eax
	jz 3f                           /* the end of the list: 0 */
	mov %eax, %ecx
	call cfg_read
	cmp (%esp), %al
	je 2f
	shr $8, %eax
	and $0xfc, %eax
	jmp 1b
2:	mov %ecx, %eax
3:	add $4, %esp
	ret

/* msi_enable: program slot %ebx's MSI to send vector %eax to LAPIC 0 (fixed delivery) and
 * enable it; returns %eax = the capability's offset, or 0 when the function has no MSI;
 * clobbers %ecx, %edx, %ebp */
msi_enable:
	push %eax                       /* the vector */
	mov $0x05, %al
	call pci_cap
	test %eax, %eax
	jz 2f
	mov %eax, %ebp
	mov %eax, %ecx
	call cfg_read
	push %eax                       /* ID, next, control (bit 23: 64-bit capable) */
	lea 4(%ebp), %ecx
	mov $0xfee00000, %eax           /* address: LAPIC 0 */
	call cfg_write
	lea 8(%ebp), %ecx
	testl $0x800000, (%esp)         /* 64-bit: high address, then data at +12 */
	jz 1f
	xor %eax, %eax
	call cfg_write
	lea 12(%ebp), %ecx
1:	mov 4(%esp), %eax
	call cfg_write
	pop %eax
	or $0x10000, %eax               /* enable */
	mov %ebp, %ecx
	call cfg_write
	mov %ebp, %eax
2:	add $4, %esp
	ret

/* put2: write %eax (0-99) as two decimal digits at (%edi) */
put2:
	push %edx
	push %ecx
	xor %edx, %edx
	mov $10, %ecx
	div %ecx
	add $'0', %al
	add $'0', %dl
	mov %al, (%edi)
	mov %dl, 1(%edi)
	pop %ecx
	pop %edx
	ret

/* edu_find: the first edu (1234:11e8) on bus 0, ready to use: %ebx = its slot, %esi =
 * its BAR0 (also in "edu_base"), memory decode and bus mastering on, INTx not disabled;
 * fails with testdev exit code %al when there is none; clobbers %ecx, %edx */
edu_find:
	push %eax
	mov $0x11e81234, %eax
	call pci_find
	pop %eax
	cmp $32, %ebx
	jne 1f
	out %al, $EXIT_PORT
	hlt
1:	mov $0x10, %ecx
	call cfg_read
	and $0xfffffff0, %eax
	mov %eax, %esi
	mov %eax, edu_base
	mov $0x04, %ecx
	call cfg_read
	or $0x6, %eax                   /* memory decode + bus master */
	and $~0x400, %eax               /* INTx not disabled */
	jmp cfg_write

/* edu_dma_wait: wait (bounded) for the DMA engine of the edu whose BAR0 is at %esi to
 * finish (bit 0 of register 0x98 clears); returns with ZF set when it did */
edu_dma_wait:
	mov $20000000, %ecx
1:	testl $1, 0x98(%esi)
	loopnz 1b
	ret

/* the BAR0 of the edu a payload drives (edu_find sets it; EDU_ISR reads it) */
	.balign 4
edu_base: .long 0

/* ACPI S5: SLP_TYP = 5, SLP_EN */
poweroff:
	mov $PM1A_CNT, %dx
	mov $(5 << 10 | 1 << 13), %ax
	out %ax, %dx
	hlt
	jmp poweroff
