/* The guest's view of an assigned function's config space: one table per function, built
 * from the device's own capability chains, of regions (the header's registers and each
 * capability, at its real offset and real length) with a policy, refined by per-bit masks
 * where one register mixes kinds:
 *   emul   the bit reads from vcfg (ptvm's value), not from the device;
 *   gwrite a guest write changes the bit in vcfg;
 *   fwd    a guest write of the bit reaches the device.
 * Faithful by default: every byte not claimed below is passed through, and vfio-pci
 * applies its own access rules on the way. What ptvm changes, and why, is listed in
 * docs/guest-pci.md; the lab's fidelity oracle checks that nothing else differs.
 * Guest reads take one device read at the access's width when any bit of it is the
 * device's; writes are forwarded at their own width when no emulated bit is touched. */
#include <stdio.h>
#include <string.h>

#include "passthrough/passthrough.h"
#include "vmm/log.h"
#include "vmm/sys.h"

#define CAP_PM 0x01
#define CAP_MSI 0x05
#define CAP_PCIX 0x07
#define CAP_VNDR 0x09
#define CAP_EXP 0x10
#define CAP_MSIX 0x11
#define EXT_ARI 0x0e
#define EXT_SRIOV 0x10
#define EXT_REBAR 0x15
#define EXT_VF_REBAR 0x24
#define EXT_VNDR 0x0b
#define EXT_DVSEC 0x23
#define PCI_EXP_TYPE_ENDPOINT 0x0
#define PCI_EXP_TYPE_LEG_END 0x1
#define PCI_EXP_TYPE_RC_END 0x9

static const char *const policy_names[] = { "pass", "read-only", "emulated", "hidden",
					    "mixed" };

int pt_dev_cfg_read(struct pt_dev *d, uint32_t off, void *buf, uint32_t len)
{
	ssize_t n = sys_pread(d->fd, buf, len, (off_t)(d->cfg_off + off));

	if (n == (ssize_t)len)
		return 0;
	memset(buf, 0xff, len);
	return n < 0 ? (int)n : err_msg(EIO, "short read of config space at 0x%x", off);
}

int pt_dev_cfg_write(struct pt_dev *d, uint32_t off, const void *buf, uint32_t len)
{
	ssize_t n = sys_pwrite(d->fd, buf, len, (off_t)(d->cfg_off + off));

	if (n == (ssize_t)len)
		return 0;
	return n < 0 ? (int)n : err_msg(EIO, "short write of config space at 0x%x", off);
}

uint32_t pt_vcfg_get(const struct pt_dev *d, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, d->cfg.vcfg + off, len);
	return v;
}

void pt_vcfg_set(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t v)
{
	memcpy(d->cfg.vcfg + off, &v, len);
}

static uint32_t host_get(const struct pt_cfg *c, uint32_t off, uint32_t len)
{
	uint32_t v = 0;

	memcpy(&v, c->host + off, len);
	return v;
}

void pt_cfg_emulate_bits(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t mask,
			 uint32_t gwmask, uint32_t value)
{
	struct pt_cfg *c = &d->cfg;

	for (uint32_t i = 0; i < len && i < 4 && off + i < sizeof(c->vcfg); i++) {
		uint8_t m = (uint8_t)(mask >> (8 * i)), g = (uint8_t)(gwmask >> (8 * i));
		uint8_t v = (uint8_t)(value >> (8 * i));

		c->emul[off + i] |= m;
		c->gwrite[off + i] = (uint8_t)((c->gwrite[off + i] & ~m) | (g & m));
		c->fwd[off + i] &= (uint8_t)~m;
		c->vcfg[off + i] = (uint8_t)((c->vcfg[off + i] & ~m) | (v & m));
	}
	for (int k = 0; k < c->nreg; k++) {
		struct pt_cfg_region *r = &c->reg[k];

		if (off < r->off + r->len && off + len > r->off &&
		    (r->policy == PT_CFG_PASS || r->policy == PT_CFG_RO))
			r->policy = PT_CFG_MIXED;
	}
}

