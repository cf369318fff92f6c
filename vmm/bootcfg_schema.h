/* The boot-config schema as data, shared by the reader (bootcfg.c) and the DTS writer
 * (bootcfg_dump.c): which properties each node takes, their types, and for device nodes
 * the --device option each one becomes. docs/boot-config.md describes the same. */
#ifndef PTVM_BOOTCFG_SCHEMA_H
#define PTVM_BOOTCFG_SCHEMA_H

#include <stdbool.h>
#include <stdint.h>

enum bc_type {
	BC_STR,  /* "text" */
	BC_NUM,  /* <n> (32 bits) or /bits/ 64 <n> */
	BC_FLAG, /* present and empty: true */
};

struct bc_prop {
	const char *name;
	enum bc_type type;
	const char *opt;     /* device nodes: the --device option it becomes, or NULL */
	uint64_t max;        /* BC_NUM: the largest value */
	const char *expect;  /* how a good value looks, for "'name' must ..." */
	bool (*valid)(const char *s, uint64_t n); /* NULL: any value of the type */
	const char *dflt;    /* BC_STR: the value when absent (the dump shows it), or NULL */
};

struct bc_class {
	const char *compatible; /* "ptvm,vfio-pci" */
	const char *type;       /* the --device type: "vfio" */
	const struct bc_prop *props; /* ends with a NULL name */
	const char *const *ids; /* exactly one of these must be given (NULL: no rule) */
};

extern const struct bc_prop bc_root_props[], bc_chosen_props[];
extern const struct bc_class bc_classes[];

const struct bc_prop *bc_find_prop(const struct bc_prop *props, const char *name);
const struct bc_class *bc_class_by_type(const char *type);
/* Properties whose name starts with this are the user's own: read by no one, never an
 * error (vendor data, notes, options for a later ptvm). */
#define BC_OPTIONAL_PREFIX "x-"

#endif
