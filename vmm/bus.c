#include "vmm/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/err.h"

void bus_init(struct bus *b, const char *name)
{
	memset(b, 0, sizeof(*b));
	b->name = name;
	pthread_rwlock_init(&b->lock, NULL);
}

void bus_free(struct bus *b)
{
	free(b->r);
	b->r = NULL;
	b->n = b->cap = 0;
	pthread_rwlock_destroy(&b->lock);
}

/* Index of the first range whose end is above addr (binary search). */
static int lower_bound(const struct bus *b, uint64_t addr)
{
	int lo = 0, hi = b->n;

	while (lo < hi) {
		int mid = lo + (hi - lo) / 2;

		if (b->r[mid].base + b->r[mid].len <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_add(struct bus *b, uint64_t base, uint64_t len, bus_fn fn, void *opaque,
	    const char *name)
{
	int i, r = 0;

	if (len == 0 || base + len < base)
		return err_msg(EINVAL, "%s range %s at 0x%llx+0x%llx is empty or wraps", b->name,
			       name, (unsigned long long)base, (unsigned long long)len);
	pthread_rwlock_wrlock(&b->lock);
	i = lower_bound(b, base);
	if (i < b->n && b->r[i].base < base + len) {
		r = err_msg(EEXIST, "%s range %s [0x%llx, 0x%llx) overlaps %s [0x%llx, 0x%llx)",
			    b->name, name, (unsigned long long)base,
			    (unsigned long long)(base + len), b->r[i].name,
			    (unsigned long long)b->r[i].base,
			    (unsigned long long)(b->r[i].base + b->r[i].len));
		goto out;
	}
	if (b->n == b->cap) {
		int cap = b->cap ? b->cap * 2 : 16;
		void *p = realloc(b->r, (size_t)cap * sizeof(*b->r));

		if (!p) {
			r = err_msg(ENOMEM, "out of memory adding a %s range", b->name);
			goto out;
		}
		b->r = p;
		b->cap = cap;
	}
	memmove(&b->r[i + 1], &b->r[i], (size_t)(b->n - i) * sizeof(*b->r));
	b->r[i] = (struct bus_range){ base, len, fn, opaque, name };
	b->n++;
out:
	pthread_rwlock_unlock(&b->lock);
	return r;
}

int bus_remove(struct bus *b, uint64_t base)
{
	int i, r = -ENOENT;

	pthread_rwlock_wrlock(&b->lock);
	i = lower_bound(b, base);
	if (i < b->n && b->r[i].base == base) {
		memmove(&b->r[i], &b->r[i + 1], (size_t)(b->n - i - 1) * sizeof(*b->r));
		b->n--;
		r = 0;
	}
	pthread_rwlock_unlock(&b->lock);
	return r;
}

static const struct bus_range *bus_find(struct bus *b, uint64_t addr)
{
	int i = lower_bound(b, addr);

	return i < b->n && b->r[i].base <= addr ? &b->r[i] : NULL;
}

bool bus_access(struct bus *b, uint64_t addr, void *data, uint32_t len, bool write)
{
	const struct bus_range *r;
	struct bus_range hit = { 0 };

	/* Copy the range and call its handler after unlocking: handlers may change buses
	 * (a config write that moves a BAR), and their state lives as long as the VM. */
	pthread_rwlock_rdlock(&b->lock);
	r = bus_find(b, addr);
	/* The whole access must fall inside one range (no straddling into a neighbour). */
	if (r && len <= r->len && addr - r->base <= r->len - len)
		hit = *r;
	pthread_rwlock_unlock(&b->lock);
	if (hit.fn) {
		hit.fn(hit.opaque, addr - hit.base, data, len, write);
		return true;
	}
	{
		__atomic_add_fetch(&b->unhandled, 1, __ATOMIC_RELAXED);
		if (!write)
			memset(data, 0xff, len);
	}
	return false;
}

const char *bus_name_at(struct bus *b, uint64_t addr)
{
	const struct bus_range *r;
	const char *name;

	pthread_rwlock_rdlock(&b->lock);
	r = bus_find(b, addr);
	name = r ? r->name : NULL;
	pthread_rwlock_unlock(&b->lock);
	return name;
}
