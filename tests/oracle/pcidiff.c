/* The fidelity oracle (see pcidiff.h). Rules come from the PCI and PCI Express specs'
 * register definitions: which bits an OS programs (state), which the device changes on
 * its own (volatile); everything else must read the same in the guest as on the host,
 * except the differences docs/guest-pci.md lists by ID. */
#include "tests/oracle/pcidiff.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const pd_doc_ids[] = {
	"bar-address", "rom-hidden", "int-line", "msi-state", "msix-state", "pcie-rciep",
	"ext-hidden", "vfio-intx-disable", "vfio-pin", "vfio-vf-ids", "vfio-hidden-cap", NULL,
};

const char *pd_class_name(enum pd_class c)
{
	static const char *const n[] = { "UNDOCUMENTED", "ptvm", "vfio-pci", "state",
					 "volatile" };

	return c <= PD_VOLATILE ? n[c] : "?";
}

/* ---- parsing ------------------------------------------------------------------------ */

int pcidump_parse(const char *text, const char *bdf, struct pcidump *out, char *why,
		  size_t whylen)
{
	const char *p = text;
	bool in = false, found = false;

	memset(out, 0, sizeof(*out));
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char line[512];

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : p + strlen(p);
		for (char *c = line; *c; c++)
			if (*c == '\r')
				*c = ' ';
		if (!in) {
			char b[32];

			if (sscanf(line, "PCIDUMP %31s", b) == 1 && strcmp(b, "PCIDUMP-END") &&
			    (!bdf || !strcmp(b, bdf))) {
				in = found = true;
				snprintf(out->bdf, sizeof(out->bdf), "%s", b);
			}
			continue;
		}
		if (!strncmp(line, "PCIDUMP-END", 11))
			break;
		if (!strncmp(line, "RES ", 4) && out->nres < 7) {
			unsigned long long s, e, f;

			if (sscanf(line + 4, "%llx %llx %llx", &s, &e, &f) == 3) {
				out->res[out->nres].start = s;
				out->res[out->nres].end = e;
				out->res[out->nres++].flags = f;
			}
		} else if (!strncmp(line, "HEX", 3)) {
			char *c = line + 3, *end;

			for (;;) {
				unsigned long v = strtoul(c, &end, 16);

				if (end == c || v > 0xff || out->size >= sizeof(out->cfg))
					break;
				out->cfg[out->size++] = (uint8_t)v;
				c = end;
			}
		}
	}
	if (!found) {
		snprintf(why, whylen, "no PCIDUMP block%s%s", bdf ? " for " : "", bdf ? bdf : "");
		return -1;
	}
	if (out->size != 64 && out->size != 256 && out->size != 4096) {
		snprintf(why, whylen, "%s: %u config bytes (64, 256 or 4096 expected)", out->bdf,
			 out->size);
		return -1;
	}
	return 0;
}

/* ---- the rules ---------------------------------------------------------------------- */

struct rule {
	const char *field;     /* starts a field here (NULL: continues the previous one) */
	uint8_t state, vol;    /* per bit: OS-programmed; changed by the device */
	uint8_t doc_mask;      /* per bit: a documented difference */
	uint8_t doc_cls;
	const char *doc;
};

struct rules {
	struct rule r[4096];
	char names[256][64];   /* field names built at run time */
	int nnames;
};

static uint32_t get(const uint8_t *cfg, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, cfg + off, len);
	return v;
}

/* A field of len bytes (<= 4) at off, with per-bit state and volatile masks. */
static void field(struct rules *R, uint32_t off, uint32_t len, const char *name, uint32_t state,
		  uint32_t vol)
{
	if (off + len > 4096)
		return;
	for (uint32_t i = 0; i < len; i++) {
		R->r[off + i] = (struct rule){ .field = i ? NULL : name,
					       .state = (uint8_t)(state >> (8 * i)),
					       .vol = (uint8_t)(vol >> (8 * i)) };
	}
}

