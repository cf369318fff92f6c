/* Small helpers shared by the monitor: sizes, numbers, paths and short files. */
#ifndef PTVM_UTIL_H
#define PTVM_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* "512M", "2G", "4096", "64k": a byte count with an optional K/M/G/T suffix (powers of
 * 1024, either case, an optional trailing 'B' or 'iB'). -EINVAL on junk, -ERANGE on overflow. */
int parse_size(const char *s, uint64_t *out);
/* Decimal or 0x-hex unsigned number, whole string, within [0, max]. */
int parse_u64(const char *s, uint64_t max, uint64_t *out);
/* A UUID as text, 8-4-4-4-12 hex digits (either case), into its 16 bytes in that order
 * (the form VFIO's VF tokens take). -EINVAL otherwise. */
int parse_uuid(const char *s, uint8_t out[16]);
/* "512 MiB", "1.5 GiB", "4 KiB", "17 bytes" */
const char *format_size(uint64_t bytes, char *buf, size_t len);

/* snprintf into a path buffer; -ENAMETOOLONG when it does not fit. */
int path_fmt(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Read a short text file (sysfs attribute), trailing newline stripped. Returns the length
 * or -errno. */
int read_text(const char *path, char *buf, size_t len);
/* The last component of a symlink's target (e.g. the driver name), or -errno. */
int read_link_name(const char *path, char *buf, size_t len);
bool path_exists(const char *path);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t monotonic_ns(void);

#endif
