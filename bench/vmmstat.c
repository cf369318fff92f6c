/* vmmstat: run a VMM, time its guest's boot marker and sample its memory, the same way for
 * every VMM. The VMM's console must go to its stdout.
 *   vmmstat [-o LOG] [-t SECONDS] MARKER -- COMMAND [ARGS...]
 * Prints one line: marker_ms exit_ms status vmhwm_kb peak_rss_noshmem_kb.
 *   marker_ms  start to the first console line containing MARKER (-1: never seen)
 *   exit_ms    start to the VMM's exit
 *   vmhwm_kb   the kernel's peak resident set (VmHWM), guest RAM included
 *   peak_rss_noshmem_kb  the peak of RssAnon + RssFile: resident memory that is not
 *              shared memory; with guest RAM in a memfd (both VMMs here), the VMM's own. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sample(pid_t pid, long *hwm, long *peak)
{
	char path[64], line[256];
	long anon = -1, file = -1, v;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (!(f = fopen(path, "re")))
		return;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "VmHWM: %ld", &v) == 1 && v > *hwm)
			*hwm = v;
		sscanf(line, "RssAnon: %ld", &anon);
		sscanf(line, "RssFile: %ld", &file);
	}
	fclose(f);
	if (anon >= 0 && file >= 0 && anon + file > *peak)
		*peak = anon + file;
}

int main(int argc, char **argv)
{
	const char *log = NULL, *marker;
	double t0, t_marker = -1, t_exit;
	long hwm = 0, peak = 0, timeout = 120;
	char buf[4096], tail[8192] = "";
	int pfd[2], status = -1, c, logfd = -1;
	pid_t pid;

	while ((c = getopt(argc, argv, "+o:t:")) != -1) {
		if (c == 'o')
			log = optarg;
		else if (c == 't')
			timeout = atol(optarg);
		else
			return 2;
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--")) {
		fprintf(stderr, "usage: vmmstat [-o LOG] [-t SECONDS] MARKER -- COMMAND [ARGS...]\n");
		return 2;
	}
	marker = argv[optind];
	if (log && (logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
		return perror(log), 1;
	if (pipe(pfd))
		return perror("pipe"), 1;
	t0 = now_ms();
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_RDONLY);

		dup2(null, 0);
		dup2(pfd[1], 1);
		close(pfd[0]);
		execvp(argv[optind + 2], argv + optind + 2);
		perror(argv[optind + 2]);
		_exit(127);
	}
	close(pfd[1]);
	for (;;) {
		struct pollfd p = { .fd = pfd[0], .events = POLLIN };
		int r = poll(&p, 1, 5);

		sample(pid, &hwm, &peak);
		if (now_ms() - t0 > timeout * 1e3) {
			kill(pid, SIGKILL);
			break;
		}
		if (r > 0) {
			ssize_t n = read(pfd[0], buf, sizeof(buf) - 1);

			if (n <= 0)
				break;
			if (logfd >= 0 && write(logfd, buf, (size_t)n) < 0)
				logfd = -1;
			buf[n] = '\0';
			/* keep a tail so a marker split across reads is still found */
			strncat(tail, buf, sizeof(tail) - strlen(tail) - 1);
			if (t_marker < 0 && strstr(tail, marker))
				t_marker = now_ms() - t0;
			if (strlen(tail) > sizeof(tail) / 2)
				memmove(tail, tail + strlen(tail) - 256, 257);
		}
	}
	waitpid(pid, &status, 0);
	t_exit = now_ms() - t0;
	printf("marker_ms=%.0f exit_ms=%.0f status=%d vmhwm_kb=%ld peak_rss_noshmem_kb=%ld\n",
	       t_marker, t_exit, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       hwm, peak);
	return 0;
}