int pt_cfg_region(struct pt_dev *d, const struct pt_cfg_region *r)
{
	struct pt_cfg *c = &d->cfg;
	int at = c->nreg;

	if (!r->len || r->off + r->len > sizeof(c->vcfg))
		return err_msg(EINVAL, "%s: %s at 0x%x (%u bytes) lies outside config space",
			       d->name, r->what, r->off, r->len);
	if (c->nreg == PT_CFG_REGIONS)
		return err_msg(ENOSPC, "%s: more than %d capabilities", d->name, PT_CFG_REGIONS);
	for (int k = 0; k < c->nreg; k++) {
		if (r->off < c->reg[k].off + c->reg[k].len && r->off + r->len > c->reg[k].off)
			return err_msg(EINVAL, "%s: %s at 0x%x overlaps %s at 0x%x", d->name, r->what,
				       r->off, c->reg[k].what, c->reg[k].off);
		if (c->reg[k].off > r->off && at == c->nreg)
			at = k;
	}
	memmove(&c->reg[at + 1], &c->reg[at], (size_t)(c->nreg - at) * sizeof(*r));
	c->reg[at] = *r;
	c->nreg++;
	for (uint32_t o = r->off; o < (uint32_t)r->off + r->len; o++) {
		switch (r->policy) {
		case PT_CFG_PASS:
			c->emul[o] = c->gwrite[o] = 0;
			c->fwd[o] = 0xff;
			break;
		case PT_CFG_RO:
			c->emul[o] = c->gwrite[o] = c->fwd[o] = 0;
			break;
		case PT_CFG_EMUL: /* the handler's init says which bits the guest may write */
			c->emul[o] = 0xff;
			c->gwrite[o] = c->fwd[o] = 0;
			c->vcfg[o] = c->host[o];
			break;
		default: /* hidden */
			c->emul[o] = 0xff;
			c->gwrite[o] = c->fwd[o] = c->vcfg[o] = 0;
			break;
		}
	}
	return 0;
}

/* The regions an access touches, in offset order (an access spans at most four). */
static int touched(struct pt_dev *d, uint32_t off, uint32_t len, struct pt_cfg_region **out)
{
	int n = 0;

	for (int k = 0; k < d->cfg.nreg && n < 4; k++) {
		struct pt_cfg_region *r = &d->cfg.reg[k];

		if (off < (uint32_t)r->off + r->len && off + len > r->off)
			out[n++] = r;
	}
	return n;
}

uint32_t pt_cfg_read(struct pt_dev *d, uint32_t off, uint32_t len)
{
	struct pt_cfg *c = &d->cfg;
	struct pt_cfg_region *rs[4];
	uint8_t buf[4] = { 0 };
	bool dev = false;
	uint32_t v = 0;
	int n;

	if (off >= c->size || len > c->size - off)
		return 0; /* beyond the device's config space (a conventional function's 256) */
	n = touched(d, off, len, rs);
	for (int k = 0; k < n; k++)
		if (rs[k]->read)
			rs[k]->read(d, off, len, 0);
	for (uint32_t i = 0; i < len; i++)
		dev |= c->emul[off + i] != 0xff;
	if (dev && pt_dev_cfg_read(d, off, buf, len) < 0)
		pt_warn(d, "guest config read at 0x%x reads as all ones", off);
	for (uint32_t i = 0; i < len; i++) {
		uint8_t m = c->emul[off + i];

		buf[i] = (uint8_t)((buf[i] & ~m) | (c->vcfg[off + i] & m));
	}
	memcpy(&v, buf, len);
	return v;
}

/* The bits of a write that reach the device: the whole access in one write when every
 * bit is forwarded; otherwise each naturally aligned piece that has forwarded bits, with
 * the device's own value kept in its other bits (those are read-only registers). */
static void forward(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	const uint8_t *fwd = d->cfg.fwd + off;
	uint8_t *v = (uint8_t *)&val;
	bool all = true;

	for (uint32_t i = 0; i < len; i++)
		all &= fwd[i] == 0xff;
	if (all) {
		if (pt_dev_cfg_write(d, off, &val, len) < 0)
			pt_warn(d, "guest config write at 0x%x lost", off);
		return;
	}
	for (uint32_t i = 0; i < len;) {
		uint32_t n = (len == 4 && i % 2 == 0 && fwd[i] && fwd[i + 1]) ? 2 : 1;
		uint8_t cur[2], out[2];
		bool partial = false;

		if (!fwd[i]) {
			i++;
			continue;
		}
		for (uint32_t k = 0; k < n; k++)
			partial |= fwd[i + k] != 0xff;
		if (partial && pt_dev_cfg_read(d, off + i, cur, n) < 0) {
			pt_warn(d, "guest config write at 0x%x lost", off + i);
			i += n;
			continue;
		}
		for (uint32_t k = 0; k < n; k++)
			out[k] = partial ? (uint8_t)((cur[k] & ~fwd[i + k]) | (v[i + k] & fwd[i + k]))
					 : v[i + k];
		if (pt_dev_cfg_write(d, off + i, out, n) < 0)
			pt_warn(d, "guest config write at 0x%x lost", off + i);
		i += n;
	}
}

