/* Where guest RAM goes in the guest-physical map: in the windows an architecture offers,
 * around the ranges the IOMMU reserves for the assigned devices (DMA to RAM there would
 * never reach it: an MSI window, or what lies beyond the IOMMU's address width). */
#ifndef PTVM_LAYOUT_H
#define PTVM_LAYOUT_H

#include <stdint.h>

#include "vmm/vm.h"

/* Lays SIZE bytes of RAM out in WINDOWS (filled in the order given), skipping every
 * RESERVED range (any order, may overlap each other or the windows). Each region starts
 * on an ALIGN boundary (a power of two) and every region but the last is a multiple of
 * ALIGN long, so that regions carved from one memfd keep huge pages whole. Returns the
 * number of regions written to OUT, -ENOSPC when that would be more than MAX, -ERANGE
 * when the windows cannot hold SIZE. Sets no error message: the caller knows the board. */
int layout_ram(uint64_t size, uint64_t align, const struct gpa_range *windows, int nwindows,
	       const struct gpa_range *reserved, int nreserved, struct mem_region *out, int max);

/* layout_ram for a board, with the error said: RAM that would need more than MAX regions,
 * or that does not fit below the end of the last window (named as LIMIT_WHAT). */
int layout_board_ram(uint64_t size, uint64_t align, const struct gpa_range *windows,
		     int nwindows, const struct gpa_range *reserved, int nreserved,
		     struct mem_region *out, int max, const char *limit_what);

/* The inverse of a sorted list of allowed ranges (what IOMMU_IOAS_IOVA_RANGES reports) in
 * [0, UINT64_MAX]: the reserved ranges. Returns their number, or -ENOSPC past MAX. */
int layout_complement(const struct gpa_range *allowed, int nallowed, struct gpa_range *out,
		      int max);

#endif
