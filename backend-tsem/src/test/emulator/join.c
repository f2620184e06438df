/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSEM emulator: moving the writer of external/export under a seccomp listener.
 *
 * The writer P is blocked in its write() to control while the FUSE handler runs.
 * The monitor thread PTRACE_SEIZEs it and PTRACE_INTERRUPTs it there; the
 * handler then answers the write, and P stops (interrupt stop) on its way back
 * to user space, before it runs any instruction of its own. At that stop P is
 * made to run, one after the other, through the `syscall` instruction of its
 * write (the two bytes before rip):
 *
 *   prctl(PR_SET_NO_NEW_PRIVS, 1)          only if P lacks CAP_SYS_ADMIN
 *   seccomp(SECCOMP_SET_MODE_FILTER,
 *           NEW_LISTENER | WAIT_KILLABLE_RECV, &prog)  prog on P's stack
 *   close(listener)                        once we hold a copy (pidfd_getfd)
 *
 * then its registers are put back exactly as they were (so write() returns what
 * it returned) and it is detached. From then on P and all its descendants are
 * held by the filter and nothing ptraces them. Single-threaded writers only
 * (the filter is installed in one thread; see monitor.c).
 *
 * Signals that arrive during the injection are held back (their
 * signal-delivery-stops suppressed) and sent again with tgkill() just before
 * the detach, so their siginfo is the emulator's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#include "emu.h"

#if !defined(__x86_64__)
#error "the TSEM emulator supports x86_64 only"
#endif

#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif
#define X32_SYSCALL_BIT 0x40000000u
#define USER64_CS 0x33 /* cs of a 64-bit user task */
#define RED_ZONE 128

struct joiner {
	pid_t tid;
	bool dead;
	struct user_regs_struct saved; /* at the first stop: write() just returned */
	uint64_t sysaddr;              /* address of a `syscall` instruction */
	int sigs[16];                  /* signals held back during the injection */
	int nsigs;
};

/* ---------- the filter ---------- */

/* System calls that are always sent to the listener. */
static const unsigned notified[] = {
	SYS_open, SYS_openat, SYS_openat2, SYS_creat, SYS_execve, SYS_execveat, SYS_bind,
	SYS_connect, SYS_socket, SYS_kill, SYS_tkill, SYS_tgkill,
};
#define NNOTIFIED (sizeof(notified) / sizeof(notified[0]))
/* ld arch, jeq, ld nr, jge x32, NNOTIFIED jeq, jeq mmap, ld prot, jset, ld fd, jeq, 2 ret */
#define PROG_LEN (4 + NNOTIFIED + 7)

static size_t build_filter(struct sock_filter *f)
{
	const size_t notif = PROG_LEN - 2, allow = PROG_LEN - 1;
	size_t pc = 0;
#define JMP(code, k, jt, jf) \
	(f[pc] = (struct sock_filter)BPF_JUMP(code, k, (unsigned char)((jt) - pc - 1), \
					      (unsigned char)((jf) - pc - 1)), pc++)
	f[pc++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, arch));
	JMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, pc + 1, allow);
	f[pc++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, nr));
	JMP(BPF_JMP | BPF_JGE | BPF_K, X32_SYSCALL_BIT, allow, pc + 1);
	for (size_t i = 0; i < NNOTIFIED; i++)
		JMP(BPF_JMP | BPF_JEQ | BPF_K, notified[i], notif, pc + 1);
	/* mmap: only with PROT_EXEC and a file (fd, low 32 bits, != -1) */
	JMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mmap, pc + 1, allow);
	f[pc++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, args[2]));
	JMP(BPF_JMP | BPF_JSET | BPF_K, 4 /* PROT_EXEC */, pc + 1, allow);
	f[pc++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					       offsetof(struct seccomp_data, args[4]));
	JMP(BPF_JMP | BPF_JEQ | BPF_K, 0xffffffffu, allow, notif);
#undef JMP
	f[pc++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF);
	f[pc++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	return pc;
}

/* ---------- ptrace plumbing ---------- */

struct joiner *join_new(pid_t tid)
{
	if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)PTRACE_O_TRACESYSGOOD) < 0)
		return NULL;
	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0) {
		int e = errno;
		tlog("PTRACE_INTERRUPT %d: %s", (int)tid, strerror(e));
		errno = e;
		return NULL;
	}
	struct joiner *j = calloc(1, sizeof(*j));
	if (!j)
		abort();
	j->tid = tid;
	return j;
}

