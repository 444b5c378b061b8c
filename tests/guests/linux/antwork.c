// SPDX-License-Identifier: GPL-2.0
/*
 * antwork: the Linux guest's side of issue 14 (init runs it with
 * kvmini.init=antfarm).  Two parts:
 *
 * "antwork work N": N processes, one every 300 ms, each living 2 to 4 s:
 * plain forks, forks that run three threads (one process all the same),
 * and posix_spawn()s of this program (glibc spawns with vfork semantics,
 * so no copy of the parent's address space is ever loaded).  Every 1 s a
 * thread of the parent lists the processes that have an mm (a VmSize line
 * in /proc/PID/status): that list is the ground truth the tool's view is
 * scored against.  Each child says when it starts and when it is about to
 * exit, with the guest's TSC, so that the test can tell which CR3 key is
 * whose and how long the tool took to see it gone.  Lines:
 *   antfarm-clock TSC NS         (the TSC against CLOCK_MONOTONIC)
 *   antfarm-window begin|end TSC
 *   antfarm-born PID TSC
 *   antfarm-gone PID TSC
 *   antfarm-truth TSC0 TSC1 PID...  (the scan ran from TSC0 to TSC1)
 *
 * "antwork bench": the overhead figures, nanoseconds per operation, the
 * median of three rounds:
 *   antfarm-bench getppid|fork_exit|file NS
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

extern char **environ;

static volatile int stop;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void sleep_ms(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts))
		;
}

/* One write per line: the console's lines do not interleave. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	char buf[4096];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(1, buf, n) != n)
		exit(3);
}

static int has_mm(const char *pid)
{
	char path[300], buf[2048];
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	return strstr(buf, "\nVmSize:") != NULL;
}

static void truth(void)
{
	char line[4000];
	struct dirent *d;
	uint64_t t0 = __rdtsc();
	DIR *dir = opendir("/proc");
	size_t len = 0;

	if (!dir)
		exit(3);
	while ((d = readdir(dir)) && len < sizeof(line) - 16) {
		if (d->d_name[0] < '1' || d->d_name[0] > '9' || !has_mm(d->d_name))
			continue;
		len += snprintf(line + len, sizeof(line) - len, " %s", d->d_name);
	}
	closedir(dir);
	line[len] = 0;
	say("antfarm-truth %llu %llu%s", (unsigned long long)t0,
	    (unsigned long long)__rdtsc(), line);
}

static void *sampler(void *arg)
{
	(void)arg;
	while (!stop) {
		truth();
		sleep_ms(1000);
	}
	return NULL;
}

static void *idle_thread(void *arg)
{
	sleep_ms((unsigned int)(uintptr_t)arg);
	return NULL;
}

/* A child's life: @threads threads (0: just this one) for @ms. */
static void live(unsigned int ms, int threads)
{
	pthread_t t[3];
	char *mem = malloc(1 << 20);
	int i;

	say("antfarm-born %d %llu", getpid(), (unsigned long long)__rdtsc());
	if (mem)
		memset(mem, 1, 1 << 20);
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, idle_thread, (void *)(uintptr_t)ms);
	if (!threads)
		sleep_ms(ms);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	say("antfarm-gone %d %llu", getpid(), (unsigned long long)__rdtsc());
	_exit(0);
}

static void clock_line(void)
{
	say("antfarm-clock %llu %llu", (unsigned long long)__rdtsc(), (unsigned long long)now_ns());
}

static int work(unsigned int n)
{
	pthread_t s;
	unsigned int i, left = n;

	clock_line();
	say("antfarm-window begin %llu", (unsigned long long)__rdtsc());
	pthread_create(&s, NULL, sampler, NULL);
	for (i = 0; i < n; i++) {
		unsigned int ms = 2000 + (i * 7919) % 2000;
		char arg[16];
		pid_t pid;

		snprintf(arg, sizeof(arg), "%u", ms);
		if (i % 3 == 2) {
			char *argv[] = { "antwork", "child", arg, NULL };

			if (posix_spawn(&pid, "/proc/self/exe", NULL, NULL, argv, environ))
				return 3;
		} else {
			pid = fork();
			if (pid < 0)
				return 3;
			if (!pid)
				live(ms, i % 3 == 1 ? 3 : 0);
		}
		sleep_ms(300);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			left--;
	}
	while (left && waitpid(-1, NULL, 0) > 0)
		left--;
	/* One more scan, with every child gone. */
	sleep_ms(1000);
	stop = 1;
	pthread_join(s, NULL);
	truth();
	say("antfarm-window end %llu", (unsigned long long)__rdtsc());
	clock_line();
	return 0;
}

#define REPS	3

/* One round of @op, in nanoseconds per operation; 0 if it failed. */
static uint64_t once(int op, char *buf, size_t size)
{
	unsigned int i, n, ops = op == 0 ? 20000 : op == 1 ? 200 : 2000;
	uint64_t t0 = now_ns();

	for (n = 0; n < ops; n++) {
		if (op == 0) {
			syscall(SYS_getppid);
		} else if (op == 1) {
			pid_t pid = fork();

			if (pid < 0)
				return 0;
			if (!pid)
				_exit(0);
			waitpid(pid, NULL, 0);
		} else {
			int fd = open("/tmp/antwork.dat", O_CREAT | O_TRUNC | O_RDWR, 0600);

			if (fd < 0)
				return 0;
			for (i = 0; i < 4; i++)
				if (write(fd, buf, size) != (ssize_t)size)
					return 0;
			if (pread(fd, buf, size, size) != (ssize_t)size)
				return 0;
			close(fd);
			unlink("/tmp/antwork.dat");
		}
	}
	return (now_ns() - t0) / ops;
}

/* The median of REPS rounds of each: the guest's clock has its jitter. */
static int bench(void)
{
	static const char *const names[] = { "getppid", "fork_exit", "file" };
	uint64_t r[REPS], v;
	char buf[4096];
	int op, i, j;

	memset(buf, 7, sizeof(buf));
	for (op = 0; op < 3; op++) {
		for (i = 0; i < REPS; i++) {
			v = once(op, buf, sizeof(buf));
			if (!v)
				return 3;
			for (j = i; j > 0 && r[j - 1] > v; j--)
				r[j] = r[j - 1];
			r[j] = v;
		}
		say("antfarm-bench %s %llu", names[op], (unsigned long long)r[REPS / 2]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "work"))
		return work(atoi(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "child"))
		live(atoi(argv[2]), 0);
	if (argc == 2 && !strcmp(argv[1], "bench"))
		return bench();
	fprintf(stderr, "usage: antwork work N | child MS | bench\n");
	return 2;
}
