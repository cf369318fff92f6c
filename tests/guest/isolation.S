/* A hostile guest, for the lab's isolation test: with an edu and (optionally) an MSI-X
 * device such as the e1000e assigned, it
 *  1. has the edu DMA outside guest RAM, both ways (the IOMMU must block both; the device
 *     buffer may come back unchanged or as one fill byte, never with host data);
 *  2. writes garbage to every config register of the edu, through 0xcf8/0xcfc and ECAM,
 *     then checks the read-only ID, BAR sizing and the device's own ID register;
 *  3. reads and writes MMIO where nothing is (all ones, writes ignored);
 *  4. writes garbage to every MSI-X table entry and the PBA of the MSI-X device, enables
 *     and disables MSI-X with them, and checks the table reads back sanely.
 * Prints "ptvm-guest: isolation: ..." lines; fails with testdev exit codes 31-39. */
	.include "lib.S"
	.set EDU_ID, 0x11e81234
	.set E1000E_ID, 0x10d38086
	.set ECAM, 0xe0000000
	.set SRC, 0x200000
	.set DST, 0x300000
	.set LEN, 256
	.set OUTSIDE, 0x08000000        /* 128 MiB: the test gives the guest 64 MiB (edu masks
					 * DMA addresses to 28 bits: keep it below 256 MiB) */
	.set NOWHERE, 0xdf000000        /* inside the PCI window, but no BAR there */

main:
	mov $EDU_ID, %eax
	call pci_find
	cmp $32, %ebx
	jne 1f
	FAIL 31
1:	mov %ebx, edu_slot
	mov $0x10, %ecx
	call cfg_read
	and $0xfffffff0, %eax
	mov %eax, %esi
	mov %eax, edu_bar
	mov $0x04, %ecx
	call cfg_read
	or $0x6, %eax                   /* memory decode + bus master */
	call cfg_write

	/* 1. DMA outside RAM. Fill the device buffer with 0x5a from RAM first. */
	mov $0x5a, %al
	mov $SRC, %edi
	mov $LEN, %ecx
	cld
	rep stosb
	mov $SRC, %eax
	mov $0x40000, %edx
	mov $1, %ecx                    /* RAM -> device */
	call dma
	mov $OUTSIDE, %eax              /* outside RAM -> device: blocked read */
	mov $0x40000, %edx
	mov $1, %ecx
	call dma
	mov $0x40000, %eax              /* device -> outside RAM: blocked write */
	mov $OUTSIDE, %edx
	mov $3, %ecx
	call dma
	mov $0x40000, %eax              /* device -> RAM: what did the blocked read leave? */
	mov $DST, %edx
	mov $3, %ecx
	call dma
	mov DST, %al                    /* every byte the same: 0x5a, or one fill byte */
	mov $DST, %edi
	mov $LEN, %ecx
	repe scasb
	je 2f
	FAIL 33
2:	PUTS dma_msg

	/* 2. garbage in every config register, by both mechanisms */
	mov edu_slot, %ebx
	mov $0x5a5a5a5a, %ebp
	call cfg_garbage
	mov $0xffffffff, %ebp
	call cfg_garbage
	mov $0, %ebp
	call cfg_garbage
	mov $0x0, %ecx                  /* the ID is read-only */
	call cfg_read
	cmp $EDU_ID, %eax
	je 3f
	FAIL 34
3:	mov $0x10, %ecx                 /* BAR sizing still works: 1 MiB, 32-bit memory */
	mov $0xffffffff, %eax
	call cfg_write
	call cfg_read
	cmp $0xfff00000, %eax
	je 4f
	FAIL 35
4:	mov edu_bar, %eax               /* put the BAR back, decode on: the device answers */
	call cfg_write
	mov $0x04, %ecx
	mov $0x6, %eax
	call cfg_write
	mov edu_bar, %esi
	cmpl $0x010000ed, (%esi)
	je 5f
	FAIL 36
5:	mov %ebx, %eax                  /* extended space through ECAM is hidden: reads 0 */
	shl $15, %eax
	cmpl $0, ECAM + 0x100(%eax)
	je 6f
	FAIL 37
6:	PUTS cfg_msg

	/* 3. nothing there: reads all ones, writes go nowhere */
	movl $0x12345678, NOWHERE
	cmpl $0xffffffff, NOWHERE
	je 7f
	FAIL 38
7:	movl $0x12345678, 0xfed00000    /* where an HPET would be */
	cmpl $0xffffffff, 0xfed00000
	je 8f
	FAIL 38
