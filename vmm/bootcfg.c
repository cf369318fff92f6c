/* Boot configs: the schema (as data), the --set overrides and the reader. libfdt does all
 * the parsing; the whole blob is checked with fdt_check_full() before anything reads it,
 * and every value is checked for type, size and form before it reaches struct vm_config. */
#include "vmm/bootcfg.h"

#include <ctype.h>
#include <libfdt.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bootcfg_schema.h"
#include "vmm/err.h"
#include "vmm/util.h"

/* --- the schema ------------------------------------------------------------------------ */

static bool is_compatible(const char *s, uint64_t n) { return !strcmp(s, BOOTCFG_COMPATIBLE); }
static bool non_empty(const char *s, uint64_t n) { return *s != '\0'; }
static bool any(const char *s, uint64_t n) { return true; }
static bool at_least_1(const char *s, uint64_t n) { return n >= 1; }
static bool fd_number(const char *s, uint64_t n) { return n >= 3; }
static bool pci_slot(const char *s, uint64_t n) { return n >= 1; }
static bool page_aligned(const char *s, uint64_t n) { return !(n & 0xfff); }
static bool is_hide(const char *s, uint64_t n) { return !strcmp(s, "hide"); }
static bool abs_path(const char *s, uint64_t n) { return s[0] == '/' && s[1]; }

static bool memory_size(const char *s, uint64_t n)
{
	uint64_t v;

	return !parse_size(s, &v) && v >= VM_MIN_MEMORY && !(v % 4096);
}

static bool seccomp_mode(const char *s, uint64_t n)
{
	return !strcmp(s, "enforce") || !strcmp(s, "log") || !strcmp(s, "off");
}

static bool hugepage_size(const char *s, uint64_t n)
{
	uint64_t v;

	return !parse_size(s, &v) && (v == HUGEPAGE_2M || v == HUGEPAGE_1G);
}

static bool is_uuid(const char *s, uint64_t n)
{
	uint8_t u[16];

	return parse_uuid(s, u) == 0;
}

static bool console_kind(const char *s, uint64_t n)
{
	struct vm_config scratch;
	bool ok = parse_console(s, &scratch) == 0;

	err_clear();
	return ok;
}

static bool api_spec(const char *s, uint64_t n)
{
	(void)n;
	return !strncmp(s, "unix:", 5) && s[5] && strlen(s + 5) <= 107;
}

static bool reset_policy(const char *s, uint64_t n)
{
	return !strcmp(s, "auto") || !strcmp(s, "function") || !strcmp(s, "hot") ||
	       !strcmp(s, "none");
}

static bool okay_or_disabled(const char *s, uint64_t n)
{
	return !strcmp(s, "okay") || !strcmp(s, "disabled");
}

/* Exactly DDDD:BB:DD.F in hex, device 0-1f, function 0-7. */
static bool pci_address(const char *s, uint64_t n)
{
	static const char form[] = "xxxx:xx:xx.x";

	if (strlen(s) != sizeof(form) - 1)
		return false;
	for (size_t i = 0; form[i]; i++)
		if (form[i] == 'x' ? !isxdigit((unsigned char)s[i]) : s[i] != form[i])
			return false;
	return strtoul(s + 8, NULL, 16) <= 0x1f && s[11] <= '7';
}

