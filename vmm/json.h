/* Just enough JSON for the control socket (json.c): a writer that builds one line, and a
 * reader that walks a bounded text without allocating, with a nesting limit. */
#ifndef PTVM_JSON_H
#define PTVM_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/err.h"

/* The writer: text appended to a fixed buffer; once full, further output is dropped and
 * full is set (the caller answers with an error instead). */
struct jbuf {
	char *p;
	size_t len, cap;
	bool full;
	bool comma; /* the next member or element needs a comma before it */
};
void jb_init(struct jbuf *b, char *buf, size_t cap);
void jb_raw(struct jbuf *b, const char *s);
void jb_printf(struct jbuf *b, const char *fmt, ...) PTVM_PRINTF(2, 3);
/* A string, quoted, with '"', '\\' and control characters escaped. */
void jb_str(struct jbuf *b, const char *s);
/* Structure: jb_open(b, '{') ... jb_close(b, '}'); members and elements take their comma
 * from the buffer's state. */
void jb_open(struct jbuf *b, char c);
void jb_close(struct jbuf *b, char c);
void jb_key(struct jbuf *b, const char *key); /* "key": (a comma first when needed) */
void jb_elem(struct jbuf *b);                 /* the comma before an array element */
void jb_member_str(struct jbuf *b, const char *key, const char *val);
void jb_member_u64(struct jbuf *b, const char *key, uint64_t val);
void jb_member_bool(struct jbuf *b, const char *key, bool val);

/* The reader. Kinds of values: */
enum jtype { J_STRING, J_NUMBER, J_TRUE, J_FALSE, J_NULL, J_OBJECT, J_ARRAY };
#define JSON_MAX_DEPTH 8

/* The end of the JSON value starting at s (after leading white space), or NULL when it
 * is malformed, nested deeper than JSON_MAX_DEPTH, or runs past end. Sets *type. */
const char *json_value(const char *s, const char *end, enum jtype *type);
/* Decodes the string value at s (a '"' after white space) into out (NUL-terminated);
 * -EINVAL when malformed, a \u escape beyond ASCII or NUL, -ENOSPC when it does not fit. */
int json_string(const char *s, const char *end, char *out, size_t cap);
/* Calls fn for each member of the object at s, in order: its key (decoded; keys longer
 * than 63 bytes are an error), the value's text [v, vend) and type. Stops at the first
 * nonzero return of fn and returns it; -EINVAL when the object is malformed or not
 * followed only by white space up to end. */
int json_object(const char *s, const char *end,
		int (*fn)(void *ctx, const char *key, const char *v, const char *vend,
			  enum jtype type),
		void *ctx);
/* Calls fn for each element of the array at s; as json_object. */
int json_array(const char *s, const char *end,
	       int (*fn)(void *ctx, const char *v, const char *vend, enum jtype type), void *ctx);

#endif