void pt_cfg_write(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	struct pt_cfg *c = &d->cfg;
	struct pt_cfg_region *rs[4];
	const uint8_t *v = (const uint8_t *)&val;
	int n;

	if (off >= c->size || len > c->size - off)
		return;
	n = touched(d, off, len, rs);
	for (int k = 0; k < n; k++)
		if (rs[k]->before)
			rs[k]->before(d, off, len, val);
	for (uint32_t i = 0; i < len; i++) {
		uint8_t g = c->gwrite[off + i];

		c->vcfg[off + i] = (uint8_t)((c->vcfg[off + i] & ~g) | (v[i] & g));
	}
	forward(d, off, len, val);
	for (int k = 0; k < n; k++)
		if (rs[k]->after)
			rs[k]->after(d, off, len, val);
}

/* ---- the header ---------------------------------------------------------------------- */

static bool touches(uint32_t off, uint32_t len, uint32_t reg, uint32_t reg_len)
{
	return off < reg + reg_len && off + len > reg;
}

/* The power state the device is in (0 = D0); D0 when it has no PM capability. */
static int power_state(struct pt_dev *d)
{
	uint16_t pmcsr;

	if (!d->cfg.pm_cap)
		return 0;
	if (pt_dev_cfg_read(d, d->cfg.pm_cap + 4u, &pmcsr, 2) < 0) {
		pt_warn(d, "power state unreadable: taken as D0");
		return 0;
	}
	return pmcsr & 3;
}

static uint16_t command(struct pt_dev *d)
{
	uint16_t cmd;

	if (pt_dev_cfg_read(d, 0x04, &cmd, 2) < 0) {
		pt_warn(d, "command register unreadable: BAR decoding unchanged");
		return 0xffff;
	}
	return cmd;
}

/* A decode bit turning off: the BAR's memslots go before the device stops decoding, so
 * no vCPU reaches a mapping that vfio-pci has zapped. */
static void cmd_before(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	uint16_t old = command(d), now = old;

	if (old == 0xffff)
		return;
	for (uint32_t i = 0; i < len; i++)
		if (off + i == 4 || off + i == 5) {
			int sh = 8 * (int)(off + i - 4);

			now = (uint16_t)((now & ~(0xff << sh)) | ((val >> (8 * i)) & 0xff) << sh);
		}
	pt_bars_update(d, old & now, power_state(d) == 0);
}

static void cmd_after(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	uint16_t cmd = command(d);

	if (cmd != 0xffff)
		pt_bars_update(d, cmd, power_state(d) == 0);
}

/* PMCSR: a function outside D0 decodes nothing (and vfio-pci zaps its BAR mappings), so
 * the memslots go first; they come back when it is in D0 again. */
static void pm_before(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	uint32_t pmcsr = d->cfg.pm_cap + 4u;
	uint16_t cmd;

	if (!touches(off, len, pmcsr, 1) || ((val >> (8 * (pmcsr - off))) & 3) == 0)
		return;
	if ((cmd = command(d)) != 0xffff)
		pt_bars_update(d, cmd, false);
}

static void pm_after(struct pt_dev *d, uint32_t off, uint32_t len, uint32_t val)
{
	uint16_t cmd;

	if (touches(off, len, d->cfg.pm_cap + 4u, 1) && (cmd = command(d)) != 0xffff)
		pt_bars_update(d, cmd, power_state(d) == 0);
}

