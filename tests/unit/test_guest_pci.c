/* The guest's view of every device of the lab's zoo, from their captured config spaces
 * (tests/unit/fixtures, one .pcidump each), through ptvm's config-space table on the simulated
 * kernel: the fidelity oracle finds no undocumented difference; each capability keeps its
 * real layout; reads of every width agree; writes reach the device at their own width.
 * Run from the source tree (or set PTVM_FIXTURES to the fixtures' directory). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/oracle/pcidiff.h"
#include "tests/unit/sim_device.h"

static struct sim_machine m;

static const char *fixture(const char *name)
{
	static char path[512];
	const char *dir = getenv("PTVM_FIXTURES");

	snprintf(path, sizeof(path), "%s/%s.pcidump", dir ? dir : "tests/unit/fixtures", name);
	return path;
}

static uint32_t cfgr(uint32_t off, uint32_t len)
{
	return pci_cfg_access(m.vm.pci, (uint32_t)m.d->func.slot << 15 | off, len, 0, false);
}

static void cfgw(uint32_t off, uint32_t len, uint32_t v)
{
	pci_cfg_access(m.vm.pci, (uint32_t)m.d->func.slot << 15 | off, len, v, true);
}

static void load(const char *name, struct pcidump *host)
{
	static char text[1 << 16];
	char why[128];
	FILE *f = fopen(fixture(name), "r");
	size_t n;

	if (!f)
		fail_msg("fixture %s: not found (run from the source tree)", fixture(name));
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	assert_int_equal(pcidump_parse(text, NULL, host, why, sizeof(why)), 0);
	if (sim_machine_init_fixture(&m, fixture(name)) != 0)
		fail_msg("%s: ptvm refused the device: %s", name, err_get());
}

/* What a Linux guest's sysfs would show: config space through the guest's PCI bus, and
 * each BAR where ptvm placed it, with the type bits Linux derives from the register. */
static void guest_dump(struct pcidump *g, uint32_t size)
{
	memset(g, 0, sizeof(*g));
	snprintf(g->bdf, sizeof(g->bdf), "guest");
	g->size = size;
	for (uint32_t o = 0; o < size; o += 4) {
		uint32_t v = cfgr(o, 4);

		memcpy(g->cfg + o, &v, 4);
	}
	for (int i = 0; i < 6; i++) {
		const struct pt_bar *b = &m.d->bars[i];

		if (!b->size)
			continue;
		g->res[i].start = b->gpa;
		g->res[i].end = b->gpa + b->size - 1;
		g->res[i].flags = b->io ? 0x100 : (0x200 | (b->prefetch ? 0x2000 : 0) |
						   (b->is64 ? 0x100000 : 0));
	}
	g->nres = 7;
}

static void show(const struct pd_diff *d, void *ctx)
{
	if (d->cls == PD_UNDOCUMENTED || getenv("PTVM_ORACLE_VERBOSE"))
		print_message("  %s: 0x%03x %s host 0x%llx guest 0x%llx %s %s\n",
			      (const char *)ctx, d->off, d->field, (unsigned long long)d->host,
			      (unsigned long long)d->guest, pd_class_name(d->cls),
			      d->doc ? d->doc : "");
}

static void teardown_machine(void)
{
	const char *left = sim_machine_end(&m);

	if (left)
		fail_msg("%s", left);
}

/* The oracle over the whole device, and the same reads at every width. */
static void oracle_clean(const char *name)
{
	struct pcidump *h = calloc(1, sizeof(*h)), *g = calloc(1, sizeof(*g));
	struct pd_result res;

	load(name, h);
	guest_dump(g, h->size);
	pcidiff(h, g, false, show, (void *)name, &res);
	print_message("  %s: %d fields, %d same, %d documented differences, %d not compared\n",
		      name, res.fields, res.same, res.documented, res.skipped);
	assert_int_equal(res.undocumented, 0);
	for (uint32_t o = 0; o < h->size; o++) {
		uint32_t dw = cfgr(o & ~3u, 4) >> (8 * (o & 3));

		assert_int_equal(cfgr(o, 1), dw & 0xff);
		if (!(o & 1))
			assert_int_equal(cfgr(o, 2), dw & 0xffff);
	}
	free(h);
	free(g);
	teardown_machine();
}

static void test_oracle_e1000e(void **s) { oracle_clean("e1000e"); }
static void test_oracle_e1000(void **s) { oracle_clean("e1000"); }
static void test_oracle_rtl8139(void **s) { oracle_clean("rtl8139"); }
static void test_oracle_edu(void **s) { oracle_clean("edu"); }
static void test_oracle_igb_pf(void **s) { oracle_clean("igb-pf"); }
static void test_oracle_igb_vf(void **s) { oracle_clean("igb-vf"); }
static void test_oracle_nvme(void **s) { oracle_clean("nvme"); }
static void test_oracle_virtio_net(void **s) { oracle_clean("virtio-net"); }
static void test_oracle_ivshmem(void **s) { oracle_clean("ivshmem"); }

