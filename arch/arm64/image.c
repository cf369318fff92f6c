#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "arch/arm64/image.h"
#include "vmm/err.h"

#define IMAGE_MAGIC "ARM\x64"             /* at 0x38 */
#define FLAG_BE 0x1ull                     /* bit 0: the kernel is big-endian */
#define FLAG_ANYWHERE 0x8ull               /* bit 3: physical placement */
#define IMAGE_MAX (1ull << 30)             /* no Image is anywhere near this large */
#define LEGACY_TEXT_OFFSET 0x80000ull      /* image_size 0: a kernel before 3.17 */

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool bzimage(const uint8_t *h, size_t len)
{
	return len >= 0x206 && h[0x1fe] == 0x55 && h[0x1ff] == 0xaa && !memcmp(h + 0x202, "HdrS", 4);
}

int arm64_image_parse(const uint8_t *head, size_t len, uint64_t file_size,
		      struct arm64_image *img)
{
	uint64_t flags;

	memset(img, 0, sizeof(*img));
	if (len > file_size)
		len = (size_t)file_size;
	if (bzimage(head, len))
		return err_msg(EINVAL, "an x86 bzImage; this ptvm runs arm64 guests (give it an "
				       "arm64 Image)");
	if (len >= 4 && !memcmp(head, "\x7f" "ELF", 4))
		return err_msg(EINVAL, "an ELF file (a vmlinux?); ptvm boots the arm64 Image "
				       "(arch/arm64/boot/Image)");
	if (len >= 2 && head[0] == 0x1f && head[1] == 0x8b)
		return err_msg(EINVAL, "a gzip file (an Image.gz?); give ptvm the uncompressed "
				       "Image (gunzip it)");
	if (len < ARM64_IMAGE_HDR)
		return err_msg(EINVAL, "%llu bytes: too short for an arm64 Image header (64)",
			       (unsigned long long)file_size);
	if (memcmp(head + 0x38, IMAGE_MAGIC, 4))
		return err_msg(EINVAL, "not an arm64 Linux Image (no \"ARM\\x64\" magic at 0x38); a "
				       "raw binary goes with --payload");
	flags = le64(head + 24);
	img->text_offset = le64(head + 8);
	img->image_size = le64(head + 16);
	img->file_size = file_size;
	if (!img->image_size) { /* before Linux 3.17: the fields are not there */
		img->text_offset = LEGACY_TEXT_OFFSET;
		img->image_size = file_size;
		flags = 0;
	}
	if (flags & FLAG_BE)
		return err_msg(EINVAL, "a big-endian kernel; ptvm runs little-endian guests");
	img->anywhere = flags & FLAG_ANYWHERE;
	if (img->text_offset >= ARM64_IMAGE_ALIGN || (img->text_offset & 0xfff))
		return err_msg(EINVAL, "a text offset of 0x%llx: not a 4 KiB multiple below 2 MiB "
				       "(a corrupt header?)", (unsigned long long)img->text_offset);
	if (img->image_size > IMAGE_MAX)
		return err_msg(EINVAL, "an image size of %llu bytes (more than 1 GiB: a corrupt "
				       "header?)", (unsigned long long)img->image_size);
	if (file_size > img->image_size)
		return err_msg(EINVAL, "the file (%llu bytes) is larger than the image its header "
				       "describes (%llu bytes): not an Image, or a corrupt one",
			       (unsigned long long)file_size, (unsigned long long)img->image_size);
	/* the header's image size covers the BSS, which the file does not carry; the text
	 * and data do, and they are most of it: a file shorter than half is cut short */
	if (file_size < img->image_size / 2)
		return err_msg(EINVAL, "truncated: %llu bytes of an image of %llu",
			       (unsigned long long)file_size, (unsigned long long)img->image_size);
	return 0;
}

int arm64_image_place(const struct arm64_image *img, uint64_t ram_base, uint64_t ram_size,
		      uint64_t *load, uint64_t *end)
{
	uint64_t base = (ram_base + ARM64_IMAGE_ALIGN - 1) & ~(ARM64_IMAGE_ALIGN - 1);
	uint64_t ram_end = ram_base + ram_size;

	if (base < ram_base || base > ram_end || ram_end - base < img->text_offset ||
	    ram_end - base - img->text_offset < img->image_size)
		return err_msg(ENOSPC, "the kernel needs %llu MiB of RAM from a 2 MiB boundary "
				       "(%llu MiB running, text offset 0x%llx); the RAM it goes in has "
				       "%llu MiB",
			       (unsigned long long)((img->text_offset + img->image_size + (1 << 20) - 1) >> 20),
			       (unsigned long long)((img->image_size + (1 << 20) - 1) >> 20),
			       (unsigned long long)img->text_offset,
			       (unsigned long long)(ram_size >> 20));
	*load = base + img->text_offset;
	*end = *load + img->image_size;
	return 0;
}
