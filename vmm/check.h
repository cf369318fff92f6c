/* "ptvm check": host readiness, one line per check (PASS/WARN/FAIL) with a hint. */
#ifndef PTVM_CHECK_H
#define PTVM_CHECK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/err.h"
#include "vmm/registry.h"

enum check_status { CHECK_PASS, CHECK_WARN, CHECK_FAIL };

struct check_result {
	enum check_status status;
	char subject[32];  /* "host" or a device's BDF / argument */
	char name[24];     /* short id: "kvm", "iommufd", "driver", ... */
	char message[256];
	char hint[384];    /* empty when there is nothing to do */
};

struct check_ctx {
	const char *root;      /* prefix for /sys, /dev and /proc ("" on a real host) */
	uint64_t memory;       /* guest RAM the user intends to give (bytes) */
	char **devices;        /* BDFs or /dev/vfio/devices/vfioN paths */
	int ndevices;
	bool devices_checked;  /* set by the checker that understands devices */
	bool out_of_memory;    /* a result could not be recorded */
	struct check_result *results;
	int nresults, cap;
};

struct checker {
	const char *name;
	void (*run)(struct check_ctx *ctx);
};
#define PTVM_CHECKER(obj) PTVM_REGISTER(ptvm_checkers, struct checker, obj)
PTVM_SECTION(ptvm_checkers, struct checker);

void check_report(struct check_ctx *ctx, enum check_status st, const char *subject,
		  const char *name, const char *hint, const char *fmt, ...) PTVM_PRINTF(6, 7);
/* Runs every registered checker; returns the number of FAILs. */
int check_run_all(struct check_ctx *ctx);
void check_print_text(FILE *f, const struct check_ctx *ctx);
void check_print_json(FILE *f, const struct check_ctx *ctx);
void check_free(struct check_ctx *ctx);

/* Individual checkers, callable by tests with a fake root. */
void check_host_kvm(struct check_ctx *ctx);
void check_host_memlock(struct check_ctx *ctx);
void check_host_seccomp(struct check_ctx *ctx);
void check_vfio_host(struct check_ctx *ctx);
void check_vfio_device(struct check_ctx *ctx, const char *arg);

#endif
