/* Running without root: what a user lacks, said with the fix; and --user, the drop from
 * root to an ordinary user once every device is open. */
#ifndef PTVM_PRIVILEGE_H
#define PTVM_PRIVILEGE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct run_user {
	bool set;
	uid_t uid;
	gid_t gid;
	char name[64]; /* as given, or the passwd name of a numeric uid if there is one */
};

/* Parses USER: a name from passwd (the file, not NSS: a static binary has no NSS), or
 * UID[:GID] (GID defaults to the passwd entry's, else to UID). passwd is /etc/passwd
 * unless a test names another. -EINVAL with a message. */
int run_user_parse(const char *spec, const char *passwd, struct run_user *u);
/* Becomes u: supplementary groups = { gid }, then gid, then uid (real, effective and
 * saved), and checks that root cannot be regained. Needs to run as root, or as u. */
int run_user_drop(const struct run_user *u);
/* For an open() of a device node that failed with EACCES or EPERM: " (ptvm, running as
 * uid N, needs read and write access to PATH: ...)" naming the fix; "" otherwise. */
const char *access_hint(int err, const char *path, char *buf, size_t len);

#endif
