/* vmmstat: run a VMM, time its guest's boot marker and sample its memory, the same way for
 * every VMM. The VMM's console must go to its stdout.
 *   vmmstat [-o LOG] [-t SECONDS] [-c START,END] MARKER -- COMMAND [ARGS...]
 * Prints one line: marker_ms exit_ms status vmhwm_kb peak_rss_noshmem_kb, and with -c
 * ctx_vol ctx_invol threads: the voluntary and involuntary context switches, summed over
 * all of the VMM's threads, between the console lines containing START and END: how often
 * the VMM's threads slept and woke (voluntary) or were preempted (involuntary) meanwhile.
 *   marker_ms  start to the first console line containing MARKER (-1: never seen)
 *   exit_ms    start to the VMM's exit
 *   vmhwm_kb   the kernel's peak resident set (VmHWM), guest RAM included
 *   peak_rss_noshmem_kb  the peak of RssAnon + RssFile: resident memory that is not
 *              shared memory; with guest RAM in a memfd (both VMMs here), the VMM's own. */
#include <dirent.h>
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

/* voluntary and involuntary context switches, summed over all threads of pid (which
 * *threads counts); returns 0, or -1 when the process is gone */
static int ctx_switches(pid_t pid, long *vol, long *invol, int *threads)
{
	char path[64], line[256];
	long v;
	FILE *f;

	*threads = 0;
	*vol = *invol = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%.16s/status", (int)pid, e->d_name);
		if (!(f = fopen(path, "re")))
			continue;
		(*threads)++;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "voluntary_ctxt_switches: %ld", &v) == 1)
				*vol += v;
			else if (sscanf(line, "nonvoluntary_ctxt_switches: %ld", &v) == 1)
				*invol += v;
		fclose(f);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	char *cstart = NULL, *cend = NULL;
	long v0 = 0, i0 = 0, v1 = 0, i1 = 0;
	int have0 = 0, have1 = 0, threads = 0, threads0 = 0;
	const char *log = NULL, *marker;
	double t0, t_marker = -1, t_exit;
	long hwm = 0, peak = 0, timeout = 120;
	char buf[4096], tail[8192] = "";
	int pfd[2], status = -1, c, logfd = -1;
	pid_t pid;

	while ((c = getopt(argc, argv, "+o:t:c:")) != -1) {
		if (c == 'c' && (cend = strchr(optarg, ','))) {
			*cend++ = '\0';
			cstart = optarg;
		} else if (c == 'o')
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
			if (cstart && !have0 && strstr(tail, cstart))
				have0 = !ctx_switches(pid, &v0, &i0, &threads0);
			if (cstart && have0 && !have1 && strstr(tail, cend))
				have1 = !ctx_switches(pid, &v1, &i1, &threads);
			if (strlen(tail) > sizeof(tail) / 2)
				memmove(tail, tail + strlen(tail) - 256, 257);
		}
	}
	waitpid(pid, &status, 0);
	t_exit = now_ms() - t0;
	printf("marker_ms=%.0f exit_ms=%.0f status=%d vmhwm_kb=%ld peak_rss_noshmem_kb=%ld",
	       t_marker, t_exit, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       hwm, peak);
	/* both samples must see the same threads, or a thread came or went in between */
	if (cstart && have0 && have1 && threads == threads0)
		printf(" ctx_vol=%ld ctx_invol=%ld threads=%d", v1 - v0, i1 - i0, threads);
	else if (cstart)
		printf(" ctx_vol=-1 ctx_invol=-1 threads=%d", threads);
	printf("\n");
	return 0;
}
