/* Error context: functions return 0 or -errno; the first failure writes a message here
 * and each caller that knows more prepends its context once. Only main() prints it. */
#ifndef PTVM_ERR_H
#define PTVM_ERR_H

#include <errno.h>

#define PTVM_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Set the message to "<fmt>: <strerror(err)>" and return -err (err may be ±errno). */
int err_errno(int err, const char *fmt, ...) PTVM_PRINTF(2, 3);
/* Set the message to "<fmt>" (a sentence for the user) and return -err. */
int err_msg(int err, const char *fmt, ...) PTVM_PRINTF(2, 3);
/* Prepend "<fmt>: " to the current message; returns ret unchanged (for `return err_ctx(...)`). */
int err_ctx(int ret, const char *fmt, ...) PTVM_PRINTF(2, 3);
/* Append "<fmt>" to the current message (a hint after the errno); returns ret. */
int err_append(int ret, const char *fmt, ...) PTVM_PRINTF(2, 3);
const char *err_get(void);
void err_clear(void);

#endif