static int header_init(struct pt_dev *d)
{
	static const char bar_why[] = "placed by ptvm as firmware would, at guest-physical "
				      "addresses; sizing works as on the device";
	const struct pt_cfg_region rs[] = {
		{ 0x00, 4, 0, false, PT_CFG_PASS, "vendor and device ID", NULL, 0, 0, 0 },
		{ 0x04, 2, 0, false, PT_CFG_PASS, "command", NULL, NULL, cmd_before, cmd_after },
		{ 0x06, 2, 0, false, PT_CFG_PASS, "status", NULL, 0, 0, 0 },
		{ 0x08, 8, 0, false, PT_CFG_PASS, "revision, class, header type", NULL, 0, 0, 0 },
		{ 0x10, 24, 0, false, PT_CFG_EMUL, "BARs", bar_why, NULL, NULL, pt_bars_cfg_after },
		{ 0x28, 8, 0, false, PT_CFG_PASS, "CardBus CIS, subsystem IDs", NULL, 0, 0, 0 },
		{ 0x30, 4, 0, false, PT_CFG_HIDDEN, "expansion ROM",
		  "rom=hide: the guest boots without option ROMs, and a ROM BAR would need a "
		  "host mapping ptvm does not make", 0, 0, 0 },
		{ 0x34, 8, 0, false, PT_CFG_PASS, "capabilities pointer, reserved", NULL, 0, 0, 0 },
		{ 0x3c, 1, 0, false, PT_CFG_EMUL, "interrupt line",
		  "the guest's own note: ptvm sets it to the GSI its ACPI _PRT routes the pin "
		  "to, as firmware would", 0, 0, 0 },
		{ 0x3d, 3, 0, false, PT_CFG_PASS, "interrupt pin, min grant, max latency", NULL, 0,
		  0, 0 },
	};
	int r;

	for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
		if ((r = pt_cfg_region(d, &rs[i])) < 0)
			return r;
	pt_cfg_emulate_bits(d, 0x3c, 1, 0xff, 0xff, 0);
	pt_cfg_emulate_bits(d, 0x10, 4, ~0u, ~0u, 0); /* the BAR handler keeps vcfg right */
	for (uint32_t o = 0x10; o < 0x28; o++)
		d->cfg.gwrite[o] = 0xff;
	pt_bars_cfg_after(d, 0, 0, 0);
	return 0;
}

/* ---- standard capabilities -------------------------------------------------------- */

static uint32_t std_cap_len(const struct pt_cfg *c, uint32_t pos)
{
	uint16_t flags = (uint16_t)host_get(c, pos + 2, 2);

	switch (c->host[pos]) {
	case CAP_PM: return 8;
	case 0x03: return 8;  /* VPD */
	case 0x04: return 4;  /* slot identification */
	case CAP_MSI: return (flags & 0x80 ? 14u : 10u) + (flags & 0x100 ? 10u : 0u);
	case 0x06: return 4;  /* CompactPCI hot swap */
	case CAP_PCIX: return host_get(c, pos + 4, 4) & 0xc0000000u ? 24 : 8;
	case CAP_VNDR: return c->host[pos + 2] < 3 ? 3 : c->host[pos + 2];
	case 0x0a: return 4;  /* debug port */
	case 0x0d: return 8;  /* bridge subsystem IDs */
	case CAP_EXP:
		if ((flags & 0xf) >= 2)
			return 0x3c;
		return ((flags >> 4) & 0xf) == PCI_EXP_TYPE_RC_END ? 0x0c : 0x14;
	case CAP_MSIX: return 12;
	case 0x13: return 6;  /* advanced features */
	default: return 0;    /* unknown: up to the next capability */
	}
}

/* The PCI Express capability's port type must fit where the guest finds the function: on
 * ptvm's bus 0, behind no port, that is a root-complex integrated endpoint. */
