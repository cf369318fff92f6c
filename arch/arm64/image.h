/* The arm64 Linux Image: its 64-byte header (Documentation/arch/arm64/booting.rst) and
 * where the image goes in guest RAM. Free of arm64-only headers, so that the host's unit
 * tests and fuzzers build it on any architecture. */
#ifndef PTVM_ARM64_IMAGE_H
#define PTVM_ARM64_IMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARM64_IMAGE_HDR 64                /* bytes of header ptvm reads */
#define ARM64_IMAGE_ALIGN 0x200000ull      /* the image's base: a 2 MiB boundary */

struct arm64_image {
	uint64_t text_offset;  /* from the 2 MiB-aligned base to the image's first byte */
	uint64_t image_size;   /* bytes the image occupies once running (with its BSS) */
	uint64_t file_size;
	bool anywhere;         /* flags bit 3: the base may be anywhere in RAM, not only
				  near its start */
};

/* Checks the first LEN bytes of a kernel file of FILE_SIZE bytes (LEN >= 64 when the file
 * is that long) and fills IMG. Refuses, with the reason in the error: an x86 bzImage, an
 * ELF vmlinux, a compressed Image.gz, a file without the arm64 magic, a big-endian
 * kernel, a truncated file (shorter than its header, or shorter than half the image it
 * claims: the claimed size adds only the BSS, far less than the text and data the file
 * holds), and header values no Image has (a text offset that is unaligned or past 2 MiB,
 * an image size larger than 1 GiB, or smaller than the file). Returns 0 or -EINVAL. */
int arm64_image_parse(const uint8_t *head, size_t len, uint64_t file_size,
		      struct arm64_image *img);

/* Where the image goes in RAM [RAM_BASE, RAM_BASE + RAM_SIZE): the first 2 MiB boundary
 * from RAM_BASE plus its text offset; *END is the first byte past it once running. Returns
 * 0, or -ENOSPC (with the sizes in the error) when it does not fit. */
int arm64_image_place(const struct arm64_image *img, uint64_t ram_base, uint64_t ram_size,
		      uint64_t *load, uint64_t *end);

#endif
