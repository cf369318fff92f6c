#include "vmm/layout.h"

#include <errno.h>
#include <stdbool.h>

#include "vmm/err.h"
#include "vmm/util.h"

/* The first address past a range, saturating: a range may end at UINT64_MAX. */
static uint64_t end_of(const struct gpa_range *r)
{
	return r->last == UINT64_MAX ? UINT64_MAX : r->last + 1;
}

static uint64_t align_up(uint64_t a, uint64_t align)
{
	return a > UINT64_MAX - (align - 1) ? UINT64_MAX : (a + align - 1) & ~(align - 1);
}

int layout_ram(uint64_t size, uint64_t align, const struct gpa_range *windows, int nwindows,
	       const struct gpa_range *reserved, int nreserved, struct mem_region *out, int max)
{
	uint64_t left = size;
	int n = 0;

	if (!align || (align & (align - 1)))
		return -EINVAL;
	for (int w = 0; w < nwindows && left; w++) {
		uint64_t cur = align_up(windows[w].start, align), wend = end_of(&windows[w]);

		while (left && cur < wend) {
			uint64_t lim = wend, piece;
			bool moved = true;

			/* past every reserved range that holds cur (one that runs to the end of
			 * the address space ends the window) */
			while (moved && cur < wend) {
				moved = false;
				for (int i = 0; i < nreserved && cur < wend; i++)
					if (reserved[i].start <= cur && cur <= reserved[i].last) {
						cur = reserved[i].last >= wend - 1
						      ? wend : align_up(reserved[i].last + 1, align);
						moved = true;
					}
			}
			if (cur >= wend)
				break;
			/* up to the next reserved range (the window's end at the latest) */
			for (int i = 0; i < nreserved; i++)
				if (reserved[i].start > cur && reserved[i].start < lim)
					lim = reserved[i].start;
			piece = (lim & ~(align - 1)) > cur ? (lim & ~(align - 1)) - cur : 0;
			if (piece > left)
				piece = left;
			if (!piece) { /* a gap shorter than ALIGN before a reserved range */
				cur = lim;
				continue;
			}
			if (n == max)
				return -ENOSPC;
			out[n++] = (struct mem_region){ .gpa = cur, .size = piece };
			left -= piece;
			cur += piece;
		}
	}
	return left ? -ERANGE : n;
}

int layout_complement(const struct gpa_range *allowed, int nallowed, struct gpa_range *out,
		      int max)
{
	uint64_t next = 0; /* the first address not yet accounted for */
	bool done = false;
	int n = 0;

	for (int i = 0; i < nallowed && !done; i++) {
		if (allowed[i].start > next) {
			if (n == max)
				return -ENOSPC;
			out[n++] = (struct gpa_range){ next, allowed[i].start - 1 };
		}
		if (allowed[i].last == UINT64_MAX)
			done = true;
		else if (allowed[i].last + 1 > next)
			next = allowed[i].last + 1;
	}
	if (!done) {
		if (n == max)
			return -ENOSPC;
		out[n++] = (struct gpa_range){ next, UINT64_MAX };
	}
	return n;
}

int layout_board_ram(uint64_t size, uint64_t align, const struct gpa_range *windows,
		     int nwindows, const struct gpa_range *reserved, int nreserved,
		     struct mem_region *out, int max, const char *limit_what)
{
	int n = layout_ram(size, align, windows, nwindows, reserved, nreserved, out, max);
	char sz[32];

	format_size(size, sz, sizeof(sz));
	if (n == -ENOSPC)
		return err_msg(ENOSPC, "guest RAM of %s would need more than %d pieces around the "
				       "%d range(s) the IOMMU reserves", sz, max, nreserved);
	if (n == -ERANGE)
		return err_msg(ERANGE, "guest RAM of %s does not fit below %s around the %d "
				       "range(s) the IOMMU reserves", sz, limit_what, nreserved);
	if (n < 0)
		return err_msg(-n, "guest RAM layout");
	return n;
}
