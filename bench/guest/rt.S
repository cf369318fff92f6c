/* Benchmark payload for ptvm and QEMU alike: a flat 32-bit binary entered at 1 MiB in
 * protected mode (ptvm run --payload), which also carries a Multiboot v1 header with the
 * address fields, so QEMU's -kernel loads it at 1 MiB and enters it the same way.
 *
 * Default build: times N reads of an unclaimed I/O port (0x2f8) and of an unclaimed MMIO
 * address (0xfea00000) -- each one a trapped round trip through the VMM -- and N reads of
 * guest RAM as the loop's own cost. With -DEDU: finds the first QEMU edu device on bus 0,
 * times N reads of its ID register through BAR0 (mmapped by the VMM: no exit expected),
 * then enables its MSI and takes BURST raised interrupts. With -DSTART: only the first
 * line, then the exit (the VMM's start-up is what is measured).
 * Each figure is printed as "BENCH NAME=CYCLES" in TSC cycles per access (or per MSI).
 * Each timed part runs between the console lines "BENCH NAME-start" and "BENCH NAME-end",
 * with ~2^28 quiet cycles after each line, for vmmstat -w to sample the VMM there.
 * Ends by writing 0 to port 0xf4: ptvm's testdev exit port, QEMU's isa-debug-exit. */
	.include "lib.S"
	.set N, 20000
	.set BURST, 1000
	.set VEC, 0x40
	.set LAPIC, 0xfee00000
	.set EDU_ID, 0x11e81234
	.set UNCLAIMED_PORT, 0x2f8
	.set UNCLAIMED_MMIO, 0xfea00000

	.balign 4
mb_header:                              /* Multiboot v1: magic, flags (bit 16: addresses */
	.long 0x1badb002, 0x00010000    /* below), checksum, header, load start, load end */
	.long -(0x1badb002 + 0x00010000) /* (0: the whole file), bss end, entry */
	.long mb_header, 0x100000, 0, 0, _start

/* WINDOW name: print "BENCH name-start" (or -end) and idle ~2^28 TSC cycles without exits,
 * so that vmmstat -w samples the VMM while the guest is quiet */
	.macro WINDOW msg
	PUTS \msg
	call quiet
	.endm

main:
	mov $0xff, %al                  /* mask the legacy PICs (a BIOS leaves the timer on) */
	out %al, $0x21
	out %al, $0xa1
	PUTS hello
#ifdef START
	jmp finish
#endif
#ifndef EDU
	WINDOW pio_start
	call tsc_start
	mov $N, %ecx
	mov $UNCLAIMED_PORT, %dx
1:	in %dx, %al
	loop 1b
	call tsc_stop
	WINDOW pio_end
	mov $pio_msg, %esi
	call tsc_report

	WINDOW mmio_start
	call tsc_start
	mov $N, %ecx
1:	mov UNCLAIMED_MMIO, %eax
	loop 1b
	call tsc_stop
	WINDOW mmio_end
	mov $mmio_msg, %esi
	call tsc_report

	call tsc_start
	mov $N, %ecx
1:	mov scratch, %eax
	loop 1b
	call tsc_stop
	mov $ram_msg, %esi
	call tsc_report
#else
	mov $EDU_ID, %eax
	call pci_find
	cmp $32, %ebx
	jne 2f
	PUTS no_edu
	FAIL 31
2:	mov $0x10, %ecx
	call cfg_read
	and $0xfffffff0, %eax
	mov %eax, edu_base
	mov $0x04, %ecx
	call cfg_read
	or $0x6, %eax                   /* memory decode + bus master */
	call cfg_write

	WINDOW bar_start
	call tsc_start
	mov edu_base, %esi
	mov $N, %ecx
1:	mov (%esi), %eax                /* ID register through the BAR */
	loop 1b
	push %eax
	call tsc_stop
	pop %eax
	cmp $0x010000ed, %eax
	je 1f
	FAIL 32
