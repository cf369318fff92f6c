/* Reading a boot config file: a .dtb as it is, a .dts through dtc (its messages, with line
 * numbers, go straight to the user's stderr). Both are capped at BOOTCFG_MAX_SIZE. */
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "vmm/bootcfg.h"
#include "vmm/err.h"
#include "vmm/util.h"

extern char **environ;

/* Reads fd to its end into a new buffer; -EFBIG past the cap. */
static int slurp(int fd, char **out, size_t *len)
{
	size_t n = 0, cap = 4096;
	char *b = malloc(cap), *nb;
	ssize_t r;

	if (!b)
		return -ENOMEM;
	for (;;) {
		if (n == cap) {
			if (cap > BOOTCFG_MAX_SIZE) {
				free(b);
				return -EFBIG;
			}
			if (!(nb = realloc(b, cap * 2))) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			r = -errno;
			free(b);
			return (int)r;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	*out = b;
	*len = n;
	return 0;
}

static int compile_dts(const char *path, char **blob, size_t *len)
{
	char arg[4096]; /* "./" before a name that dtc would take for an option */
	char *argv[] = { "dtc", "-q", "-I", "dts", "-O", "dtb", "-o", "-", arg, NULL };
	posix_spawn_file_actions_t fa;
	int p[2], r, status;
	pid_t pid;

	if (path_fmt(arg, sizeof(arg), "%s%s", path[0] == '-' ? "./" : "", path) < 0)
		return err_msg(ENAMETOOLONG, "config %s: the path is too long", path);

	if (pipe2(p, O_CLOEXEC) < 0)
		return err_errno(errno, "config %s: pipe", path);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	r = posix_spawnp(&pid, "dtc", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (r) {
		close(p[0]);
		if (r == ENOENT)
			return err_msg(ENOENT, "config %s: compiling a .dts needs dtc (apt-get install "
					       "device-tree-compiler), or give a compiled .dtb", path);
		return err_errno(r, "config %s: run dtc", path);
	}
	r = slurp(p[0], blob, len);
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (r == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
		free(*blob);
		return err_msg(EINVAL, "config %s: dtc could not compile it (its messages are above)",
			       path);
	}
	if (r == -EFBIG)
		return err_msg(EFBIG, "config %s: too large for a boot config", path);
	return r < 0 ? err_errno(r, "config %s: read dtc's output", path) : 0;
}

static int read_dtb(const char *path, char **blob, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		return err_errno(errno, "config %s", path);
	r = slurp(fd, blob, len);
	close(fd);
	if (r == -EFBIG)
		return err_msg(EFBIG, "config %s: larger than %u bytes: not a boot config", path,
			       BOOTCFG_MAX_SIZE);
	return r < 0 ? err_errno(r, "config %s", path) : 0;
}

int bootcfg_load(struct vm_config *cfg, const char *path, char *const *sets, int nsets)
{
	size_t n = strlen(path), len;
	char *blob;
	int r;

	if (n > 4 && !strcmp(path + n - 4, ".dts"))
		r = access(path, R_OK) < 0 ? err_errno(errno, "config %s", path)
					   : compile_dts(path, &blob, &len);
	else
		r = read_dtb(path, &blob, &len);
	if (r < 0)
		return r;
	r = bootcfg_parse(cfg, blob, len, path, sets, nsets);
	free(blob);
	return r;
}