const struct bc_prop bc_root_props[] = {
	{ "compatible", BC_STR, NULL, 0, "must be \"" BOOTCFG_COMPATIBLE "\"", is_compatible, NULL },
	{ "memory-size", BC_STR, NULL, 0, "must be a size such as \"512M\" or \"2G\" (at least "
	  "4M, a multiple of 4K)", memory_size, NULL },
	{ "cpus", BC_NUM, NULL, VM_MAX_CPUS, "must be a vCPU count from <1> to <64>", at_least_1,
	  NULL },
	{ "sockets", BC_NUM, NULL, VM_MAX_CPUS, "must be a socket count from <1> to <64>",
	  at_least_1, NULL },
	{ "cores", BC_NUM, NULL, VM_MAX_CPUS, "must be a count of cores per socket from <1> to "
	  "<64>", at_least_1, NULL },
	{ "threads", BC_NUM, NULL, VM_MAX_CPUS, "must be a count of threads per core from <1> "
	  "to <64>", at_least_1, NULL },
	{ "console", BC_STR, NULL, 0, "must be \"stdio\", \"none\", \"pty\", \"file:PATH\" or "
	  "\"unix:PATH\"", console_kind, NULL },
	{ "console-log", BC_STR, NULL, 0, "must be the path of a file", non_empty, NULL },
	{ "hugepages", BC_FLAG, NULL, 0, "must be empty (a flag: 'hugepages;')", NULL, NULL },
	{ "hugepage-size", BC_STR, NULL, 0, "must be \"2M\" or \"1G\"", hugepage_size, NULL },
	{ "api", BC_STR, NULL, 0, "must be \"unix:PATH\" (the control socket, at most 107 "
	  "bytes of path)", api_spec, NULL },
	{ "shutdown-timeout", BC_NUM, NULL, MAX_SHUTDOWN_TIMEOUT, "must be a number of seconds "
	  "from <0> to <86400>", NULL, NULL },
	{ "user", BC_STR, NULL, 0, "must be a user name or \"UID[:GID]\"", non_empty, NULL },
	{ "seccomp", BC_STR, NULL, 0, "must be \"enforce\", \"log\" or \"off\"", seccomp_mode,
	  NULL },
	{ NULL },
};

const struct bc_prop bc_chosen_props[] = {
	{ "kernel", BC_STR, NULL, 0, "must be the path of a bzImage", non_empty, NULL },
	{ "initrd", BC_STR, NULL, 0, "must be the path of an initramfs", non_empty, NULL },
	{ "bootargs", BC_STR, NULL, 0, "must be a string (the kernel command line)", any, NULL },
	{ "payload", BC_STR, NULL, 0, "must be the path of a flat binary", non_empty, NULL },
	{ NULL },
};

#define DEVICE_COMMON_PROPS                                                                 \
	{ "compatible", BC_STR, NULL, 0, "must name a device model", any, NULL },           \
	{ "status", BC_STR, NULL, 0, "must be \"okay\" or \"disabled\"", okay_or_disabled, NULL }

static const struct bc_prop vfio_props[] = {
	DEVICE_COMMON_PROPS,
	{ "bdf", BC_STR, "bdf", 0, "must look like 0000:03:00.0", pci_address, NULL },
	{ "path", BC_STR, "path", 0, "must be a cdev path such as /dev/vfio/devices/vfio0",
	  abs_path, NULL },
	{ "fd", BC_NUM, "fd", INT32_MAX, "must be an open file descriptor number, <3> or more",
	  fd_number, NULL },
	{ "iommufd", BC_NUM, "iommufd", INT32_MAX, "must be an open /dev/iommu file descriptor "
	  "number, <3> or more", fd_number, NULL },
	{ "reset", BC_STR, "reset", 0, "must be \"auto\", \"function\", \"hot\" or \"none\"",
	  reset_policy, "auto" },
	{ "rom", BC_STR, NULL, 0, "must be \"hide\" (the only ROM policy ptvm has)", is_hide,
	  "hide" },
	{ "guest-slot", BC_NUM, "slot", 31, "must be a PCI slot on the guest's bus 0, <1> to <31>",
	  pci_slot, NULL },
	{ "vf-token", BC_STR, "vf-token", 0, "must be a UUID such as "
	  "\"3f2d6a7e-9b1c-4d5e-8f00-112233445566\"", is_uuid, NULL },
	{ NULL },
};

static const struct bc_prop testdev_props[] = {
	DEVICE_COMMON_PROPS,
	{ "port", BC_NUM, "port", 0xffff, "must be an I/O port, <0> to <0xffff>", NULL, NULL },
	{ "mmio", BC_NUM, "mmio", UINT64_MAX - 0x1000, "must be a 4K-aligned guest-physical "
	  "address", page_aligned, NULL },
	{ NULL },
};

static const struct bc_prop virtio_console_props[] = {
	DEVICE_COMMON_PROPS,
	{ NULL },
};

static const char *const vfio_ids[] = { "bdf", "path", "fd", NULL };

