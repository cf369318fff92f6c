#include "vmm/topology.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/config.h"
#include "vmm/err.h"
#include "vmm/util.h"

int topology_bits(int n)
{
	int b = 0;

	while (n > 1 && (1 << b) < n)
		b++;
	return b;
}

int topology_resolve(const char *what, int *cpus, struct cpu_topology *t)
{
	int s = t->sockets ? t->sockets : 1, th = t->threads ? t->threads : 1, c = t->cores;

	if (s > VM_MAX_CPUS || th > VM_MAX_CPUS || c > VM_MAX_CPUS)
		return err_msg(EINVAL, "%s: a topology of more than %d vCPUs", what, VM_MAX_CPUS);
	if (!c) {
		int n = *cpus ? *cpus : s * th;

		if (n % (s * th))
			return err_msg(EINVAL, "%s: %d vCPUs do not divide into %d socket(s) of "
					       "cores with %d thread(s) each", what, n, s, th);
		c = n / (s * th);
	}
	if (!t->sockets && t->cores && *cpus) { /* cores given, sockets not: as many as fit */
		if (*cpus % (c * th))
			return err_msg(EINVAL, "%s: %d vCPUs do not divide into sockets of %d "
					       "core(s) with %d thread(s) each", what, *cpus, c, th);
		s = *cpus / (c * th);
	}
	if (s * c * th > VM_MAX_CPUS)
		return err_msg(EINVAL, "%s: %d sockets x %d cores x %d threads is %d vCPUs, "
				       "more than %d", what, s, c, th, s * c * th, VM_MAX_CPUS);
	if (*cpus && s * c * th != *cpus)
		return err_msg(EINVAL, "%s: %d sockets x %d cores x %d threads is %d vCPUs, not %d",
			       what, s, c, th, s * c * th, *cpus);
	*cpus = s * c * th;
	*t = (struct cpu_topology){ .sockets = s, .cores = c, .threads = th };
	return 0;
}

/* A count from 1 to VM_MAX_CPUS in the LEN characters at S (parse_u64's syntax, as every
 * other number on the command line). */
static int count(const char *s, size_t len, int *out)
{
	char buf[16];
	uint64_t v;

	if (len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (parse_u64(buf, VM_MAX_CPUS, &v) || v == 0)
		return -1;
	*out = (int)v;
	return 0;
}

int topology_parse(const char *arg, int *cpus, struct cpu_topology *t)
{
	static const char *const names[] = { "sockets", "cores", "threads" };
	const char *p = arg;
	int n = 0;

	*t = (struct cpu_topology){ 0 };
	while (*p) {
		const char *end = strchr(p, ','), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p);
		int v, *slot = NULL;

		eq = memchr(p, '=', len);
		if (!eq) {
			if (p != arg || count(p, len, &n))
				return err_msg(EINVAL, "--cpus: '%s' is not N[,sockets=S][,cores=C]"
						       "[,threads=T] with counts from 1 to %d",
					       arg, VM_MAX_CPUS);
		} else {
			for (int i = 0; i < 3; i++)
				if ((size_t)(eq - p) == strlen(names[i]) &&
				    !memcmp(p, names[i], (size_t)(eq - p)))
					slot = i == 0 ? &t->sockets : i == 1 ? &t->cores : &t->threads;
			if (!slot)
				return err_msg(EINVAL, "--cpus: unknown '%.*s' in '%s' (known: sockets, "
						       "cores, threads)", (int)(eq - p), p, arg);
			if (*slot)
				return err_msg(EINVAL, "--cpus: '%.*s' given twice in '%s'",
					       (int)(eq - p), p, arg);
			if (count(eq + 1, len - (size_t)(eq + 1 - p), &v))
				return err_msg(EINVAL, "--cpus: '%.*s' wants a count from 1 to %d",
					       (int)len, p, VM_MAX_CPUS);
			*slot = v;
		}
		p += len;
		if (*p == ',' && !*++p)
			return err_msg(EINVAL, "--cpus: '%s' ends with a comma", arg);
	}
	if (!n && !t->sockets && !t->cores && !t->threads)
		return err_msg(EINVAL, "--cpus: '%s' is not N[,sockets=S][,cores=C][,threads=T]",
			       arg);
	*cpus = n;
	return topology_resolve("--cpus", cpus, t);
}

void topology_place(const struct cpu_topology *t, int index, int *socket, int *core,
		    int *thread)
{
	*thread = index % t->threads;
	*core = (index / t->threads) % t->cores;
	*socket = index / (t->threads * t->cores);
}
