/* Running without root (see privilege.h). Everything ptvm needs once it runs is an open
 * file descriptor (/dev/kvm, /dev/iommu or a handed-in iommufd, each device's cdev or a
 * handed-in fd) and a memory-locking limit for the guest RAM that devices DMA into: an
 * ordinary user who was given those runs ptvm as root would, and root can hand over with
 * --user after opening them. */
#include "vmm/privilege.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/err.h"
#include "vmm/util.h"

/* One passwd line "name:pw:uid:gid:..." into its fields; false if malformed. */
static bool passwd_fields(char *line, char **name, unsigned long *uid, unsigned long *gid)
{
	char *f[4], *save = NULL, *end;

	for (int i = 0; i < 4; i++)
		if (!(f[i] = strtok_r(i ? NULL : line, ":\n", &save)))
			return false;
	*name = f[0];
	*uid = strtoul(f[2], &end, 10);
	if (*end)
		return false;
	*gid = strtoul(f[3], &end, 10);
	return !*end;
}

/* The passwd entry whose name is name (or, name NULL, whose uid is uid). */
static bool passwd_find(const char *passwd, const char *name, unsigned long uid,
			struct run_user *u)
{
	FILE *f = fopen(passwd, "re");
	char line[512], *n;
	unsigned long pu, pg;
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (passwd_fields(line, &n, &pu, &pg) && (name ? !strcmp(n, name) : pu == uid)) {
			u->uid = (uid_t)pu;
			u->gid = (gid_t)pg;
			snprintf(u->name, sizeof(u->name), "%s", n);
			found = true;
		}
	fclose(f);
	return found;
}

int run_user_parse(const char *spec, const char *passwd, struct run_user *u)
{
	uint64_t uid, gid;
	char num[32];
	const char *colon;

	memset(u, 0, sizeof(*u));
	if (!passwd)
		passwd = "/etc/passwd";
	if (!spec[0])
		return err_msg(EINVAL, "a user name, or UID[:GID]");
	if (spec[0] >= '0' && spec[0] <= '9') {
		colon = strchr(spec, ':');
		snprintf(num, sizeof(num), "%.*s", colon ? (int)(colon - spec) : (int)strlen(spec),
			 spec);
		if (parse_u64(num, 0xfffffffe, &uid) ||
		    (colon && parse_u64(colon + 1, 0xfffffffe, &gid)))
			return err_msg(EINVAL, "'%s' is not UID[:GID]", spec);
		if (!passwd_find(passwd, NULL, uid, u))
			u->gid = (gid_t)uid, snprintf(u->name, sizeof(u->name), "%s", num);
		u->uid = (uid_t)uid;
		if (colon)
			u->gid = (gid_t)gid;
	} else if (!passwd_find(passwd, spec, 0, u)) {
		return err_msg(EINVAL, "no user '%s' in %s (ptvm reads the file itself; for users "
				       "from elsewhere give UID:GID)", spec, passwd);
	}
	if (u->uid == 0)
		return err_msg(EINVAL, "'%s' is root: --user is for dropping root", spec);
	u->set = true;
	return 0;
}

int run_user_drop(const struct run_user *u)
{
	uid_t ruid, euid, suid;
	gid_t rgid, egid, sgid;

	if (geteuid() != 0) {
		if (getuid() == u->uid && geteuid() == u->uid && getgid() == u->gid)
			return 0; /* already that user */
		return err_msg(EPERM, "--user %s: ptvm runs as uid %u, not root: only root can "
				      "become another user", u->name, (unsigned)geteuid());
	}
	if (setgroups(1, &u->gid) < 0)
		return err_errno(errno, "--user %s: setgroups", u->name);
	if (setresgid(u->gid, u->gid, u->gid) < 0)
		return err_errno(errno, "--user %s: setresgid %u", u->name, (unsigned)u->gid);
	if (setresuid(u->uid, u->uid, u->uid) < 0)
		return err_errno(errno, "--user %s: setresuid %u", u->name, (unsigned)u->uid);
	if (getresuid(&ruid, &euid, &suid) < 0 || getresgid(&rgid, &egid, &sgid) < 0 ||
	    ruid != u->uid || euid != u->uid || suid != u->uid || rgid != u->gid ||
	    egid != u->gid || sgid != u->gid)
		return err_msg(EPERM, "--user %s: the ids did not all change", u->name);
	if (setuid(0) == 0)
		return err_msg(EPERM, "--user %s: root could be regained after the drop", u->name);
	return 0;
}

const char *access_hint(int err, const char *path, char *buf, size_t len)
{
	if (err != -EACCES && err != -EPERM)
		return "";
	snprintf(buf, len, " (ptvm, running as uid %u, needs read and write access to %s: run "
			   "it as root, or give this user the device, e.g. setfacl -m u:%u:rw %s, "
			   "or a group that has it; README: Confinement)",
		 (unsigned)geteuid(), path, (unsigned)geteuid(), path);
	return buf;
}
