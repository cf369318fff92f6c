/* Entry of ptvm's arm64 test payloads: loaded at guest address 0 and entered there in
 * EL1h, MMU and caches off, interrupts masked, x0 = the device tree. A stack below 2 MiB,
 * then main(); returning from it powers the guest off through PSCI. */
	.section .text.start, "ax"
	.global _start
_start:
	ldr x1, =0x1f0000
	mov sp, x1
	bl main
	bl psci_off
1:	wfi
	b 1b

/* The exception vectors (lib.h) */
	.text
	.balign 2048
	.global vectors
vectors:
	.rept 4                 /* EL1 with SP_EL0 */
	.balign 0x80
	b unexpected
	.endr
	.balign 0x80            /* EL1 with SP_EL1: synchronous */
	b sync_el1h
	.rept 11                /* its IRQ, FIQ, SError; lower ELs */
	.balign 0x80
	b unexpected
	.endr
sync_el1h:
	mrs x9, esr_el1
	adr x10, last_esr
	str x9, [x10]
	mrs x9, elr_el1
	add x9, x9, #4
	msr elr_el1, x9
	eret
unexpected:
	ldr x1, =0xe10000f4     /* testdev's exit port through the PCI I/O window */
	mov w0, #40
	strb w0, [x1]
1:	wfi
	b 1b

	.data
	.balign 8
	.global last_esr
last_esr:
	.quad 0
