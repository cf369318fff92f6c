/* pcidiff [--live] [--quiet] HOST-DUMP GUEST-DUMP [BDF]: the fidelity oracle as a command.
 * Reads the first PCIDUMP block of HOST-DUMP and the block for BDF (or the first) of
 * GUEST-DUMP (a guest's console log will do), prints every difference with its class and
 * doc ID, then a summary line; exit status 1 if any difference is undocumented, 2 when a
 * dump cannot be read. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/oracle/pcidiff.h"

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 65536) {
			char *nb = realloc(buf, cap += 1 << 20);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	buf[len] = '\0';
	fclose(f);
	return buf;
}

static void show(const struct pd_diff *d, void *ctx)
{
	bool quiet = *(bool *)ctx;

	if (quiet && d->cls != PD_UNDOCUMENTED)
		return;
	if (d->off != ~0u)
		printf("  0x%03x %-32s host 0x%llx guest 0x%llx: %s%s%s\n", d->off, d->field,
		       (unsigned long long)d->host, (unsigned long long)d->guest,
		       pd_class_name(d->cls), d->doc ? " " : "", d->doc ? d->doc : "");
	else
		printf("  ----- %-32s host 0x%llx guest 0x%llx: %s%s%s\n", d->field,
		       (unsigned long long)d->host, (unsigned long long)d->guest,
		       pd_class_name(d->cls), d->doc ? " " : "", d->doc ? d->doc : "");
}

int main(int argc, char **argv)
{
	bool live = false, quiet = false;
	struct pcidump *h = malloc(sizeof(*h)), *g = malloc(sizeof(*g));
	struct pd_result res;
	char why[256], *ht, *gt;
	int a = 1;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--live"))
			live = true;
		else if (!strcmp(argv[a], "--quiet"))
			quiet = true;
		else
			break;
	}
	if (argc - a < 2 || argc - a > 3 || !h || !g) {
		fprintf(stderr, "usage: pcidiff [--live] [--quiet] HOST-DUMP GUEST-DUMP [BDF]\n");
		return 2;
	}
	ht = slurp(argv[a]);
	gt = slurp(argv[a + 1]);
	if (!ht || !gt) {
		fprintf(stderr, "pcidiff: cannot read %s\n", ht ? argv[a + 1] : argv[a]);
		return 2;
	}
	if (pcidump_parse(ht, NULL, h, why, sizeof(why)) < 0 ||
	    pcidump_parse(gt, argc - a == 3 ? argv[a + 2] : NULL, g, why, sizeof(why)) < 0) {
		fprintf(stderr, "pcidiff: %s\n", why);
		return 2;
	}
	printf("pcidiff: host %s, guest %s (%s)\n", h->bdf, g->bdf, live ? "live" : "before binding");
	pcidiff(h, g, live, show, &quiet, &res);
	printf("pcidiff: %d fields, %d same, %d documented differences, %d undocumented, %d not "
	       "compared (state or volatile)\n", res.fields, res.same, res.documented,
	       res.undocumented, res.skipped);
	free(ht);
	free(gt);
	free(h);
	free(g);
	return res.undocumented ? 1 : 0;
}
