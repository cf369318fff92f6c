/* vmmstat: run a VMM, time its guest's boot marker and sample its memory, the same way for
 * every VMM. The VMM's console must go to its stdout.
 *   vmmstat [-o LOG] [-t SECONDS] [-w] [-q QMP-SOCKET] MARKER -- COMMAND [ARGS...]
 * Prints one line: marker_ms exit_ms status vmhwm_kb peak_rss_noshmem_kb.
 *   marker_ms  start to the first console line containing MARKER (-1: never seen)
 *   exit_ms    start to the VMM's exit
 *   vmhwm_kb   the kernel's peak resident set (VmHWM), guest RAM included
 *   peak_rss_noshmem_kb  the peak of RssAnon + RssFile: resident memory that is not
 *              shared memory; with guest RAM in a memfd (both VMMs here), the VMM's own.
 * -w: windows. A console line "BENCH NAME-start" opens window NAME, "BENCH NAME-end"
 *   closes it; for each, NAME_vol and NAME_invol: the voluntary and involuntary context
 *   switches summed over all of the VMM's threads in the window (how often its threads
 *   slept and woke, or were preempted), -1 when a thread came or went meanwhile.
 * -q: QEMU only: also NAME_exits, NAME_io_exits, NAME_mmio_exits, KVM's vCPU exit
 *   counters (all exits, in-kernel ones included) summed over vCPUs, read with QMP
 *   query-stats on that socket outside the context-switch window (asking wakes QEMU);
 *   without -w, the same counters from the start to the marker: marker_exits,
 *   marker_io_exits, marker_mmio_exits (io and mmio: the exits to the VMM). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
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

/* --- QMP: KVM's vCPU exit counters of a QEMU ------------------------------------------ */
static int qmp_fd = -1;

/* send a command, return the first reply line starting with {"return" (in buf), or NULL */
static char *qmp(const char *cmd, char *buf, size_t size)
{
	size_t n = 0;

	if (write(qmp_fd, cmd, strlen(cmd)) < 0)
		return NULL;
	for (;;) {
		char *nl;
		ssize_t r;

		while ((nl = memchr(buf, '\n', n))) {
			*nl = '\0';
			if (!strncmp(buf, "{\"return\"", 9))
				return buf;
			n -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, n);
		}
		if (n == size - 1)
			n = 0; /* an over-long line that is not ours: drop it */
		struct pollfd p = { .fd = qmp_fd, .events = POLLIN };
		if (poll(&p, 1, 5000) <= 0 || (r = read(qmp_fd, buf + n, size - 1 - n)) <= 0)
			return NULL;
		n += (size_t)r;
	}
}

