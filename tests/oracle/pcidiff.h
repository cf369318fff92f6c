/* The fidelity oracle: compares a PCI function's config space as the host sees it with
 * the guest's view of the same function, field by field, and classifies every difference:
 * a difference ptvm makes on purpose (documented in docs/guest-pci.md under its ID), one
 * that vfio-pci makes for every VMM (documented there too), an OS-programmed state
 * register (compared only when both views were taken at the same time), a volatile status
 * bit (never compared), or an undocumented difference: a bug.
 *
 * Dumps are text, as a shell makes them from sysfs in L1 and in the guest:
 *   PCIDUMP <bdf>
 *   RES <start> <end> <flags>     (the 7 lines of the function's sysfs `resource` file)
 *   HEX <byte> <byte> ...         (od -An -tx1 -v of its sysfs `config` file)
 *   PCIDUMP-END
 */
#ifndef PTVM_TEST_PCIDIFF_H
#define PTVM_TEST_PCIDIFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pcidump {
	char bdf[32];
	uint8_t cfg[4096];
	uint32_t size; /* config bytes in the dump: 64, 256 or 4096 */
	struct { uint64_t start, end, flags; } res[7];
	int nres;
};

/* The block for bdf (or the first one when bdf is NULL) in text. 0, or -1 with a reason
 * in why. Carriage returns and unrelated lines (a guest's console) are skipped. */
int pcidump_parse(const char *text, const char *bdf, struct pcidump *out, char *why,
		  size_t whylen);

enum pd_class {
	PD_UNDOCUMENTED, /* a bug */
	PD_PTVM,         /* ptvm's on purpose: docs/guest-pci.md, by doc ID */
	PD_VFIO,         /* vfio-pci's, for any VMM: docs/guest-pci.md, by doc ID */
	PD_STATE,        /* programmed by each OS: not compared unless both views are live */
	PD_VOLATILE,     /* status the device changes by itself: never compared */
};

struct pd_diff {
	const char *field;  /* "PCI Express device control", "BAR 2 size", ... */
	uint32_t off;       /* config offset, or ~0u for resource and chain facts */
	uint64_t host, guest;
	enum pd_class cls;
	const char *doc;    /* the doc ID for PD_PTVM and PD_VFIO */
};

typedef void (*pd_report_fn)(const struct pd_diff *d, void *ctx);

struct pd_result {
	int fields;         /* fields compared */
	int same;           /* of them, equal */
	int documented;     /* differences ptvm or vfio-pci make on purpose */
	int undocumented;   /* differences nobody explains: each one fails the oracle */
	int skipped;        /* state (not live) and volatile fields */
};

/* Compares; live: the host dump was taken while the guest ran, after the guest's dump,
 * so OS-programmed state must match too. Each difference is passed to fn (may be NULL). */
void pcidiff(const struct pcidump *host, const struct pcidump *guest, bool live,
	     pd_report_fn fn, void *ctx, struct pd_result *res);

/* Every doc ID the oracle can report, NULL-terminated (a unit test checks each is in
 * docs/guest-pci.md). */
extern const char *const pd_doc_ids[];
const char *pd_class_name(enum pd_class c);

#endif
