#include "vmm/devtype.h"

#include <string.h>

#include "vmm/err.h"

const struct device_type *device_type_find(const char *name)
{
	PTVM_FOREACH(ptvm_device_types, t)
		if (!strcmp(t->name, name))
			return t;
	return NULL;
}

int opts_next(const char *dev, const char **s, char *key, size_t klen, char *val, size_t vlen)
{
	const char *p = *s, *eq, *end;

	if (!*p)
		return 0;
	end = p + strcspn(p, ",");
	eq = memchr(p, '=', (size_t)(end - p));
	if (!eq || eq == p)
		return err_msg(EINVAL, "--device %s: '%.*s' is not key=value", dev, (int)(end - p), p);
	if ((size_t)(eq - p) >= klen || (size_t)(end - eq - 1) >= vlen)
		return err_msg(EINVAL, "--device %s: '%.*s' is too long", dev, (int)(end - p), p);
	memcpy(key, p, (size_t)(eq - p));
	key[eq - p] = '\0';
	memcpy(val, eq + 1, (size_t)(end - eq - 1));
	val[end - eq - 1] = '\0';
	*s = *end ? end + 1 : end;
	return 1;
}