/* The oracle fails on what nobody documented: a changed subsystem ID, a broken chain. */
static void test_oracle_catches(void **s)
{
	struct pcidump *h = calloc(1, sizeof(*h)), *g = calloc(1, sizeof(*g));
	struct pd_result res;

	load("e1000e", h);
	guest_dump(g, h->size);
	g->cfg[0x2e] ^= 1;                   /* subsystem ID */
	pcidiff(h, g, false, NULL, NULL, &res);
	assert_int_equal(res.undocumented, 1);
	g->cfg[0x2e] ^= 1;
	g->cfg[0xd1] = 0;                    /* MSI's next pointer: PCIe and MSI-X gone */
	pcidiff(h, g, false, NULL, NULL, &res);
	assert_true(res.undocumented >= 2);  /* the pointer, and the chain */
	g->cfg[0xd1] = h->cfg[0xd1];
	{ /* an AER mask bit is state: not compared, unless both views are live */
		struct pcidump *g2 = malloc(sizeof(*g2));

		memcpy(g2, g, sizeof(*g2));
		g2->cfg[0x10a] ^= 0x10;
		pcidiff(h, g2, false, NULL, NULL, &res);
		assert_int_equal(res.undocumented, 0);
		pcidiff(g, g2, true, NULL, NULL, &res);
		assert_int_equal(res.undocumented, 1);
		free(g2);
	}
	g->res[3].end += 0x1000;             /* a BAR's size */
	pcidiff(h, g, false, NULL, NULL, &res);
	assert_int_equal(res.undocumented, 1);
	free(h);
	free(g);
	teardown_machine();
}

static uint32_t chain(uint8_t *ids, int max)
{
	int n = 0;

	for (uint32_t p = cfgr(0x34, 1); p && n < max; p = cfgr(p + 1, 1))
		ids[n++] = (uint8_t)cfgr(p, 1);
	return (uint32_t)n;
}

/* The bug that started this: e1000e's chain must read PM, MSI, PCIe, MSI-X in the guest
 * as in L1 (the MSI capability is 14 bytes; it once took 22 and swallowed PCIe). */
static void test_e1000e_layout(void **s)
{
	struct pcidump h;
	uint8_t ids[8];

	load("e1000e", &h);
	assert_int_equal(chain(ids, 8), 4);
	assert_memory_equal(ids, ((uint8_t[]){ 0x01, 0x05, 0x10, 0x11 }), 4);
	assert_int_equal(cfgr(0xe2, 2) & 0xf0, 0x90);   /* an integrated endpoint, as in L1 */
	assert_int_equal(cfgr(0x100, 4) & 0xffff, 1);   /* AER ... */
	assert_int_equal(cfgr(0x140, 4) & 0xffff, 3);   /* ... and the serial number */
	assert_int_equal(cfgr(0x144, 4), h.cfg[0x144] | h.cfg[0x145] << 8 | h.cfg[0x146] << 16 |
					    (uint32_t)h.cfg[0x147] << 24);
	teardown_machine();
}

/* igb: MSI with per-vector masking and 64-bit addresses is 24 bytes; SR-IOV and ARI are
 * unlinked from the extended chain (AER stays, and ends it). */
static void test_igb_layout(void **s)
{
	struct pcidump h;
	uint8_t ids[8];

	load("igb-pf", &h);
	assert_int_equal(chain(ids, 8), 4);
	assert_memory_equal(ids, ((uint8_t[]){ 0x01, 0x05, 0x11, 0x10 }), 4);
	assert_int_equal(cfgr(0x52, 2), 0x0180);        /* 64-bit, maskable, 1 vector, off */
	assert_int_equal(cfgr(0xa2, 2) & 0xf0, 0x90);   /* endpoint -> integrated endpoint */
	assert_int_equal(cfgr(0xac, 4), 0);             /* no link */
	assert_int_equal(cfgr(0x100, 4) & 0xfff0ffff, 0x00000001); /* AER, end of chain */
	assert_int_equal(cfgr(0x150, 4), 0);            /* ARI hidden */
	assert_int_equal(cfgr(0x160, 4), 0);            /* SR-IOV hidden */
	teardown_machine();
	load("igb-vf", &h);
	assert_int_equal(cfgr(0x00, 4), 0x10ca8086);    /* the IDs vfio-pci gives a VF */
	assert_int_equal(cfgr(0x10, 4) & 0xf, 0xc);     /* 64-bit prefetchable */
	assert_int_equal(cfgr(0x1c, 4) & 0xf, 0xc);
	assert_int_equal(cfgr(0x100, 4) & 0xfff0ffff, 0x00000001);
	teardown_machine();
}