static const char *named(struct rules *R, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static const char *named(struct rules *R, const char *fmt, ...)
{
	char *n = R->nnames < 256 ? R->names[R->nnames++] : R->names[255];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(n, 64, fmt, ap);
	va_end(ap);
	return n;
}

/* Plain fields for [off, off+len): dwords named "<what> +0xN". */
static void plain(struct rules *R, uint32_t off, uint32_t len, const char *what, uint32_t base)
{
	for (uint32_t o = off; o < off + len && o < 4096; o += 4)
		field(R, o, off + len - o < 4 ? off + len - o : 4,
		      R->nnames < 200 ? named(R, "%s +0x%x", what, o - base) : what, 0, 0);
}

static void document(struct rules *R, uint32_t off, uint32_t len, uint32_t mask,
		     enum pd_class cls, const char *doc)
{
	for (uint32_t i = 0; i < len && off + i < 4096; i++) {
		uint8_t m = (uint8_t)(len > 4 ? 0xff : mask >> (8 * (i % 4)));

		R->r[off + i].doc_mask |= m;
		R->r[off + i].doc_cls = (uint8_t)cls;
		R->r[off + i].doc = doc;
	}
}

static void header_rules(struct rules *R, const struct pcidump *h, const struct pcidump *g)
{
	bool vf = get(h->cfg, 0, 2) == 0xffff; /* an SR-IOV VF: its IDs read all ones */

	field(R, 0x00, 2, "vendor ID", 0, 0);
	field(R, 0x02, 2, "device ID", 0, 0);
	if (vf)
		document(R, 0x00, 4, ~0u, PD_VFIO, "vfio-vf-ids");
	field(R, 0x04, 2, "command", 0x0157, 0);
	document(R, 0x04, 2, 0x0400, PD_VFIO, "vfio-intx-disable");
	field(R, 0x06, 2, "status", 0, 0xf908);
	field(R, 0x08, 1, "revision", 0, 0);
	field(R, 0x09, 3, "class code", 0, 0);
	field(R, 0x0c, 1, "cache line size", 0xff, 0);
	field(R, 0x0d, 1, "latency timer", 0xff, 0);
	field(R, 0x0e, 1, "header type", 0, 0);
	field(R, 0x0f, 1, "BIST", 0, 0x4f);
	for (uint32_t i = 0, hi = 0; i < 6; i++) {
		uint32_t off = 0x10 + 4 * i, reg = get(h->cfg, off, 4);
		uint32_t greg = get(g->cfg, off, 4);

		field(R, off, 4, named(R, "BAR %u register", i), 0, 0);
		if (hi) { /* the upper half of a 64-bit BAR: all address */
			document(R, off, 4, ~0u, PD_PTVM, "bar-address");
			hi = 0;
			continue;
		}
		if (vf && !reg) { /* a VF's BARs are in the PF's SR-IOV capability */
			document(R, off, 4, ~0u, PD_VFIO, "vfio-vf-ids");
			hi = !(greg & 1) && (greg & 0x6) == 0x4;
			continue;
		}
		document(R, off, 4, reg & 1 ? ~0x3u : ~0xfu, PD_PTVM, "bar-address");
		hi = !(reg & 1) && (reg & 0x6) == 0x4;
	}
	field(R, 0x28, 4, "CardBus CIS pointer", 0, 0);
	field(R, 0x2c, 2, "subsystem vendor ID", 0, 0);
	field(R, 0x2e, 2, "subsystem ID", 0, 0);
	field(R, 0x30, 4, "expansion ROM BAR", 0, 0);
	document(R, 0x30, 4, ~0u, PD_PTVM, "rom-hidden");
	field(R, 0x34, 1, "capabilities pointer", 0, 0);
	field(R, 0x35, 3, "reserved 0x35", 0, 0);
	field(R, 0x38, 4, "reserved 0x38", 0, 0);
	field(R, 0x3c, 1, "interrupt line", 0, 0);
	document(R, 0x3c, 1, 0xff, PD_PTVM, "int-line");
	field(R, 0x3d, 1, "interrupt pin", 0, 0);
	if (vf || !g->cfg[0x3d])
		document(R, 0x3d, 1, 0xff, PD_VFIO, "vfio-pin");
	field(R, 0x3e, 1, "min grant", 0, 0);
	field(R, 0x3f, 1, "max latency", 0, 0);
}

static const char *std_name(uint8_t id)
{
	switch (id) {
	case 0x01: return "PM";
	case 0x05: return "MSI";
	case 0x09: return "vendor-specific";
	case 0x10: return "PCI Express";
	case 0x11: return "MSI-X";
	default: return "capability";
	}
}

/* The standard chain: offsets in order, loop-safe. */
static int std_chain(const struct pcidump *d, uint8_t *out)
{
	uint8_t seen[32] = { 0 };
	int n = 0;

	if (!(d->cfg[0x06] & 0x10))
		return 0;
	for (uint32_t p = d->cfg[0x34] & 0xfc; p >= 0x40 && n < 48; p = d->cfg[p + 1] & 0xfc) {
		if (seen[p / 8] & (1 << (p % 8)))
			break;
		seen[p / 8] |= (uint8_t)(1 << (p % 8));
		out[n++] = (uint8_t)p;
	}
	return n;
}

static void std_rules(struct rules *R, const struct pcidump *h, const struct pcidump *g)
{
	uint8_t pos[48];
	int n = std_chain(h, pos);

	for (int i = 0; i < n; i++) {
		uint32_t p = pos[i], end = 0x100;
		uint8_t id = h->cfg[p];
		uint16_t flags = (uint16_t)get(h->cfg, p + 2, 2);
		const char *nm = std_name(id);

		for (int k = 0; k < n; k++)
			if (pos[k] > p && pos[k] < end)
				end = pos[k];
		plain(R, p, end - p, nm, p);
		field(R, p, 1, named(R, "%s ID", nm), 0, 0);
		field(R, p + 1, 1, named(R, "%s next pointer", nm), 0, 0);
		switch (id) {
		case 0x01:
			field(R, p + 2, 2, "PM capabilities", 0, 0);
			field(R, p + 4, 2, "PM control/status", 0x1f03, 0x8000);
			field(R, p + 6, 1, "PM bridge extensions", 0, 0);
			field(R, p + 7, 1, "PM data", 0, 0xff);
			break;
		case 0x05: {
			bool is64 = flags & 0x80, pvm = flags & 0x100;
			uint32_t data = p + (is64 ? 12 : 8);

			field(R, p + 2, 2, "MSI control", 0, 0);
			document(R, p + 2, 2, 0x0071, PD_PTVM, "msi-state");
			field(R, p + 4, 4, "MSI address", 0, 0);
			document(R, p + 4, 4, ~0u, PD_PTVM, "msi-state");
			if (is64) {
				field(R, p + 8, 4, "MSI upper address", 0, 0);
				document(R, p + 8, 4, ~0u, PD_PTVM, "msi-state");
			}
			field(R, data, 2, "MSI data", 0, 0);
			document(R, data, 2, 0xffff, PD_PTVM, "msi-state");
			if (pvm) {
				field(R, data + 4, 4, "MSI mask bits", 0, 0);
				document(R, data + 4, 4, ~0u, PD_PTVM, "msi-state");
				field(R, data + 8, 4, "MSI pending bits", 0, 0);
				document(R, data + 8, 4, ~0u, PD_PTVM, "msi-state");
			}
			break;
		}
		case 0x11:
			field(R, p + 2, 2, "MSI-X control", 0, 0);
			document(R, p + 2, 2, 0xc000, PD_PTVM, "msix-state");
			field(R, p + 4, 4, "MSI-X table", 0, 0);
			field(R, p + 8, 4, "MSI-X PBA", 0, 0);
			break;
		case 0x10: {
			uint8_t ht = (flags >> 4) & 0xf, gt = (get(g->cfg, p + 2, 2) >> 4) & 0xf;
			bool rciep = (ht == 0 || ht == 1) && gt == 9, v2 = (flags & 0xf) >= 2;

			field(R, p + 2, 2, "PCIe capabilities", 0, 0);
			field(R, p + 4, 4, "PCIe device capabilities", 0, 0);
			field(R, p + 8, 2, "PCIe device control", 0xffff, 0);
			field(R, p + 10, 2, "PCIe device status", 0, 0xffff);
			field(R, p + 12, 4, "PCIe link capabilities", 0, 0);
			field(R, p + 16, 2, "PCIe link control", 0xffff, 0);
			field(R, p + 18, 2, "PCIe link status", 0, 0xffff);
			if (v2) {
				field(R, p + 0x24, 4, "PCIe device capabilities 2", 0, 0);
				field(R, p + 0x28, 2, "PCIe device control 2", 0xffff, 0);
				field(R, p + 0x2a, 2, "PCIe device status 2", 0, 0xffff);
				field(R, p + 0x2c, 4, "PCIe link capabilities 2", 0, 0);
				field(R, p + 0x30, 2, "PCIe link control 2", 0xffff, 0);
				field(R, p + 0x32, 2, "PCIe link status 2", 0, 0xffff);
			}
			if (rciep) {
				document(R, p + 2, 2, 0x00f0, PD_PTVM, "pcie-rciep");
				document(R, p + 12, 8, ~0u, PD_PTVM, "pcie-rciep");
				if (v2)
					document(R, p + 0x2c, 8, ~0u, PD_PTVM, "pcie-rciep");
			}
			break;
		}
		}
	}
}

static bool ext_hidden(uint16_t id)
{
	return id == 0x10 || id == 0x0e || id == 0x15 || id == 0x24; /* SR-IOV ARI ReBAR */
}

static int ext_chain(const struct pcidump *d, uint16_t *out)
{
	uint8_t seen[128] = { 0 };
	int n = 0;

	if (d->size <= 0x100 || !get(d->cfg, 0x100, 4) || get(d->cfg, 0x100, 4) == ~0u)
		return 0;
	for (uint32_t p = 0x100; p >= 0x100 && p <= 0xffc && n < 128;
	     p = (get(d->cfg, p, 4) >> 20) & 0xffc) {
		if (seen[p / 32] & (1 << (p / 4 % 8)))
			break;
		seen[p / 32] |= (uint8_t)(1 << (p / 4 % 8));
		out[n++] = (uint16_t)p;
	}
	return n;
}

static void ext_rules(struct rules *R, const struct pcidump *h)
{
	uint16_t pos[128];
	int n = ext_chain(h, pos);
	uint32_t prev = 0;

	for (int i = 0; i < n; i++) {
		uint32_t p = pos[i], end = 0x1000;
		uint16_t id = (uint16_t)get(h->cfg, p, 4);

		for (int k = 0; k < n; k++)
			if (pos[k] > p && pos[k] < end)
				end = pos[k];
		plain(R, p, end - p, id == 1 ? "AER" : named(R, "extended capability 0x%x", id),
		      p);
		field(R, p, 4, named(R, "extended capability 0x%x header", id), 0, 0);
		if (ext_hidden(id)) {
			document(R, p, end - p, ~0u, PD_PTVM, "ext-hidden");
			if (prev)
				document(R, prev, 4, 0xfff00000u, PD_PTVM, "ext-hidden");
			else if (p == 0x100)
				prev = 0x100;
			continue;
		}
		if (id == 0x01) {
			field(R, p + 4, 4, "AER uncorrectable status", 0, ~0u);
			field(R, p + 8, 4, "AER uncorrectable mask", ~0u, 0);
			field(R, p + 12, 4, "AER uncorrectable severity", ~0u, 0);
			field(R, p + 16, 4, "AER correctable status", 0, ~0u);
			field(R, p + 20, 4, "AER correctable mask", ~0u, 0);
			field(R, p + 24, 4, "AER capabilities and control", 0x0540, 0x1f);
			for (uint32_t o = p + 28; o < p + 44 && o < end; o += 4)
				field(R, o, 4, "AER header log", 0, ~0u);
		}
		prev = p;
	}
}

/* ---- comparing ---------------------------------------------------------------------- */

static void report(pd_report_fn fn, void *ctx, struct pd_result *res, const char *f, uint32_t off,
		   uint64_t h, uint64_t g, enum pd_class cls, const char *doc)
{
	struct pd_diff d = { f, off, h, g, cls, doc };

	if (cls == PD_UNDOCUMENTED)
		res->undocumented++;
	else
		res->documented++;
	if (fn)
		fn(&d, ctx);
}

static void chains(const struct pcidump *h, const struct pcidump *g, pd_report_fn fn, void *ctx,
		   struct pd_result *res)
{
	uint8_t hs[48], gs[48];
	uint16_t he[128], ge[128];
	int nh = std_chain(h, hs), ng = std_chain(g, gs), k = 0;
	bool same = nh == ng;

	for (int i = 0; same && i < nh; i++)
		same = hs[i] == gs[i] && h->cfg[hs[i]] == g->cfg[gs[i]];
	res->fields++;
	if (same)
		res->same++;
	else
		report(fn, ctx, res, "standard capability chain (count)", ~0u, (uint64_t)nh,
		       (uint64_t)ng, PD_UNDOCUMENTED, NULL);
	/* the extended chain without the capabilities ptvm hides, in order */
	nh = ext_chain(h, he);
	ng = ext_chain(g, ge);
	for (int i = 0; i < nh; i++)
		if (!ext_hidden((uint16_t)get(h->cfg, he[i], 4)))
			he[k++] = he[i];
	if (g->size == 4096 && ng && !(get(g->cfg, 0x100, 4) & 0xffff) && k && he[0] != 0x100)
		memmove(ge, ge + 1, (size_t)--ng * sizeof(ge[0])); /* a hidden head's ID-0 stub */
	same = k == ng;
	for (int i = 0; same && i < k; i++)
		same = he[i] == ge[i] && (get(h->cfg, he[i], 4) & 0xffff) == (get(g->cfg, ge[i], 4) & 0xffff);
	res->fields++;
	if (same)
		res->same++;
	else
		report(fn, ctx, res, "extended capability chain (count)", ~0u, (uint64_t)k,
		       (uint64_t)ng, PD_UNDOCUMENTED, NULL);
}

static void resources(const struct pcidump *h, const struct pcidump *g, pd_report_fn fn,
		      void *ctx, struct pd_result *res)
{
	static const char *const sz[7] = { "BAR 0 size", "BAR 1 size", "BAR 2 size", "BAR 3 size",
					   "BAR 4 size", "BAR 5 size", "expansion ROM size" };
	static const char *const ty[6] = { "BAR 0 type", "BAR 1 type", "BAR 2 type", "BAR 3 type",
					   "BAR 4 type", "BAR 5 type" };
	const uint64_t type = 0x100 | 0x200 | 0x2000 | 0x100000; /* IO MEM PREFETCH MEM_64 */

	for (int i = 0; i < 7 && i < h->nres && i < g->nres; i++) {
		uint64_t hs = h->res[i].end ? h->res[i].end - h->res[i].start + 1 : 0;
		uint64_t gs = g->res[i].end ? g->res[i].end - g->res[i].start + 1 : 0;

		res->fields++;
		if (hs == gs)
			res->same++;
		else
			report(fn, ctx, res, sz[i], ~0u, hs, gs, i == 6 && !gs ? PD_PTVM : PD_UNDOCUMENTED,
			       i == 6 ? "rom-hidden" : NULL);
		if (i == 6 || !hs)
			continue;
		res->fields++;
		if ((h->res[i].flags & type) == (g->res[i].flags & type))
			res->same++;
		else
			report(fn, ctx, res, ty[i], ~0u, h->res[i].flags & type, g->res[i].flags & type,
			       PD_UNDOCUMENTED, NULL);
	}
	if (h->nres != g->nres) {
		res->fields++;
		report(fn, ctx, res, "resource count", ~0u, (uint64_t)h->nres, (uint64_t)g->nres,
		       PD_UNDOCUMENTED, NULL);
	}
}

void pcidiff(const struct pcidump *h, const struct pcidump *g, bool live, pd_report_fn fn,
	     void *ctx, struct pd_result *res)
{
	struct rules *R = calloc(1, sizeof(*R));
	uint32_t size = h->size < g->size ? h->size : g->size;

	memset(res, 0, sizeof(*res));
	if (!R)
		return;
	plain(R, 0x40, size > 0x40 ? (size < 0x100 ? size : 0x100) - 0x40 : 0, "device-specific", 0);
	if (size > 0x100)
		plain(R, 0x100, size - 0x100, "extended space", 0);
	header_rules(R, h, g);
	std_rules(R, h, g);
	if (size > 0x100)
		ext_rules(R, h);
	res->fields++;
	if (h->size == g->size)
		res->same++;
	else
		report(fn, ctx, res, "config space size", ~0u, h->size, g->size, PD_UNDOCUMENTED, NULL);
	for (uint32_t o = 0; o < size;) {
		const struct rule *r0 = &R->r[o];
		uint32_t len = 1, hv = 0, gv = 0, cmp = 0, doc = 0;
		bool masked = false;

		while (o + len < size && len < 4 && !R->r[o + len].field)
			len++;
		for (uint32_t i = 0; i < len; i++) {
			const struct rule *r = &R->r[o + i];
			uint8_t ign = (uint8_t)(r->vol | (live ? 0 : r->state));
			uint8_t diff = h->cfg[o + i] ^ g->cfg[o + i];

			hv |= (uint32_t)h->cfg[o + i] << (8 * i);
			gv |= (uint32_t)g->cfg[o + i] << (8 * i);
			masked |= (diff & ign) != 0;
			cmp |= (uint32_t)(diff & ~ign & ~r->doc_mask) << (8 * i);
			doc |= (uint32_t)(diff & ~ign & r->doc_mask) << (8 * i);
		}
		res->fields++;
		if (cmp)
			report(fn, ctx, res, r0->field ? r0->field : "config", o, hv, gv,
			       PD_UNDOCUMENTED, NULL);
		else if (doc)
			report(fn, ctx, res, r0->field ? r0->field : "config", o, hv, gv,
			       (enum pd_class)r0->doc_cls ? (enum pd_class)r0->doc_cls : PD_PTVM,
			       r0->doc ? r0->doc : R->r[o + len - 1].doc);
		else if (masked)
			res->skipped++;
		else
			res->same++;
		o += len;
	}
	chains(h, g, fn, ctx, res);
	resources(h, g, fn, ctx, res);
	free(R);
}
