// SPDX-License-Identifier: GPL-2.0
/*
 * vmctl: the VM life cycle from the shell, for the in-VM test scripts,
 * on /dev/kvmini or /dev/kvm alike.
 *   vmctl create DEV        create a VM and close it; prints the errno name on failure
 *   vmctl hold DEV          create a VM, print "held", keep it until SIGTERM/SIGINT
 *   vmctl cycles DEV N      N create/close cycles
 * Exit status: 0 on success, 1 on failure (after one line saying why).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/kvm.h>

static int open_dev(const char *path)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0) {
		printf("vmctl: %s: %s\n", path, strerrorname_np(errno));
		exit(1);
	}
	return fd;
}

static int create_vm(int sys)
{
	int vm = ioctl(sys, KVM_CREATE_VM, 0);

	if (vm < 0) {
		printf("vmctl: KVM_CREATE_VM: %s\n", strerrorname_np(errno));
		exit(1);
	}
	return vm;
}

static void on_signal(int sig)
{
	(void)sig;
}

int main(int argc, char **argv)
{
	int sys, vm;

	if (argc < 3) {
		fprintf(stderr, "usage: vmctl create|hold|cycles DEV [N]\n");
		return 2;
	}
	sys = open_dev(argv[2]);

	if (!strcmp(argv[1], "create")) {
		close(create_vm(sys));
		return 0;
	}
	if (!strcmp(argv[1], "hold")) {
		sigset_t set;

		signal(SIGTERM, on_signal);
		signal(SIGINT, on_signal);
		vm = create_vm(sys);
		printf("held\n");
		fflush(stdout);
		sigemptyset(&set);
		sigsuspend(&set);
		close(vm);
		return 0;
	}
	if (!strcmp(argv[1], "cycles") && argc == 4) {
		long i, n = strtol(argv[3], NULL, 0);

		for (i = 0; i < n; i++)
			close(create_vm(sys));
		return 0;
	}
	fprintf(stderr, "vmctl: unknown command %s\n", argv[1]);
	return 2;
}