static int exp_init(struct pt_dev *d, uint32_t pos, uint32_t len)
{
	static const char why_type[] = "the guest finds the function on its root bus, where "
				       "an endpoint is a root-complex integrated endpoint (type "
				       "9); integrated endpoints have no link, so the link "
				       "registers read 0";
	struct pt_cfg *c = &d->cfg;
	uint16_t flags = (uint16_t)host_get(c, pos + 2, 2);
	uint8_t type = (flags >> 4) & 0xf;
	struct pt_cfg_region r = { (uint16_t)pos, (uint16_t)len, CAP_EXP, false, PT_CFG_PASS,
				   "PCI Express", NULL, 0, 0, 0 };
	int ret;

	c->exp_cap = (uint8_t)pos;
	c->exp_type_host = c->exp_type_guest = type;
	if (type != PCI_EXP_TYPE_ENDPOINT && type != PCI_EXP_TYPE_LEG_END &&
	    type != PCI_EXP_TYPE_RC_END)
		return err_msg(ENOTSUP, "%s is a PCI Express port or bridge (type %u): ptvm "
					"assigns endpoints only", d->name, type);
	if (type != PCI_EXP_TYPE_RC_END)
		r.why = why_type;
	if ((ret = pt_cfg_region(d, &r)) < 0 || type == PCI_EXP_TYPE_RC_END)
		return ret;
	c->exp_type_guest = PCI_EXP_TYPE_RC_END;
	pt_cfg_emulate_bits(d, pos + 2, 2, 0x00f0, 0, PCI_EXP_TYPE_RC_END << 4);
	if (len >= 0x14) { /* link capabilities, control, status */
		pt_cfg_emulate_bits(d, pos + 0x0c, 4, ~0u, 0, 0);
		pt_cfg_emulate_bits(d, pos + 0x10, 4, ~0u, 0, 0);
	}
	if (len >= 0x34) { /* link capabilities 2, control 2, status 2 */
		pt_cfg_emulate_bits(d, pos + 0x2c, 4, ~0u, 0, 0);
		pt_cfg_emulate_bits(d, pos + 0x30, 4, ~0u, 0, 0);
	}
	return 0;
}

static int std_caps_init(struct pt_dev *d)
{
	struct pt_cfg *c = &d->cfg;
	uint8_t pos[48], seen[256 / 8] = { 0 };
	int n = 0, r;

	if (!(c->host[0x06] & 0x10))
		return 0;
	/* the chain as the device has it; a loop or a pointer into the header ends it */
	for (uint32_t p = c->host[0x34] & 0xfc; p >= 0x40 && n < 48; p = c->host[p + 1] & 0xfc) {
		if (seen[p / 8] & (1 << (p % 8)))
			break;
		seen[p / 8] |= (uint8_t)(1 << (p % 8));
		pos[n++] = (uint8_t)p;
	}
	for (int i = 0; i < n; i++) {
		uint32_t p = pos[i], len = std_cap_len(c, p), end = 0x100;
		struct pt_cfg_region reg = { (uint16_t)p, 0, c->host[p], false, PT_CFG_PASS,
					     "capability", NULL, 0, 0, 0 };

		for (int k = 0; k < n; k++) /* a capability ends where the next one begins */
			if (pos[k] > p && pos[k] < end)
				end = pos[k];
		if (!len || len > end - p)
			len = end - p;
		if (len < 2)
			continue;
		reg.len = (uint16_t)len;
		switch (c->host[p]) {
		case CAP_PM:
			if (len < 8)
				break;
			c->pm_cap = (uint8_t)p;
			reg.what = "power management";
			reg.before = pm_before;
			reg.after = pm_after;
			r = pt_cfg_region(d, &reg);
			goto next;
		case CAP_MSI:
			if (c->msi_cap || len < std_cap_len(c, p))
				break; /* a second or truncated MSI capability: passed through */
			r = pt_msi_init(d, (uint8_t)p);
			goto next;
		case CAP_MSIX:
			if (c->msix_cap || len < 12)
				break;
			r = pt_msix_init(d, (uint8_t)p);
			goto next;
		case CAP_EXP:
			if (c->exp_cap || len < 0x0c)
				break;
			r = exp_init(d, p, len);
			goto next;
		case CAP_VNDR:
			reg.what = "vendor-specific";
			break;
		}
		r = pt_cfg_region(d, &reg);
next:
		if (r < 0)
			return r;
	}
	return 0;
}

/* ---- extended capabilities --------------------------------------------------------- */

static uint32_t ext_cap_len(const struct pt_cfg *c, uint32_t pos)
{
	switch (host_get(c, pos, 4) & 0xffff) {
	case 0x01: return 0x48;  /* AER */
	case 0x03: return 12;    /* device serial number */
	case 0x04: return 16;    /* power budgeting */
	case EXT_VNDR:
	case EXT_DVSEC: return host_get(c, pos + 4, 4) >> 20;
	case 0x0d: return 8;     /* ACS (without an egress control vector) */
	case EXT_ARI: return 8;
	case 0x0f: return 8;     /* ATS */
	case EXT_SRIOV: return 0x40;
	case 0x13: return 16;    /* PRI */
	case EXT_REBAR:
	case EXT_VF_REBAR: return 4 + 8 * ((host_get(c, pos + 8, 4) >> 5) & 7);
	case 0x18: return 8;     /* LTR */
	case 0x1b: return 8;     /* PASID */
	case 0x1e: return 16;    /* L1 PM substates */
	case 0x1f: return 12;    /* PTM */
	default: return 0;
	}
}

