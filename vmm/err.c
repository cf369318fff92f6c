#include "vmm/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_buf[1024];

static int neg(int err) { return err > 0 ? -err : (err < 0 ? err : -EIO); }

int err_errno(int err, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err_buf))
		snprintf(err_buf + n, sizeof(err_buf) - (size_t)n, ": %s", strerror(-neg(err)));
	return neg(err);
}

int err_msg(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof(err_buf), fmt, ap);
	va_end(ap);
	return neg(err);
}

int err_ctx(int ret, const char *fmt, ...)
{
	char prefix[512], old[sizeof(err_buf)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, err_buf, sizeof(old));
	if (old[0])
		snprintf(err_buf, sizeof(err_buf), "%s: %s", prefix, old);
	else
		snprintf(err_buf, sizeof(err_buf), "%s: %s", prefix, strerror(-neg(ret)));
	return ret;
}

int err_append(int ret, const char *fmt, ...)
{
	size_t n = strlen(err_buf);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err_buf + n, sizeof(err_buf) - n, fmt, ap);
	va_end(ap);
	return ret;
}

const char *err_get(void) { return err_buf[0] ? err_buf : "unknown error"; }
void err_clear(void) { err_buf[0] = '\0'; }