const struct bc_class bc_classes[] = {
	{ "ptvm,vfio-pci", "vfio", vfio_props, vfio_ids },
	{ "ptvm,testdev", "testdev", testdev_props, NULL },
	{ "ptvm,virtio-console", "virtio-console", virtio_console_props, NULL },
	{ NULL },
};

const struct bc_prop *bc_find_prop(const struct bc_prop *props, const char *name)
{
	for (; props->name; props++)
		if (!strcmp(props->name, name))
			return props;
	return NULL;
}

const struct bc_class *bc_class_by_type(const char *type)
{
	for (const struct bc_class *c = bc_classes; c->compatible; c++)
		if (!strcmp(c->type, type))
			return c;
	return NULL;
}

static const struct bc_class *class_by_compatible(const char *compatible)
{
	for (const struct bc_class *c = bc_classes; c->compatible; c++)
		if (!strcmp(c->compatible, compatible))
			return c;
	return NULL;
}

/* --- reading a node ------------------------------------------------------------------- */

#define MAX_PROPS 16
#define NPROPS(t) (sizeof(t) / sizeof((t)[0]) - 1) /* without the NULL end */
_Static_assert(NPROPS(bc_root_props) <= MAX_PROPS, "MAX_PROPS: the root node has more");
_Static_assert(NPROPS(bc_chosen_props) <= MAX_PROPS, "MAX_PROPS: /chosen has more");
_Static_assert(NPROPS(vfio_props) <= MAX_PROPS, "MAX_PROPS: vfio has more");
_Static_assert(NPROPS(testdev_props) <= MAX_PROPS, "MAX_PROPS: testdev has more");
_Static_assert(NPROPS(virtio_console_props) <= MAX_PROPS, "MAX_PROPS: virtio-console has more");

struct bc_val {
	const char *s; /* BC_STR: points into the blob */
	uint64_t n;    /* BC_NUM */
	bool set;
};

static void names_of(const struct bc_prop *props, char *buf, size_t len)
{
	size_t o = 0;

	buf[0] = '\0';
	for (; props->name && o < len; props++)
		o += (size_t)snprintf(buf + o, len - o, "%s%s", o ? ", " : "", props->name);
}

static int read_value(const char *path, const struct bc_prop *p, const void *v, int len,
		      struct bc_val *out)
{
	const char *s = v;

	switch (p->type) {
	case BC_STR:
		if (len < 1 || s[len - 1] || strlen(s) != (size_t)len - 1)
			return err_msg(EINVAL, "%s: '%s' must be one string (\"...\")", path, p->name);
		if (p->opt && (strchr(s, ',') || strlen(s) >= 128))
			return err_msg(EINVAL, "%s: '%s' must be shorter than 128 characters and "
					       "hold no ','", path, p->name);
		out->s = s;
		break;
	case BC_NUM:
		/* <1 2> and /bits/ 64 <N> look alike in a blob: 64 bits only where they fit */
		if (len == 4)
			out->n = fdt32_ld(v);
		else if (len == 8 && p->max > UINT32_MAX)
			out->n = fdt64_ld(v);
		else
			return err_msg(EINVAL, "%s: '%s' must be one number: <N>%s", path, p->name,
				       p->max > UINT32_MAX ? " or /bits/ 64 <N>" : "");
		if (out->n > p->max)
			return err_msg(EINVAL, "%s: '%s' %s (it is %llu)", path, p->name, p->expect,
				       (unsigned long long)out->n);
		break;
	case BC_FLAG:
		if (len != 0)
			return err_msg(EINVAL, "%s: '%s' %s", path, p->name, p->expect);
		break;
	}
	if (p->valid && !p->valid(out->s ? out->s : "", out->n))
		return err_msg(EINVAL, "%s: '%s' %s", path, p->name, p->expect);
	out->set = true;
	return 0;
}

/* Reads every property of node against props into vals (indexed like props). */
static int read_node(const void *fdt, int node, const char *path, const struct bc_prop *props,
		     struct bc_val *vals)
{
	int off;