1:	WINDOW bar_end
	mov $bar_msg, %esi
	call tsc_report

	IDT_GATE VEC, isr
	lidt idt_desc
	orl $0x1ff, LAPIC + 0xf0        /* LAPIC software enable */
	sti
	mov $VEC, %eax
	call msi_enable
	test %eax, %eax
	jnz 4f
	FAIL 33
4:	WINDOW burst_start
	call tsc_start
	mov edu_base, %esi
	mov $BURST, %edi
7:	mov msi_count, %eax
	inc %eax
	movl $1, 0x60(%esi)             /* raise an interrupt */
	mov $50000000, %ecx
8:	cmp %eax, msi_count
	jae 9f
	pause
	loop 8b
	FAIL 34
9:	dec %edi
	jnz 7b
	call tsc_stop
	WINDOW burst_end
	mov $BURST, %ecx
	mov $msi_msg, %esi
	call tsc_report_n
#endif
finish:
	PUTS done
	xor %al, %al
	out %al, $EXIT_PORT
	hlt
	jmp .

/* tsc_start, tsc_stop: remember the TSC in t0, t1 */
tsc_start:
	rdtsc
	mov %eax, t0
	mov %edx, t0 + 4
	ret
tsc_stop:
	rdtsc
	mov %eax, t1
	mov %edx, t1 + 4
	ret

/* quiet: spin 2^28 TSC cycles (no exits); keeps %ebx (cfg_read's slot) and %ecx */
quiet:
	push %ebx
	push %ecx
	rdtsc
	mov %eax, %ecx
	mov %edx, %ebx
1:	rdtsc
	sub %ecx, %eax
	sbb %ebx, %edx
	cmp $0x10000000, %eax
	jb 1b
	pop %ecx
	pop %ebx
	ret

/* tsc_report: print "BENCH <label at %esi><(t1 - t0) / N>"; tsc_report_n: divided by %ecx */
tsc_report:
	mov $N, %ecx
tsc_report_n:
	mov t1, %eax
	mov t1 + 4, %edx
	sub t0, %eax
	sbb t0 + 4, %edx
	div %ecx
	push %eax
	call puts
	pop %eax
	call putu
	PUTS nl
	ret

/* putu: print %eax in decimal */
putu:
	mov $numbuf + 11, %edi
	movb $0, (%edi)
	mov $10, %ecx
1:	xor %edx, %edx
	div %ecx
	add $'0', %dl
	dec %edi
	mov %dl, (%edi)
	test %eax, %eax
	jnz 1b
	mov %edi, %esi
	jmp puts

#ifdef EDU
isr:
	EDU_ISR msi_count
#endif

	.balign 8
t0:	.quad 0
t1:	.quad 0
scratch: .long 0
msi_count: .long 0
numbuf:	.fill 12, 1, 0
hello:	.asciz "BENCH payload start\n"
pio_msg: .asciz "BENCH pio="
mmio_msg: .asciz "BENCH mmio="
ram_msg: .asciz "BENCH ram="
bar_msg: .asciz "BENCH bar="
msi_msg: .asciz "BENCH msi="
pio_start: .asciz "BENCH pio-start\n"
pio_end: .asciz "BENCH pio-end\n"
mmio_start: .asciz "BENCH mmio-start\n"
mmio_end: .asciz "BENCH mmio-end\n"
bar_start: .asciz "BENCH bar-start\n"
bar_end: .asciz "BENCH bar-end\n"
burst_start: .asciz "BENCH burst-start\n"
burst_end: .asciz "BENCH burst-end\n"
no_edu:	.asciz "BENCH no edu device\n"
done:	.asciz "BENCH done\n"
nl:	.asciz "\n"
	.balign 8
idt_desc:
	.word (VEC + 1) * 8 - 1
	.long idt
	.balign 8
idt:	.fill (VEC + 1) * 8, 1, 0