/* virtio-net: five vendor-specific capabilities, each passed through whole. */
static void test_virtio_vendor_caps(void **s)
{
	struct pcidump h;
	int vendor = 0;

	load("virtio-net", &h);
	for (uint32_t p = cfgr(0x34, 1); p; p = cfgr(p + 1, 1)) {
		if (cfgr(p, 1) != 0x09)
			continue;
		vendor++;
		for (uint32_t o = p + 2; o < p + h.cfg[p + 2]; o++)
			assert_int_equal(cfgr(o, 1), h.cfg[o]);
	}
	assert_int_equal(vendor, 5);
	teardown_machine();
}

/* ivshmem: a 1 GiB 64-bit prefetchable BAR, naturally aligned in the 64-bit window. */
static void test_ivshmem_large_bar(void **s)
{
	struct pcidump h;

	load("ivshmem", &h);
	assert_int_equal(m.d->bars[2].size, 1ull << 30);
	assert_true(m.d->bars[2].is64 && m.d->bars[2].prefetch);
	assert_true(m.d->bars[2].gpa >= 0x1000000000ull);
	assert_int_equal(m.d->bars[2].gpa & ((1ull << 30) - 1), 0);
	assert_int_equal(cfgr(0x18, 4) & 0xf, 0xc);
	assert_int_equal(cfgr(0x1c, 4), (uint32_t)(m.d->bars[2].gpa >> 32));
	teardown_machine();
}

/* A write that touches no emulated bit reaches the device at its own width. */
static void test_write_widths(void **s)
{
	struct pcidump h;
	const struct sim_cfg_write *w;

	load("e1000e", &h);
	cfgw(0xe8, 4, 0x00002810);     /* PCIe device control + status: one dword */
	w = &sim.cfg_writes[(sim.ncfg_writes - 1) % 64];
	assert_int_equal(w->off, 0xe8);
	assert_int_equal(w->len, 4);
	cfgw(0xe8, 2, 0x2810);         /* device control alone: one word */
	w = &sim.cfg_writes[(sim.ncfg_writes - 1) % 64];
	assert_int_equal(w->off, 0xe8);
	assert_int_equal(w->len, 2);
	cfgw(0x0c, 1, 0x10);           /* cache line size: one byte */
	w = &sim.cfg_writes[(sim.ncfg_writes - 1) % 64];
	assert_int_equal(w->off, 0x0c);
	assert_int_equal(w->len, 1);
	assert_int_equal(cfgr(0x0c, 1), 0x10);
	{
		unsigned before = sim.ncfg_writes;

		cfgw(0xa0, 4, 0xc0000000); /* MSI-X header + control: the control is ptvm's */
		assert_int_equal(sim.ncfg_writes - before, 1);
		w = &sim.cfg_writes[(sim.ncfg_writes - 1) % 64];
		assert_int_equal(w->off, 0xa0);
		assert_int_equal(w->len, 2); /* ID and next pointer, at their own width */
		assert_int_equal(cfgr(0xa2, 2), 0xc004);
	}
	teardown_machine();
}

/* Every difference the oracle can call documented is in docs/guest-pci.md. */
static void test_doc_ids_documented(void **s)
{
	static char doc[1 << 16];
	const char *dir = getenv("PTVM_FIXTURES");
	char path[512], id[64];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/../../../docs/guest-pci.md", dir ? dir : "tests/unit/fixtures");
	f = fopen(path, "r");
	if (!f)
		fail_msg("%s: not found (run from the source tree)", path);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	for (const char *const *p = pd_doc_ids; *p; p++) {
		snprintf(id, sizeof(id), "| `%s` |", *p);
		if (!strstr(doc, id))
			fail_msg("doc ID %s is not in docs/guest-pci.md", *p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle_e1000e),
		cmocka_unit_test(test_oracle_e1000),
		cmocka_unit_test(test_oracle_rtl8139),
		cmocka_unit_test(test_oracle_edu),
		cmocka_unit_test(test_oracle_igb_pf),
		cmocka_unit_test(test_oracle_igb_vf),
		cmocka_unit_test(test_oracle_nvme),
		cmocka_unit_test(test_oracle_virtio_net),
		cmocka_unit_test(test_oracle_ivshmem),
		cmocka_unit_test(test_oracle_catches),
		cmocka_unit_test(test_e1000e_layout),
		cmocka_unit_test(test_igb_layout),
		cmocka_unit_test(test_virtio_vendor_caps),
		cmocka_unit_test(test_ivshmem_large_bar),
		cmocka_unit_test(test_write_widths),
		cmocka_unit_test(test_doc_ids_documented),
	};
	return cmocka_run_group_tests_name("guest_pci", tests, NULL, NULL);
}