	fdt_for_each_property_offset(off, fdt, node) {
		const char *name;
		int len;
		const void *v = fdt_getprop_by_offset(fdt, off, &name, &len);
		const struct bc_prop *p;
		char names[256];

		if (!v || !name)
			return err_msg(EINVAL, "%s: unreadable property", path);
		if (!strncmp(name, BC_OPTIONAL_PREFIX, strlen(BC_OPTIONAL_PREFIX)) ||
		    !strcmp(name, "phandle"))
			continue;
		if (!(p = bc_find_prop(props, name))) {
			names_of(props, names, sizeof(names));
			return err_msg(EINVAL, "%s: unknown property '%s' (known: %s; name a "
					       "property of your own x-NAME)", path, name, names);
		}
		if (vals[p - props].set)
			return err_msg(EINVAL, "%s: '%s' is given twice", path, name);
		if (read_value(path, p, v, len, &vals[p - props]) < 0)
			return -EINVAL;
	}
	if (off != -FDT_ERR_NOTFOUND)
		return err_msg(EINVAL, "%s: %s", path, fdt_strerror(off));
	return 0;
}

static int no_subnodes(const void *fdt, int node, const char *path)
{
	int sub;

	fdt_for_each_subnode(sub, fdt, node) {
		const char *name = fdt_get_name(fdt, sub, NULL);

		if (name && strncmp(name, BC_OPTIONAL_PREFIX, strlen(BC_OPTIONAL_PREFIX)))
			return err_msg(EINVAL, "%s: unknown node '%s' (it has no child nodes)",
				       path, name);
	}
	return 0;
}

/* --- the nodes ---------------------------------------------------------------------------- */

static int val_index(const struct bc_prop *props, const char *name)
{
	return (int)(bc_find_prop(props, name) - props);
}

static int read_root(const void *fdt, struct vm_config *cfg)
{
	struct bc_val v[MAX_PROPS] = { 0 };
	const struct bc_prop *P = bc_root_props;
	const char *s;

	if (read_node(fdt, 0, "/", P, v) < 0)
		return -EINVAL;
	if (!v[val_index(P, "compatible")].set)
		return err_msg(EINVAL, "/: 'compatible' is missing: a boot config's root node says "
				       "compatible = \"%s\"", BOOTCFG_COMPATIBLE);
	if (v[val_index(P, "memory-size")].set)
		parse_size(v[val_index(P, "memory-size")].s, &cfg->memory);
	cfg->cpus = v[val_index(P, "cpus")].set ? (int)v[val_index(P, "cpus")].n : 0;
	cfg->topology = (struct cpu_topology){ .sockets = (int)v[val_index(P, "sockets")].n,
					       .cores = (int)v[val_index(P, "cores")].n,
					       .threads = (int)v[val_index(P, "threads")].n };
	if (!cfg->cpus && !cfg->topology.sockets && !cfg->topology.cores &&
	    !cfg->topology.threads)
		cfg->cpus = 1;
	if (topology_resolve("/", &cfg->cpus, &cfg->topology) < 0)
		return -EINVAL;
	if (v[val_index(P, "hugepages")].set)
		cfg->hugepages = HUGEPAGE_2M;
	if (v[val_index(P, "hugepage-size")].set)
		parse_size(v[val_index(P, "hugepage-size")].s, &cfg->hugepages);
	if (v[val_index(P, "api")].s)
		parse_api(v[val_index(P, "api")].s, &cfg->api_path);
	if (v[val_index(P, "shutdown-timeout")].set)
		cfg->shutdown_timeout = (unsigned)v[val_index(P, "shutdown-timeout")].n;
	if ((s = v[val_index(P, "console")].s))
		parse_console(s, cfg); /* checked by the schema */
	cfg->console_log = v[val_index(P, "console-log")].s;
	if ((s = v[val_index(P, "user")].s) && run_user_parse(s, NULL, &cfg->user) < 0)
		return err_ctx(-EINVAL, "/: user");
	if ((s = v[val_index(P, "seccomp")].s) && confine_mode_parse(s, &cfg->seccomp) < 0)
		return err_ctx(-EINVAL, "/: seccomp");
	return 0;
}