static const char *ext_hidden_why(uint16_t id)
{
	switch (id) {
	case EXT_SRIOV:
		return "SR-IOV: virtual functions are the host's to create and assign; the "
		       "guest cannot enable them";
	case EXT_ARI:
		return "ARI: its next-function numbers name host functions the guest does not "
		       "have";
	case EXT_REBAR:
	case EXT_VF_REBAR:
		return "resizable BAR: ptvm maps each BAR once at its current size, so a resize "
		       "the guest asked for would not happen";
	default:
		return NULL;
	}
}

static int ext_caps_init(struct pt_dev *d)
{
	struct pt_cfg *c = &d->cfg;
	uint16_t pos[128];
	uint8_t seen[4096 / 32] = { 0 };
	uint32_t prev = 0; /* the last capability shown, whose next pointer may change */
	int n = 0, r;

	if (c->size <= 0x100 || !host_get(c, 0x100, 4) || host_get(c, 0x100, 4) == ~0u)
		return 0;
	for (uint32_t p = 0x100; p >= 0x100 && p <= 0xffc && n < 128;
	     p = (host_get(c, p, 4) >> 20) & 0xffc) {
		if (seen[p / 32] & (1 << (p / 4 % 8)))
			break;
		seen[p / 32] |= (uint8_t)(1 << (p / 4 % 8));
		pos[n++] = (uint16_t)p;
	}
	for (int i = 0; i < n; i++) {
		uint32_t p = pos[i], len = ext_cap_len(c, p), end = 0x1000;
		uint16_t id = (uint16_t)host_get(c, p, 4);
		const char *why = ext_hidden_why(id);
		struct pt_cfg_region reg = { (uint16_t)p, 0, id, true,
					     why ? PT_CFG_HIDDEN : PT_CFG_PASS,
					     why ? "hidden extended capability" : "extended capability",
					     why, 0, 0, 0 };

		for (int k = 0; k < n; k++)
			if (pos[k] > p && pos[k] < end)
				end = pos[k];
		if (!len || len > end - p || len < 4)
			len = end - p;
		reg.len = (uint16_t)len;
		if ((r = pt_cfg_region(d, &reg)) < 0)
			return r;
		if (!why) {
			prev = p;
			continue;
		}
		/* Unlink it: the previous shown capability points past it; a hidden head keeps
		 * a header of ID 0 (the spec's "no capability here") that points on. */
		uint32_t next = (host_get(c, p, 4) >> 20) & 0xffc;

		if (prev) {
			pt_cfg_emulate_bits(d, prev, 4, 0xfff00000u, 0, next << 20);
		} else if (p == 0x100) {
			prev = 0x100;
			pt_cfg_emulate_bits(d, 0x100, 4, ~0u, 0, next << 20);
		}
	}
	return 0;
}

int pt_cfg_build(struct pt_dev *d)
{
	struct pt_cfg *c = &d->cfg;
	int r;

	if (c->size != 256 && c->size != 4096)
		return err_msg(EINVAL, "%s: config space of %u bytes (VFIO reports neither 256 "
				       "nor 4096)", d->name, c->size);
	for (uint32_t o = 0; o < c->size; o += 256)
		if ((r = pt_dev_cfg_read(d, o, c->host + o, 256)) < 0)
			return err_ctx(r, "%s: config space at 0x%x", d->name, o);
	if (c->host[0x0e] & 0x7f)
		return err_msg(ENOTSUP, "%s has header type %u: ptvm assigns endpoints (type 0), "
					"not bridges", d->name, c->host[0x0e] & 0x7f);
	memset(c->fwd, 0xff, c->size);
	if ((r = header_init(d)) < 0 || (r = std_caps_init(d)) < 0 || (r = ext_caps_init(d)) < 0)
		return r;
	return 0;
}

void pt_cfg_log(const struct pt_dev *d)
{
	if (!log_verbose)
		return;
	for (int k = 0; k < d->cfg.nreg; k++) {
		const struct pt_cfg_region *r = &d->cfg.reg[k];

		if (r->policy == PT_CFG_PASS)
			continue;
		log_step("%s: config 0x%03x-0x%03x %s: %s", d->name, r->off, r->off + r->len - 1,
			 r->what, policy_names[r->policy]);
	}
}