/* A stop that is not ours: remember a signal to send again later. */
static void hold_back(struct joiner *j, int status)
{
	int sig = WSTOPSIG(status), ev = status >> 16;
	bool stop_sig = sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
	/* signal-delivery-stop, or a group-stop (PTRACE_EVENT_STOP with a stop signal) */
	if ((ev == 0 && sig != (SIGTRAP | 0x80)) || (ev == PTRACE_EVENT_STOP && stop_sig)) {
		if (j->nsigs < (int)(sizeof(j->sigs) / sizeof(j->sigs[0])))
			j->sigs[j->nsigs++] = sig;
		tlog("join %d: signal %d held back until the join is done", (int)j->tid, sig);
	}
}

int join_stopped(struct joiner *j, int status)
{
	if (!WIFSTOPPED(status)) {
		tlog("join %d: the writer died", (int)j->tid);
		free(j);
		return -ESRCH;
	}
	hold_back(j, status);
	if (ptrace(PTRACE_GETREGS, j->tid, 0, &j->saved) < 0) {
		int e = errno;
		tlog("join %d: PTRACE_GETREGS: %s", (int)j->tid, strerror(e));
		free(j);
		return -ESRCH;
	}
	return 0;
}

/*
 * Runs one system call in the tracee through the `syscall` instruction at
 * j->sysaddr. Returns 0 with *result (the raw rax), or -ESRCH if it died.
 */
static int inject(struct joiner *j, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		  long *result)
{
	struct user_regs_struct r = j->saved;
	r.rax = (unsigned long long)nr;
	r.orig_rax = (unsigned long long)-1; /* no syscall restart logic on the way out */
	r.rdi = a0;
	r.rsi = a1;
	r.rdx = a2;
	r.r10 = r.r8 = r.r9 = 0;
	r.rip = j->sysaddr;
	if (ptrace(PTRACE_SETREGS, j->tid, 0, &r) < 0 || ptrace(PTRACE_SYSCALL, j->tid, 0, 0) < 0)
		goto dead;
	bool wrong = false;
	for (;;) {
		int st;
		pid_t p = waitpid(j->tid, &st, __WALL);
		if (p < 0 && errno == EINTR)
			continue;
		if (p < 0 || !WIFSTOPPED(st))
			goto dead;
		if (WSTOPSIG(st) == (SIGTRAP | 0x80)) {
			struct __ptrace_syscall_info si;
			memset(&si, 0, sizeof(si));
			if (ptrace(PTRACE_GET_SYSCALL_INFO, j->tid, (void *)sizeof(si), &si) <= 0)
				goto dead;
			if (si.op == PTRACE_SYSCALL_INFO_ENTRY && si.entry.nr != (uint64_t)nr) {
				tlog("join %d: entered system call %llu instead of %ld", (int)j->tid,
				     (unsigned long long)si.entry.nr, nr);
				wrong = true; /* let it finish; its result is not used */
			}
			if (si.op == PTRACE_SYSCALL_INFO_EXIT) {
				struct user_regs_struct out;
				if (ptrace(PTRACE_GETREGS, j->tid, 0, &out) < 0)
					goto dead;
				*result = wrong ? -EIO : (long)out.rax;
				return 0;
			}
		} else {
			hold_back(j, st); /* suppressed: resumed without the signal */
		}
		if (ptrace(PTRACE_SYSCALL, j->tid, 0, 0) < 0)
			goto dead;
	}
dead:
	j->dead = true;
	return -ESRCH;
}

static bool has_cap_sys_admin(pid_t tid)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strstr(buf, "\nCapEff:");
	return p && (strtoull(p + 8, NULL, 16) & (1ull << 21 /* CAP_SYS_ADMIN */));
}

static ssize_t vm_rw(pid_t tid, uint64_t addr, void *buf, size_t len, bool write)
{
	struct iovec l = {buf, len}, r = {(void *)(uintptr_t)addr, len};
	return write ? process_vm_writev(tid, &l, 1, &r, 1, 0) : process_vm_readv(tid, &l, 1, &r, 1, 0);
}