static int read_chosen(const void *fdt, int node, struct vm_config *cfg)
{
	struct bc_val v[MAX_PROPS] = { 0 };
	const struct bc_prop *P = bc_chosen_props;

	if (read_node(fdt, node, "/chosen", P, v) < 0 || no_subnodes(fdt, node, "/chosen") < 0)
		return -EINVAL;
	cfg->kernel = v[val_index(P, "kernel")].s;
	cfg->initrd = v[val_index(P, "initrd")].s;
	cfg->cmdline = v[val_index(P, "bootargs")].s;
	cfg->payload = v[val_index(P, "payload")].s;
	if (cfg->kernel && cfg->payload)
		return err_msg(EINVAL, "/chosen: 'kernel' and 'payload' exclude each other");
	if (cfg->payload && (cfg->initrd || cfg->cmdline))
		return err_msg(EINVAL, "/chosen: 'initrd' and 'bootargs' need 'kernel', not "
				       "'payload'");
	return 0;
}

/* One /devices/NAME node becomes a device_spec whose option string is built in opts. */
static int read_device(const void *fdt, int node, struct vm_config *cfg, char *opts, size_t olen)
{
	struct bc_val v[MAX_PROPS] = { 0 };
	const char *name = fdt_get_name(fdt, node, NULL), *compat;
	const struct bc_class *c;
	struct device_spec *d;
	char path[64], known[128] = "";
	size_t o = 0;
	int len, ids = 0;

	if (!name || strlen(name) >= sizeof(d->name))
		return err_msg(EINVAL, "/devices: a device node's name must be 1 to %zu characters",
			       sizeof(d->name) - 1);
	snprintf(path, sizeof(path), "/devices/%s", name);
	compat = fdt_getprop(fdt, node, "compatible", &len);
	for (c = bc_classes; c->compatible; c++)
		snprintf(known + strlen(known), sizeof(known) - strlen(known), "%s\"%s\"",
			 c == bc_classes ? "" : ", ", c->compatible);
	if (!compat || len < 1 || compat[len - 1] || !(c = class_by_compatible(compat)))
		return err_msg(EINVAL, "%s: 'compatible' must be one of %s", path, known);
	if (read_node(fdt, node, path, c->props, v) < 0 || no_subnodes(fdt, node, path) < 0)
		return -EINVAL;
	if (v[val_index(c->props, "status")].set && !strcmp(v[val_index(c->props, "status")].s,
							     "disabled"))
		return 0;
	for (int i = 0; c->ids && c->ids[i]; i++)
		ids += v[val_index(c->props, c->ids[i])].set;
	if (c->ids && ids != 1)
		return err_msg(EINVAL, "%s: name the device with exactly one of 'bdf', 'path' or "
				       "'fd'", path);
	for (int i = 0; i < cfg->ndevices; i++)
		if (!strcmp(cfg->devices[i].name, name))
			return err_msg(EINVAL, "%s: the node is given twice", path);
	if (cfg->ndevices == CONFIG_MAX_DEVICES)
		return err_msg(EINVAL, "%s: at most %d devices", path, CONFIG_MAX_DEVICES);
	opts[0] = '\0';
	for (int i = 0; c->props[i].name; i++) {
		const struct bc_prop *p = &c->props[i];

		if (!p->opt || !v[i].set || (p->dflt && !strcmp(v[i].s, p->dflt)))
			continue; /* the option string stays as short as --device would be */
		if (p->type == BC_STR)
			o += (size_t)snprintf(opts + o, olen - o, "%s%s=%s", o ? "," : "", p->opt,
					      v[i].s);
		else
			o += (size_t)snprintf(opts + o, olen - o, "%s%s=%llu", o ? "," : "", p->opt,
					      (unsigned long long)v[i].n);
	}
	d = &cfg->devices[cfg->ndevices++];
	snprintf(d->type, sizeof(d->type), "%s", c->type);
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->opts = opts;
	return 0;
}

/* --- the whole tree ----------------------------------------------------------------------- */

struct store {
	char opts[CONFIG_MAX_DEVICES][512];
	_Alignas(8) char blob[];
};