static int qmp_open(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	static char buf[65536];

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if ((qmp_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -1;
	if (connect(qmp_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    !qmp("{\"execute\": \"qmp_capabilities\"}\n", buf, sizeof(buf))) {
		close(qmp_fd);
		qmp_fd = -1;
		return -1;
	}
	return 0;
}

/* the sum over vCPUs of KVM's stat NAME in a query-stats reply (-1: not in it) */
static long stat_sum(const char *reply, const char *name)
{
	char key[64];
	long sum = -1;
	const char *p = reply;

	snprintf(key, sizeof(key), "\"name\": \"%s\", \"value\": ", name);
	while ((p = strstr(p, key))) {
		p += strlen(key);
		sum = (sum < 0 ? 0 : sum) + strtol(p, NULL, 10);
	}
	return sum;
}

/* exits, io_exits, mmio_exits; -1 each when QMP does not answer */
static void kvm_exits(const char *path, long out[3])
{
	static char buf[65536];
	static const char *names[3] = { "exits", "io_exits", "mmio_exits" };
	char *reply;

	out[0] = out[1] = out[2] = -1;
	if (qmp_fd < 0 && qmp_open(path))
		return;
	reply = qmp("{\"execute\": \"query-stats\", \"arguments\": {\"target\": \"vcpu\", "
		    "\"providers\": [{\"provider\": \"kvm\", \"names\": [\"exits\", "
		    "\"io_exits\", \"mmio_exits\"]}]}}\n", buf, sizeof(buf));
	if (!reply)
		return;
	for (int i = 0; i < 3; i++)
		out[i] = stat_sum(reply, names[i]);
}

/* --- windows between console markers ------------------------------------------------------ */
#define MAX_WINDOWS 8
static struct window {
	char name[24];
	long vol, invol, exits[3];
	int threads, open, closed;
} windows[MAX_WINDOWS];

static void console_line(pid_t pid, const char *line, const char *qmp_path)
{
	char name[24], what[8];
	struct window *w = NULL;
	long vol, invol, ex[3] = { -1, -1, -1 };
	int threads, i;

	if (sscanf(line, "BENCH %23[a-z0-9_]-%7[a-z]", name, what) != 2 ||
	    (strcmp(what, "start") && strcmp(what, "end")))
		return;
	for (i = 0; i < MAX_WINDOWS && windows[i].name[0]; i++)
		if (!strcmp(windows[i].name, name))
			w = &windows[i];
	if (!strcmp(what, "start")) {
		if (w || i == MAX_WINDOWS)
			return;
		w = &windows[i];
		snprintf(w->name, sizeof(w->name), "%s", name);
		if (qmp_path)
			kvm_exits(qmp_path, w->exits);
		w->open = !ctx_switches(pid, &w->vol, &w->invol, &w->threads);
		return;
	}
	if (!w || !w->open || w->closed)
		return;
	w->closed = 1;
	if (ctx_switches(pid, &vol, &invol, &threads) || threads != w->threads)
		w->vol = w->invol = -1;
	else
		w->vol = vol - w->vol, w->invol = invol - w->invol;
	if (qmp_path)
		kvm_exits(qmp_path, ex);
	for (i = 0; i < 3; i++)
		w->exits[i] = ex[i] >= 0 && w->exits[i] >= 0 ? ex[i] - w->exits[i] : -1;
}

int main(int argc, char **argv)
{
	const char *qmp_path = NULL;
	int use_windows = 0;
	char linebuf[512];
	size_t linelen = 0;
	const char *log = NULL, *marker;
	double t0, t_marker = -1, t_exit;
	long hwm = 0, peak = 0, timeout = 120, marker_exits[3] = { -1, -1, -1 };
	char buf[4096], tail[8192] = "";
	int pfd[2], status = -1, c, logfd = -1;
	pid_t pid;

	while ((c = getopt(argc, argv, "+o:t:wq:")) != -1) {
		if (c == 'w')
			use_windows = 1;
		else if (c == 'q')
			qmp_path = optarg;
		else if (c == 'o')
			log = optarg;
		else if (c == 't')
			timeout = atol(optarg);
		else
			return 2;
	}
	if (argc - optind < 3 || strcmp(argv[optind + 1], "--")) {
		fprintf(stderr, "usage: vmmstat [-o LOG] [-t SECONDS] [-w] [-q QMP-SOCKET] MARKER -- COMMAND [ARGS...]\n");
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
			if (t_marker < 0 && strstr(tail, marker)) {
				t_marker = now_ms() - t0;
				if (qmp_path && !use_windows)
					kvm_exits(qmp_path, marker_exits);
			}
			for (ssize_t k = 0; use_windows && k < n; k++) {
				if (buf[k] == '\n' || buf[k] == '\r') {
					linebuf[linelen] = '\0';
					console_line(pid, linebuf, qmp_path);
					linelen = 0;
				} else if (linelen < sizeof(linebuf) - 1) {
					linebuf[linelen++] = buf[k];
				}
			}
			if (strlen(tail) > sizeof(tail) / 2)
				memmove(tail, tail + strlen(tail) - 256, 257);
		}
	}
	waitpid(pid, &status, 0);
	t_exit = now_ms() - t0;
	printf("marker_ms=%.0f exit_ms=%.0f status=%d vmhwm_kb=%ld peak_rss_noshmem_kb=%ld",
	       t_marker, t_exit, WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
	       hwm, peak);
	if (qmp_path && !use_windows)
		printf(" marker_exits=%ld marker_io_exits=%ld marker_mmio_exits=%ld", marker_exits[0],
		       marker_exits[1], marker_exits[2]);
	for (int i = 0; i < MAX_WINDOWS && windows[i].name[0]; i++) {
		struct window *w = &windows[i];

		if (!w->closed)
			continue;
		printf(" %s_vol=%ld %s_invol=%ld", w->name, w->vol, w->name, w->invol);
		if (qmp_path)
			printf(" %s_exits=%ld %s_io_exits=%ld %s_mmio_exits=%ld", w->name, w->exits[0],
			       w->name, w->exits[1], w->name, w->exits[2]);
	}
	printf("\n");
	return 0;
}