int join_install(struct joiner *j)
{
	pid_t tid = j->tid;
	if (j->saved.cs != USER64_CS) {
		tlog("join %d: not a 64-bit task", (int)tid);
		return -EPERM;
	}
	errno = 0;
	long word = ptrace(PTRACE_PEEKTEXT, tid, (void *)(uintptr_t)(j->saved.rip - 2), 0);
	if (errno || (word & 0xffff) != 0x050f) {
		tlog("join %d: no syscall instruction before rip %#llx", (int)tid, j->saved.rip);
		return -EPERM;
	}
	j->sysaddr = j->saved.rip - 2;

	long res = 0;
	if (!has_cap_sys_admin(tid)) {
		/* seccomp() needs no_new_privs without CAP_SYS_ADMIN; it stays set */
		if (inject(j, SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, &res) < 0)
			return -ESRCH;
		if (res < 0) {
			tlog("join %d: prctl(PR_SET_NO_NEW_PRIVS): %s", (int)tid, strerror((int)-res));
			return (int)res;
		}
		tlog("join %d: no_new_privs set (no CAP_SYS_ADMIN)", (int)tid);
	}

	/* the program and its sock_fprog, below the red zone of the writer's stack */
	struct {
		struct sock_filter f[PROG_LEN];
		struct sock_fprog fp;
	} img;
	memset(&img, 0, sizeof(img));
	size_t n = build_filter(img.f);
	uint64_t addr = (j->saved.rsp - RED_ZONE - sizeof(img)) & ~15ull;
	unsigned char above[sizeof(img)];
	bool restore_above = false;
	img.fp.len = (unsigned short)n;
	img.fp.filter = (struct sock_filter *)(uintptr_t)(addr + offsetof(__typeof__(img), f));
	if (vm_rw(tid, addr, &img, sizeof(img), true) != (ssize_t)sizeof(img)) {
		/*
		 * Not mapped (process_vm_writev does not grow a stack): borrow the
		 * live bytes above rsp instead, and put them back afterwards.
		 */
		addr = (j->saved.rsp + 15) & ~15ull;
		img.fp.filter = (struct sock_filter *)(uintptr_t)(addr + offsetof(__typeof__(img), f));
		if (vm_rw(tid, addr, above, sizeof(above), false) != (ssize_t)sizeof(above) ||
		    vm_rw(tid, addr, &img, sizeof(img), true) != (ssize_t)sizeof(img)) {
			tlog("join %d: cannot write the filter into its stack: %s", (int)tid,
			     strerror(errno));
			return -EPERM;
		}
		restore_above = true;
	}
	uint64_t fprog = addr + offsetof(__typeof__(img), fp);
	int rc = inject(j, SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV,
			fprog, &res);
	if (rc == 0 && res == -EINVAL) /* a kernel before 5.19 */
		rc = inject(j, SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER,
			    fprog, &res);
	if (restore_above && rc == 0)
		vm_rw(tid, addr, above, sizeof(above), true);
	if (rc < 0)
		return -ESRCH;
	if (res < 0) {
		/* EBUSY: it already has a listening filter (another supervisor) */
		tlog("join %d: seccomp(): %s", (int)tid, strerror((int)-res));
		return res == -EBUSY ? -EBUSY : -EPERM;
	}
	int tracee_fd = (int)res;

	int pfd = (int)syscall(SYS_pidfd_open, tid, 0);
	int lfd = pfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pfd, tracee_fd, 0) : -1;
	int e = errno;
	if (pfd >= 0)
		close(pfd);
	if (inject(j, SYS_close, tracee_fd, 0, 0, &res) < 0) {
		if (lfd >= 0)
			close(lfd);
		return -ESRCH;
	}
	if (lfd < 0) {
		/* its filtered system calls now fail with ENOSYS: nobody listens */
		tlog("join %d: pidfd_getfd of the listener: %s", (int)tid, strerror(e));
		return -EPERM;
	}
	tlog("join %d: filter installed (%zu instructions), listener %d", (int)tid, n, lfd);
	return lfd;
}

void join_detach(struct joiner *j, int err)
{
	if (!j->dead) {
		struct user_regs_struct r = j->saved;
		if (err)
			r.rax = (unsigned long long)(long)-err; /* write() fails with err */
		if (ptrace(PTRACE_SETREGS, j->tid, 0, &r) < 0)
			tlog("join %d: PTRACE_SETREGS: %s", (int)j->tid, strerror(errno));
		for (int i = 0; i < j->nsigs; i++)
			syscall(SYS_tgkill, j->tid, j->tid, j->sigs[i]);
		if (ptrace(PTRACE_DETACH, j->tid, 0, 0) < 0)
			tlog("join %d: PTRACE_DETACH: %s", (int)j->tid, strerror(errno));
	}
	free(j);
}