static int read_tree(const void *fdt, struct vm_config *cfg, struct store *st)
{
	int node, sub, nchosen = 0, ndevices = 0;

	if (read_root(fdt, cfg) < 0)
		return -EINVAL;
	fdt_for_each_subnode(node, fdt, 0) {
		const char *name = fdt_get_name(fdt, node, NULL);

		if (!name)
			return err_msg(EINVAL, "/: unreadable node name");
		if (!strcmp(name, "chosen")) {
			if (nchosen++ || read_chosen(fdt, node, cfg) < 0)
				return nchosen > 1 ? err_msg(EINVAL, "/chosen: given twice") : -EINVAL;
		} else if (!strcmp(name, "devices")) {
			if (ndevices++)
				return err_msg(EINVAL, "/devices: given twice");
			if (read_node(fdt, node, "/devices", (struct bc_prop[]){ { NULL } },
				      (struct bc_val[1]){ { 0 } }) < 0)
				return -EINVAL;
			fdt_for_each_subnode(sub, fdt, node)
				if (read_device(fdt, sub, cfg, st->opts[cfg->ndevices],
						sizeof(st->opts[0])) < 0)
					return -EINVAL;
		} else if (strncmp(name, BC_OPTIONAL_PREFIX, strlen(BC_OPTIONAL_PREFIX))) {
			return err_msg(EINVAL, "/: unknown node '%s' (known: chosen, devices; name a "
					       "node of your own x-NAME)", name);
		}
	}
	return 0;
}

/* --- --set /node/property=value ----------------------------------------------------------- */

static int apply_set(void *fdt, const char *arg)
{
	const char *eq = strchr(arg, '='), *slash, *val;
	const struct bc_prop *props = NULL, *p;
	char node[128], prop[64];
	int off, r = 0;
	uint64_t n;

	if (arg[0] != '/' || !eq)
		return err_msg(EINVAL, "--set: '%s' is not /NODE/PROPERTY=VALUE (e.g. "
				       "/devices/nic0/bdf=0000:03:00.0)", arg);
	val = eq + 1;
	for (slash = eq; *slash != '/'; slash--)
		;
	if ((size_t)(slash - arg) >= sizeof(node) || (size_t)(eq - slash) > sizeof(prop) ||
	    eq == slash + 1)
		return err_msg(EINVAL, "--set: '%.*s' is not a node and property name", (int)(eq - arg),
			       arg);
	snprintf(node, sizeof(node), "%.*s", slash == arg ? 1 : (int)(slash - arg), arg);
	snprintf(prop, sizeof(prop), "%.*s", (int)(eq - slash - 1), slash + 1);
	off = fdt_path_offset(fdt, node);
	if (off == -FDT_ERR_NOTFOUND && !strcmp(node, "/chosen"))
		off = fdt_add_subnode(fdt, 0, "chosen");
	if (off < 0)
		return err_msg(EINVAL, "--set %s: the config has no node %s", arg, node);
	if (!strcmp(node, "/"))
		props = bc_root_props;
	else if (!strcmp(node, "/chosen"))
		props = bc_chosen_props;
	else if (!strncmp(node, "/devices/", 9) && !strchr(node + 9, '/')) {
		const char *compat = fdt_getprop(fdt, off, "compatible", &r);
		const struct bc_class *c = compat && r > 0 && !compat[r - 1]
					   ? class_by_compatible(compat) : NULL;

		props = c ? c->props : NULL;
	}
	if (!strncmp(prop, BC_OPTIONAL_PREFIX, strlen(BC_OPTIONAL_PREFIX)))
		r = fdt_setprop_string(fdt, off, prop, val);
	else if (!props || !(p = bc_find_prop(props, prop)))
		return err_msg(EINVAL, "--set %s: %s has no property '%s'", arg, node, prop);
	else if (p->type == BC_STR)
		r = fdt_setprop_string(fdt, off, prop, val);
	else if (p->type == BC_NUM && !parse_u64(val, UINT64_MAX, &n))
		r = n > UINT32_MAX ? fdt_setprop_u64(fdt, off, prop, n)
				   : fdt_setprop_u32(fdt, off, prop, (uint32_t)n);
	else if (p->type == BC_FLAG && (!strcmp(val, "true") || !*val))
		r = fdt_setprop_empty(fdt, off, prop);
	else if (p->type == BC_FLAG && !strcmp(val, "false"))
		r = (r = fdt_delprop(fdt, off, prop)) == -FDT_ERR_NOTFOUND ? 0 : r;
	else
		return err_msg(EINVAL, "--set %s: '%s' takes %s", arg, prop,
			       p->type == BC_NUM ? "a number" : "true or false");
	if (r < 0)
		return err_msg(EINVAL, "--set %s: %s", arg, fdt_strerror(r));
	return 0;
}

