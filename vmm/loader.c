/* Reading boot files (kernels, initrds, payloads) into guest RAM: what every
 * architecture's loader shares. */
#include "vmm/loader.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "vmm/sys.h"
#include "vmm/util.h"

int loader_read_head(int fd, const char *path, uint8_t *buf, size_t len, size_t *got,
		     uint64_t *size)
{
	struct stat st;
	ssize_t n;

	if (fstat(fd, &st) || !S_ISREG(st.st_mode))
		return err_msg(EINVAL, "kernel %s is not a regular file", path);
	*size = (uint64_t)st.st_size;
	n = sys_pread(fd, buf, len, 0);
	if (n < 0)
		return err_ctx((int)n, "read kernel %s", path);
	*got = (size_t)n;
	return 0;
}

int loader_read_into(int fd, const char *path, uint8_t *dst, uint64_t off, uint64_t len)
{
	for (uint64_t done = 0; done < len;) {
		ssize_t n = sys_pread(fd, dst + done, len - done, (off_t)(off + done));

		if (n <= 0)
			return n < 0 ? err_ctx((int)n, "read %s", path)
				     : err_msg(EIO, "%s shrank while being read", path);
		done += (uint64_t)n;
	}
	return 0;
}

int loader_load_file(struct vm *vm, const char *what, const char *path, uint64_t lo,
		     uint64_t hi, bool at_top, uint64_t *gpa_out, uint64_t *size)
{
	struct stat st;
	uint8_t *dst;
	uint64_t gpa = lo;
	int fd = sys_open(path, O_RDONLY), r = 0;

	if (fd < 0)
		return err_ctx(fd, "%s", what);
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		r = err_msg(EINVAL, "%s %s is not a regular file", what, path);
		goto out;
	}
	*size = (uint64_t)st.st_size;
	if (at_top && hi > lo && *size <= hi - lo)
		gpa = (hi - *size) & ~0xfffull;
	if (gpa < lo || gpa > hi || *size > hi - gpa || !(dst = gpa_to_hva(vm, gpa, *size))) {
		char a[32], b[32];

		r = err_msg(ENOSPC, "%s %s (%s) does not fit in guest RAM (%s free there); give "
				    "more --memory", what, path, format_size(*size, a, sizeof(a)),
			    format_size(hi > lo ? hi - lo : 0, b, sizeof(b)));
		goto out;
	}
	r = loader_read_into(fd, path, dst, 0, *size);
	*gpa_out = gpa;
out:
	sys_close(fd);
	return r;
}