8:	PUTS mmio_msg

	/* 4. MSI-X garbage, on the first device that has MSI-X */
	mov $E1000E_ID, %eax
	call pci_find
	cmp $32, %ebx
	jne 9f
	PUTS nomsix_msg
	jmp done
9:	call msix_garbage
	PUTS msix_msg
done:
	PUTS ok_msg
	call poweroff

/* dma: edu DMA from %eax to %edx, LEN bytes, command %ecx; waits for the engine (bounded) */
dma:
	mov %eax, 0x80(%esi)
	mov %edx, 0x88(%esi)
	movl $LEN, 0x90(%esi)
	mov %ecx, 0x98(%esi)
	call edu_dma_wait
	jz 1f
	FAIL 32
1:	ret

/* cfg_garbage: %ebp into every dword of slot %ebx's config space via 0xcf8/0xcfc (except
 * the command register's decode bits, kept on so the test goes on), then byte and word
 * writes of it through ECAM over the whole 4 KiB */
cfg_garbage:
	mov $0x08, %ecx
1:	mov %ebp, %eax
	call cfg_write
	add $4, %ecx
	cmp $0x100, %ecx
	jne 1b
	mov %ebx, %edi
	shl $15, %edi
	add $ECAM, %edi
	xor %ecx, %ecx
2:	cmp $0x04, %ecx                 /* command and status: leave them */
	je 3f
	cmp $0x06, %ecx
	je 3f
	mov %ebp, %eax
	mov %ax, (%edi, %ecx)
	mov %al, 1(%edi, %ecx)
3:	add $2, %ecx
	cmp $0x1000, %ecx
	jne 2b
	ret

/* msix_garbage: MSI-X of slot %ebx: garbage in every table entry and the PBA, enable and
 * disable MSI-X and its function mask with it, read back the vector control words */
msix_garbage:
	mov $0x11, %al
	call pci_cap
	test %eax, %eax
	jnz 2f
	FAIL 39
2:	mov %eax, %ebp                  /* capability offset */
	mov %eax, %ecx
	call cfg_read
	shr $16, %eax
	and $0x7ff, %eax
	inc %eax
	mov %eax, msix_n
	lea 4(%ebp), %ecx               /* table: BIR and offset */
	call cfg_read
	mov %eax, %edx
	and $7, %eax
	lea 0x10(, %eax, 4), %ecx
	and $0xfffffff8, %edx
	call cfg_read
	and $0xfffffff0, %eax
	add %edx, %eax
	mov %eax, %edi                  /* the table */
	mov $0x04, %ecx                 /* memory decode on */
	call cfg_read
	or $0x2, %eax
	call cfg_write
	mov msix_n, %ecx                /* every entry: garbage */
	mov %edi, %edx
4:	movl $0xdeadbeef, (%edx)
	movl $0x5a5a5a5a, 4(%edx)
	movl $0xffffffff, 8(%edx)
	movl $0xfffffffe, 12(%edx)      /* unmasked, reserved bits set */
	add $16, %edx
	loop 4b
	mov %ebp, %ecx                  /* enable, function mask on, then off, then disable */
	call cfg_read
	or $0xc0000000, %eax
	call cfg_write
	and $0xbfffffff, %eax
	call cfg_write
	mov msix_n, %ecx                /* vector control: only the mask bit is writable */
	mov %edi, %edx
5:	testl $0xfffffffe, 12(%edx)
	jz 6f
	FAIL 39
6:	movl $0xffffffff, 12(%edx)      /* masked again */
	add $16, %edx
	loop 5b
	movl $0xffffffff, (%edx)        /* past the last entry: any page offset is fine */
	mov %ebp, %ecx
	call cfg_read
	and $0x3fffffff, %eax
	call cfg_write
	ret

	.balign 4
edu_slot:   .long 0
edu_bar:    .long 0
msix_n:     .long 0
dma_msg:    .asciz "ptvm-guest: isolation: DMA outside RAM did not reach the guest\n"
cfg_msg:    .asciz "ptvm-guest: isolation: config garbage survived, ID and BAR sane\n"
mmio_msg:   .asciz "ptvm-guest: isolation: unmapped MMIO reads all ones\n"
msix_msg:   .asciz "ptvm-guest: isolation: MSI-X table garbage survived\n"
nomsix_msg: .asciz "ptvm-guest: isolation: no MSI-X device assigned\n"
ok_msg:     .asciz "ptvm-guest: isolation ok\n"