/* libfdt 1.6.1's fdt_next_tag() steps backwards over a property whose length is close to
 * 2^32, and fdt_check_full() then loops forever (found by fuzz_bootcfg): walk the tags
 * first and insist that each one moves forward, within the structure block, to FDT_END. */
static int tags_move_forward(const void *fdt)
{
	int off, next = 0;
	uint32_t tag;

	do {
		off = next;
		tag = fdt_next_tag(fdt, off, &next);
		if (next <= off || (uint32_t)next > fdt_size_dt_struct(fdt))
			return -FDT_ERR_BADSTRUCTURE;
	} while (tag != FDT_END);
	return 0;
}

int bootcfg_parse(struct vm_config *cfg, const void *blob, size_t len, const char *label,
		  char *const *sets, int nsets)
{
	size_t cap = len + 1024;
	struct store *st;
	int r;

	if (len > BOOTCFG_MAX_SIZE)
		return err_msg(EINVAL, "config %s: %zu bytes is too large for a boot config (at most "
				       "%u)", label, len, BOOTCFG_MAX_SIZE);
	for (int i = 0; i < nsets; i++)
		cap += strlen(sets[i]) + 64;
	if (!(st = calloc(1, sizeof(*st) + cap)))
		return err_msg(ENOMEM, "out of memory");
	free(cfg->owned);
	cfg->owned = st;
	memcpy(st->blob, blob, len); /* libfdt wants the tree 8-byte aligned */
	if (len < sizeof(struct fdt_header) || fdt_magic(st->blob) != FDT_MAGIC)
		return err_msg(EINVAL, "config %s: not a device tree blob (.dtb); a source file "
				       "must be named *.dts to be compiled with dtc", label);
	/* Only the format dtc and libfdt write (version 17, aligned blocks): the fuzzer found
	 * libfdt 1.6.1's fdt_check_full() dereferencing NULL on a crafted version-12 blob,
	 * and a misaligned structure block makes libfdt read misaligned words. */
	if (fdt_version(st->blob) != 17 || fdt_last_comp_version(st->blob) > 17)
		return err_msg(EINVAL, "config %s: device tree blob version %u is not supported (dtc "
				       "writes version 17)", label, fdt_version(st->blob));
	if (fdt_off_dt_struct(st->blob) % 4 || fdt_off_mem_rsvmap(st->blob) % 8)
		return err_msg(EINVAL, "config %s: a damaged device tree blob (misaligned blocks)",
			       label);
	if ((r = fdt_check_header(st->blob)) < 0 || (r = fdt_totalsize(st->blob) > len ?
						       -FDT_ERR_TRUNCATED : 0) < 0 ||
	    (r = tags_move_forward(st->blob)) < 0 ||
	    /* Everything libfdt reads later stays within what this checked. */
	    (r = fdt_check_full(st->blob, len)) < 0)
		return err_msg(EINVAL, "config %s: a damaged or truncated device tree blob (%s)",
			       label, fdt_strerror(r));
	if ((r = fdt_open_into(st->blob, st->blob, (int)cap)) < 0)
		return err_msg(EINVAL, "config %s: %s", label, fdt_strerror(r));
	for (int i = 0; i < nsets; i++)
		if ((r = apply_set(st->blob, sets[i])) < 0)
			return r;
	if (nsets && (r = fdt_check_full(st->blob, cap)) < 0)
		return err_msg(EINVAL, "config %s: after --set: %s", label, fdt_strerror(r));
	cfg->source = label;
	if ((r = read_tree(st->blob, cfg, st)) < 0)
		return err_ctx(r, "config %s", label);
	return 0;
}
