#include "vmm/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

bool log_verbose;
static struct timespec t0;

void log_start(void) { clock_gettime(CLOCK_MONOTONIC, &t0); }

void log_step(const char *fmt, ...)
{
	struct timespec t;
	char msg[256];
	va_list ap;

	if (!log_verbose)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ptvm: [%9.3f ms] %s\n",
		(double)(t.tv_sec - t0.tv_sec) * 1e3 + (double)(t.tv_nsec - t0.tv_nsec) / 1e6, msg);
}

void log_warn(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ptvm: warning: %s\n", msg);
}
