/* Just enough JSON for the control socket: the writer fills a caller's buffer and never
 * overflows it; the reader never allocates, never reads outside [s, end), and refuses
 * nesting deeper than JSON_MAX_DEPTH, so a hostile client costs bounded time and stack. */
#include "vmm/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void jb_init(struct jbuf *b, char *buf, size_t cap)
{
	*b = (struct jbuf){ .p = buf, .cap = cap };
	if (cap)
		buf[0] = '\0';
}

static void put(struct jbuf *b, const char *s, size_t n)
{
	if (b->full || b->len + n + 1 > b->cap) {
		b->full = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void jb_raw(struct jbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

void jb_printf(struct jbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp))
		b->full = true;
	else
		put(b, tmp, (size_t)n);
}

void jb_str(struct jbuf *b, const char *s)
{
	put(b, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = (char)c;
			put(b, esc, 2);
		} else if (c < 0x20 || c == 0x7f) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put(b, esc, 6);
		} else {
			put(b, (const char *)&c, 1);
		}
	}
	put(b, "\"", 1);
}

void jb_open(struct jbuf *b, char c)
{
	put(b, &c, 1);
	b->comma = false;
}

void jb_close(struct jbuf *b, char c)
{
	put(b, &c, 1);
	b->comma = true;
}

void jb_key(struct jbuf *b, const char *key)
{
	if (b->comma)
		put(b, ",", 1);
	jb_str(b, key);
	put(b, ":", 1);
	b->comma = true;
}

void jb_elem(struct jbuf *b)
{
	if (b->comma)
		put(b, ",", 1);
	b->comma = true;
}

void jb_member_str(struct jbuf *b, const char *key, const char *val)
{
	jb_key(b, key);
	jb_str(b, val);
}

void jb_member_u64(struct jbuf *b, const char *key, uint64_t val)
{
	jb_key(b, key);
	jb_printf(b, "%llu", (unsigned long long)val);
}

void jb_member_bool(struct jbuf *b, const char *key, bool val)
{
	jb_key(b, key);
	jb_raw(b, val ? "true" : "false");
}

