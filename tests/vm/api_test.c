// SPDX-License-Identifier: GPL-2.0
/*
 * api_test DEV LABEL: the system and VM ioctls of the foundation, with
 * good and bad arguments.  The expectations are KVM's, so the same
 * program runs on /dev/kvm to prove they are (LABEL names the device in
 * the result lines).
 */
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "ktest.h"

static void test_system(int sys)
{
	long size;

	KTEST_CHECK("api_version", ioctl(sys, KVM_GET_API_VERSION, 0) == KVM_API_VERSION);
	KTEST_ERRNO("api_version_arg", ioctl(sys, KVM_GET_API_VERSION, 1), EINVAL);

	size = ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 0);
	KTEST_CHECK("mmap_size", size >= (long)sizeof(struct kvm_run) &&
		    size % getpagesize() == 0);
	KTEST_ERRNO("mmap_size_arg", ioctl(sys, KVM_GET_VCPU_MMAP_SIZE, 1), EINVAL);

	KTEST_CHECK("check_extension_unknown", ioctl(sys, KVM_CHECK_EXTENSION, 0x7fffffff) == 0);
	KTEST_CHECK("check_extension_vm", ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) == 1);
	/* Issue 12: what a KVM selftest's VM creation asks for (vcpu_api_test uses them). */
	KTEST_CHECK("check_extension_mp_state",
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MP_STATE) == 1);
	KTEST_CHECK("check_extension_set_boot_cpu_id",
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_SET_BOOT_CPU_ID) == 1);
	KTEST_CHECK("check_extension_nr_mmu_pages",
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MMU_SHADOW_CACHE_CONTROL) == 1);
	KTEST_CHECK("check_extension_enable_cap_vm",
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_ENABLE_CAP_VM) == 1);
	KTEST_CHECK("check_extension_max_vcpu_id",
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPU_ID) >=
		    ioctl(sys, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS));

	KTEST_ERRNO("unknown_system_ioctl", ioctl(sys, _IO(KVMIO, 0xfe), 0), EINVAL);
	KTEST_ERRNO("foreign_system_ioctl", ioctl(sys, TCGETS, 0), EINVAL);
	KTEST_ERRNO("create_vm_bad_type", ioctl(sys, KVM_CREATE_VM, 0x7f), EINVAL);
}

static void test_vm(int sys)
{
	int vm = ioctl(sys, KVM_CREATE_VM, 0);
	int status;
	pid_t pid;

	if (vm < 0) {
		ktest_fail("create_vm", "KVM_CREATE_VM: %s", strerrorname_np(errno));
		return;
	}
	ktest_pass("create_vm");
	KTEST_CHECK("vm_fd_cloexec", fcntl(vm, F_GETFD) & FD_CLOEXEC);
	KTEST_CHECK("vm_check_extension", ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM) == 1);
	KTEST_CHECK("vm_check_extension_mp_state",
		    ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_MP_STATE) == 1);
	KTEST_CHECK("vm_check_extension_enable_cap_vm",
		    ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_ENABLE_CAP_VM) == 1);
	KTEST_ERRNO("unknown_vm_ioctl", ioctl(vm, _IO(KVMIO, 0xfe), 0), ENOTTY);

	/* A VM belongs to the process (mm) that created it. */
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int r = ioctl(vm, KVM_CHECK_EXTENSION, KVM_CAP_CHECK_EXTENSION_VM);

		_exit(r == -1 && errno == EIO ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	KTEST_CHECK("vm_fd_other_process_eio", WIFEXITED(status) && WEXITSTATUS(status) == 0);

	/* Two VMs at once, closed in creation order. */
	{
		int vm2 = ioctl(sys, KVM_CREATE_VM, 0);

		KTEST_CHECK("second_vm", vm2 >= 0);
		if (vm2 >= 0)
			close(vm2);
	}
	KTEST_CHECK("close_vm", close(vm) == 0);
}

/* Root-only: an unprivileged process must be refused at open(). */
static void test_permissions(const char *path)
{
	struct stat st;
	int status;
	pid_t pid;

	if (stat(path, &st)) {
		ktest_fail("node_mode", "stat: %s", strerrorname_np(errno));
		return;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) || setuid(65534))
			_exit(2);
		_exit(open(path, O_RDWR) < 0 && errno == EACCES ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	KTEST_CHECK("nobody_refused", WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (strcmp(path, "/dev/kvmini"))
		return;
	/* /dev/kvm's mode is udev's business; /dev/kvmini's is ours. */
	KTEST_CHECK("node_mode_0600", (st.st_mode & 0777) == 0600 && st.st_uid == 0);
}

int main(int argc, char **argv)
{
	static char prefix[64];
	int sys;

	if (argc != 3) {
		fprintf(stderr, "usage: api_test DEV LABEL\n");
		return 2;
	}
	snprintf(prefix, sizeof(prefix), "api.%s.", argv[2]);
	ktest_set_prefix(prefix);

	sys = open(argv[1], O_RDWR);
	if (sys < 0) {
		ktest_fail("open", "%s: %s", argv[1], strerrorname_np(errno));
		return ktest_exit();
	}
	test_system(sys);
	test_vm(sys);
	test_permissions(argv[1]);
	close(sys);
	return ktest_exit();
}