static const char *skip_ws(const char *s, const char *end)
{
	while (s < end && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n'))
		s++;
	return s;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
	       : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The end of the string at s (s[0] == '"'), checking escapes; NULL if malformed. */
static const char *string_end(const char *s, const char *end)
{
	for (s++; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"')
			return s + 1;
		if (c < 0x20)
			return NULL;
		if (c != '\\')
			continue;
		if (++s >= end)
			return NULL;
		if (*s == 'u') {
			if (end - s < 5)
				return NULL;
			for (int i = 1; i <= 4; i++)
				if (hexval(s[i]) < 0)
					return NULL;
			s += 4;
		} else if (!*s || !strchr("\"\\/bfnrt", *s)) { /* strchr finds the NUL too */
			return NULL;
		}
	}
	return NULL;
}

static const char *number_end(const char *s, const char *end)
{
	const char *start;

	if (s < end && *s == '-')
		s++;
	if (s >= end || *s < '0' || *s > '9')
		return NULL;
	if (*s == '0')
		s++;
	else
		while (s < end && *s >= '0' && *s <= '9')
			s++;
	if (s < end && *s == '.') {
		start = ++s;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
		if (s == start)
			return NULL;
	}
	if (s < end && (*s == 'e' || *s == 'E')) {
		s++;
		if (s < end && (*s == '+' || *s == '-'))
			s++;
		start = s;
		while (s < end && *s >= '0' && *s <= '9')
			s++;
		if (s == start)
			return NULL;
	}
	return s;
}

static const char *value_end(const char *s, const char *end, int depth, enum jtype *type);

/* Members or elements of the object or array at s, up to its closing bracket. */
static const char *container_end(const char *s, const char *end, int depth, bool object)
{
	char close = object ? '}' : ']';
	enum jtype t;

	if (depth >= JSON_MAX_DEPTH)
		return NULL;
	s = skip_ws(s + 1, end);
	if (s < end && *s == close)
		return s + 1;
	for (;;) {
		if (object) {
			if (s >= end || *s != '"' || !(s = string_end(s, end)))
				return NULL;
			s = skip_ws(s, end);
			if (s >= end || *s != ':')
				return NULL;
			s++;
		}
		if (!(s = value_end(s, end, depth + 1, &t)))
			return NULL;
		s = skip_ws(s, end);
		if (s >= end)
			return NULL;
		if (*s == close)
			return s + 1;
		if (*s != ',')
			return NULL;
		s = skip_ws(s + 1, end);
	}
}

static const char *word_end(const char *s, const char *end, const char *w)
{
	size_t n = strlen(w);

	return (size_t)(end - s) >= n && !memcmp(s, w, n) ? s + n : NULL;
}

static const char *value_end(const char *s, const char *end, int depth, enum jtype *type)
{
	s = skip_ws(s, end);
	if (s >= end)
		return NULL;
	switch (*s) {
	case '"': *type = J_STRING; return string_end(s, end);
	case '{': *type = J_OBJECT; return container_end(s, end, depth, true);
	case '[': *type = J_ARRAY; return container_end(s, end, depth, false);
	case 't': *type = J_TRUE; return word_end(s, end, "true");
	case 'f': *type = J_FALSE; return word_end(s, end, "false");
	case 'n': *type = J_NULL; return word_end(s, end, "null");
	default: *type = J_NUMBER; return number_end(s, end);
	}
}

const char *json_value(const char *s, const char *end, enum jtype *type)
{
	return value_end(s, end, 0, type);
}

int json_string(const char *s, const char *end, char *out, size_t cap)
{
	const char *e;
	size_t n = 0;

	s = skip_ws(s, end);
	if (s >= end || *s != '"' || !(e = string_end(s, end)))
		return -EINVAL;
	for (s++; s < e - 1; s++) {
		char c = *s;

		if (c == '\\') {
			c = *++s;
			if (c == 'u') {
				int v = hexval(s[1]) << 12 | hexval(s[2]) << 8 | hexval(s[3]) << 4 |
					hexval(s[4]);

				if (v == 0 || v > 0x7f)
					return -EINVAL;
				c = (char)v;
				s += 4;
			} else {
				c = c == 'b' ? '\b' : c == 'f' ? '\f' : c == 'n' ? '\n' : c == 'r' ? '\r'
				  : c == 't' ? '\t' : c;
			}
		}
		if (n + 1 >= cap)
			return -ENOSPC;
		out[n++] = c;
	}
	if (cap == 0)
		return -ENOSPC;
	out[n] = '\0';
	return 0;
}

/* Checks that s holds one value of the kind that opens with c and nothing after it. */
static const char *whole(const char *s, const char *end, char c)
{
	enum jtype t;
	const char *e;

	s = skip_ws(s, end);
	if (s >= end || *s != c || !(e = json_value(s, end, &t)) || skip_ws(e, end) != end)
		return NULL;
	return s;
}

int json_object(const char *s, const char *end,
		int (*fn)(void *ctx, const char *key, const char *v, const char *vend,
			  enum jtype type),
		void *ctx)
{
	char key[64];
	const char *v, *ve;
	enum jtype t;
	int r;

	if (!(s = whole(s, end, '{')))
		return -EINVAL;
	s = skip_ws(s + 1, end);
	if (*s == '}')
		return 0;
	for (;;) { /* well-formed: checked above */
		if (json_string(s, end, key, sizeof(key)) < 0)
			return -EINVAL;
		s = skip_ws(string_end(s, end), end) + 1; /* past ':' */
		v = skip_ws(s, end);
		ve = json_value(v, end, &t);
		if ((r = fn(ctx, key, v, ve, t)))
			return r;
		s = skip_ws(ve, end);
		if (*s == '}')
			return 0;
		s = skip_ws(s + 1, end);
	}
}

int json_array(const char *s, const char *end,
	       int (*fn)(void *ctx, const char *v, const char *vend, enum jtype type), void *ctx)
{
	const char *v, *ve;
	enum jtype t;
	int r;

	if (!(s = whole(s, end, '[')))
		return -EINVAL;
	s = skip_ws(s + 1, end);
	if (*s == ']')
		return 0;
	for (;;) {
		v = s;
		ve = json_value(v, end, &t);
		if ((r = fn(ctx, v, ve, t)))
			return r;
		s = skip_ws(ve, end);
		if (*s == ']')
			return 0;
		s = skip_ws(s + 1, end);
	}
}
