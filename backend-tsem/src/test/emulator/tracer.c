/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSEM emulator: the tracer thread. It is the only thread that calls ptrace.
 *
 * Tasks of a namespace are traced with PTRACE_SEIZE and stopped at every
 * system call (PTRACE_SYSCALL). The modeled calls (file_open, exec,
 * socket_create/bind/connect, task_kill) queue a record; in an external
 * namespace the task is then simply left in its ptrace-stop until the
 * orchestrator writes trusted/untrusted, so it really sleeps in the kernel.
 * x86_64 only (registers are changed to deny a call).
 *
 * The FUSE threads talk to this thread through a request list plus an
 * eventfd; stops are noticed through a signalfd for SIGCHLD (blocked in
 * every thread of the emulator) and reaped with waitpid(-1, __WALL|WNOHANG).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ptrace.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <netinet/in.h>

#include "emu.h"

#if !defined(__x86_64__)
#error "the TSEM emulator's tracer supports x86_64 only"
#endif

#ifndef SO_DOMAIN
#define SO_DOMAIN 39
#endif
#ifndef SO_PROTOCOL
#define SO_PROTOCOL 38
#endif

#define TRACE_OPTS (PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | \
		    PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC | PTRACE_O_TRACEEXIT)

/* flags of the kernel's open_exec(): O_RDONLY | O_LARGEFILE | __FMODE_EXEC */
#define EXEC_OPEN_FLAGS 32800u

enum { P_NONE, P_OPEN, P_DENY };            /* task->pending */
enum { UA_NONE, UA_LOG, UA_DENY };          /* what an untrusted task gets */
enum { RQ_SEIZE, RQ_RELEASE };

struct treq {
	struct treq *next;
	int type;
	pid_t pid;        /* SEIZE: tgid; RELEASE: target tid */
	pid_t writer;     /* tgid of the writer of the command */
	pid_t orch;
	struct ns *ns;
	bool untrusted;
	unsigned char key[MAX_DIGEST];
	size_t keylen;
	unsigned long long tnum;
	int result;
	bool done;
};

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
struct task *g_tasks;

static pthread_cond_t rq_cv = PTHREAD_COND_INITIALIZER;
static struct treq *rq_head, *rq_tail;
static int evfd = -1, sigfd = -1;
static pthread_t tracer_tid;
static bool tracer_running, tracer_exiting;
static unsigned long long next_tnum = 1;

/* ---------- task table (g_lock held) ---------- */

struct task *task_find(pid_t tid)
{
	for (struct task *t = g_tasks; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

static struct task *task_add(pid_t tid)
{
	struct task *t = calloc(1, sizeof(*t));
	if (!t)
		abort();
	t->tid = tid;
	t->tgid = tid;
	t->next = g_tasks;
	g_tasks = t;
	return t;
}

static void task_remove(struct task *t)
{
	for (struct task **pp = &g_tasks; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t);
			return;
		}
	}
}

/* ---------- requests from the FUSE threads ---------- */

static int post(struct treq *r)
{
	pthread_mutex_lock(&g_lock);
	if (!tracer_running || tracer_exiting) {
		pthread_mutex_unlock(&g_lock);
		return EIO;
	}
	if (rq_tail)
		rq_tail->next = r;
	else
		rq_head = r;
	rq_tail = r;
	pthread_mutex_unlock(&g_lock);
	uint64_t one = 1;
	if (write(evfd, &one, sizeof(one)) < 0)
		tlog("eventfd write: %s", strerror(errno));
	pthread_mutex_lock(&g_lock);
	while (!r->done)
		pthread_cond_wait(&rq_cv, &g_lock);
	pthread_mutex_unlock(&g_lock);
	return r->result;
}

int tracer_seize(pid_t tgid, struct ns *ns, pid_t orch)
{
	struct treq r = {.type = RQ_SEIZE, .pid = tgid, .ns = ns, .orch = orch};
	return post(&r);
}

int tracer_release(pid_t writer, pid_t pid, bool untrusted, const unsigned char *key,
		   size_t keylen, unsigned long long tnum)
{
	struct treq r = {.type = RQ_RELEASE, .pid = pid, .writer = writer,
			 .untrusted = untrusted, .tnum = tnum, .keylen = keylen};
	if (keylen > sizeof(r.key))
		return EINVAL;
	if (keylen)
		memcpy(r.key, key, keylen);
	return post(&r);
}

/* ---------- small ptrace helpers ---------- */

static void resume(struct task *t, int sig)
{
	t->stopped = false;
	if (ptrace(PTRACE_SYSCALL, t->tid, 0, (void *)(long)sig) < 0 && errno != ESRCH)
		tlog("PTRACE_SYSCALL %d: %s", t->tid, strerror(errno));
}

static unsigned long long now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static ssize_t peek(pid_t tid, uint64_t addr, void *buf, size_t len)
{
	struct iovec l = {buf, len}, r = {(void *)(uintptr_t)addr, len};
	return process_vm_readv(tid, &l, 1, &r, 1, 0);
}

static int peek_str(pid_t tid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;
	while (got < size - 1) {
		size_t chunk = 4096 - ((addr + got) & 4095);
		if (chunk > size - 1 - got)
			chunk = size - 1 - got;
		ssize_t n = peek(tid, addr + got, buf + got, chunk);
		if (n <= 0)
			return -1;
		if (memchr(buf + got, 0, (size_t)n))
			return 0;
		got += (size_t)n;
	}
	return -1;
}

/* Make the current system call (at its entry stop) fail with EPERM. */
static void deny_at_entry(struct task *t)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &regs) < 0)
		return;
	regs.orig_rax = (unsigned long long)-1;
	regs.rax = (unsigned long long)-EPERM;
	ptrace(PTRACE_SETREGS, t->tid, 0, &regs);
	t->pending = P_DENY;
}

static void deny_at_exit(struct task *t)
{
	struct user_regs_struct regs;
	if (ptrace(PTRACE_GETREGS, t->tid, 0, &regs) < 0)
		return;
	regs.rax = (unsigned long long)-EPERM;
	ptrace(PTRACE_SETREGS, t->tid, 0, &regs);
}

/* ---------- records ---------- */

static int untrusted_action(struct task *t)
{
	pthread_mutex_lock(&g_lock);
	int a = !t->untrusted ? UA_NONE : t->ns->enforce ? UA_DENY : UA_LOG;
	pthread_mutex_unlock(&g_lock);
	return a;
}

static void emit_log(struct task *t, const char *cell, int action)
{
	char comm[64];
	read_comm(t->tid, comm, sizeof(comm));
	struct sb s = {0};
	sb_add(&s, "{\"export\": {\"type\": \"log\"}, \"log\": {\"process\": ");
	sb_json_str(&s, comm, strlen(comm));
	sb_printf(&s, ", \"event\": \"%s\", \"action\": \"%s\"}}\n", cell,
		  action == UA_DENY ? "DENY" : "LOG");
	pthread_mutex_lock(&g_lock);
	ns_queue(t->ns, s.buf, s.len);
	pthread_mutex_unlock(&g_lock);
}

/* Queue an event; returns true when the task must stay stopped (external). */
static bool emit_event(struct task *t, const char *cell, const char *cell_json,
		       unsigned long long ts)
{
	struct coe c;
	char comm[64];
	read_coe(t->tid, &c);
	read_comm(t->tid, comm, sizeof(comm));
	struct sb s = {0};

	pthread_mutex_lock(&g_lock);
	struct ns *ns = t->ns;
	bool ext = ns->external;
	unsigned long long number = ++ns->seq;
	sb_printf(&s, "{\"export\": {\"type\": \"%s\"}, \"event\": {\"pid\": \"%d\", ",
		  ext ? "event" : "async_event", (int)t->tid);
	if (cfg.syntax == SYN_TNUM)
		sb_printf(&s, "\"tnum\": \"%llu\", ", t->tnum);
	sb_printf(&s, "\"context\": \"%lu\", \"number\": \"%llu\", \"process\": ", ns->id, number);
	sb_json_str(&s, comm, strlen(comm));
	sb_printf(&s, ", \"type\": \"%s\", \"ttd\": \"%lu\", \"p_ttd\": \"%lu\", \"task_id\": ",
		  cell, t->ttd, t->p_ttd);
	sb_hex(&s, t->task_id, ns->dlen);
	sb_add(&s, ", \"p_task_id\": ");
	sb_hex(&s, t->p_task_id, ns->dlen);
	sb_printf(&s, ", \"ts\": \"%llu\"}, \"COE\": ", ts);
	sb_coe(&s, &c);
	sb_printf(&s, ", \"%s\": %s}\n", cell, cell_json);
	if (ext) {
		t->blocked = true;
		t->blocked_on = number;
	}
	tlog("event ns=%lu number=%llu pid=%d %s%s", ns->id, number, (int)t->tid, cell,
	     ext ? " (blocked)" : "");
	ns_queue(ns, s.buf, s.len);
	pthread_mutex_unlock(&g_lock);
	return ext;
}

/*
 * Common path of a modeled hook with a ready CELL: untrusted tasks get a log
 * record (and EPERM at a syscall entry when enforcing), others an event.
 * Resumes the task unless it must wait for its release.
 */
static void model(struct task *t, const char *cell, const char *cell_json, bool at_entry,
		  unsigned long long ts)
{
	int ua = untrusted_action(t);
	if (ua != UA_NONE) {
		if (ua == UA_DENY && at_entry)
			deny_at_entry(t);
		emit_log(t, cell, at_entry ? ua : UA_LOG);
		resume(t, 0);
		return;
	}
	if (!emit_event(t, cell, cell_json, ts))
		resume(t, 0);
}

/* For hooks whose CELL is costly: settle untrusted tasks before building it. */
static bool untrusted_shortcut(struct task *t, const char *cell, bool at_entry)
{
	int ua = untrusted_action(t);
	if (ua == UA_NONE)
		return false;
	if (ua == UA_DENY && at_entry)
		deny_at_entry(t);
	emit_log(t, cell, at_entry ? ua : UA_LOG);
	resume(t, 0);
	return true;
}

/* ---------- modeled system calls ---------- */

static bool is_our_file(pid_t tid, int fd)
{
	char path[96], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tid, fd);
	int f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return false;
	ssize_t n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return false;
	buf[n] = 0;
	char *p = strstr(buf, "mnt_id:");
	return p && cfg.our_mnt_id >= 0 && atoi(p + 7) == cfg.our_mnt_id;
}

static void on_open_exit(struct task *t, long fd, unsigned long long ts)
{
	if (is_our_file(t->tid, (int)fd)) {
		/*
		 * The control plane itself is not modeled: in the kernel the
		 * file_open hook runs before securityfs's open, so a task blocked
		 * there does not hold control busy; here it would.
		 */
		resume(t, 0);
		return;
	}
	if (untrusted_shortcut(t, "file_open", false))
		return;
	struct sb obj = {0};
	int rc = file_object_tracee_fd(&obj, t->ns, t->tid, (int)fd);
	if (rc != 0) {
		if (rc < 0)
			tlog("file_open pid=%d fd=%ld: no file information", (int)t->tid, fd);
		sb_free(&obj);
		resume(t, 0);
		return;
	}
	struct sb cell = {0};
	sb_printf(&cell, "{\"file\": %s}", obj.buf);
	model(t, "file_open", cell.buf, false, ts);
	sb_free(&obj);
	sb_free(&cell);
}

static void on_exec_entry(struct task *t, const struct __ptrace_syscall_info *in,
			  unsigned long long ts)
{
	bool at = in->entry.nr == SYS_execveat;
	int dirfd = at ? (int)in->entry.args[0] : AT_FDCWD;
	int flags = at ? (int)in->entry.args[4] : 0;
	char path[PATH_MAX], proc[PATH_MAX + 64], real[PATH_MAX];
	if (peek_str(t->tid, at ? in->entry.args[1] : in->entry.args[0], path, sizeof(path)) < 0) {
		resume(t, 0);
		return;
	}
	if (at && path[0] == 0 && (flags & AT_EMPTY_PATH))
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)t->tid, dirfd);
	else if (path[0] == '/')
		snprintf(proc, sizeof(proc), "/proc/%d/root%s", (int)t->tid, path);
	else if (at && dirfd != AT_FDCWD)
		snprintf(proc, sizeof(proc), "/proc/%d/fd/%d/%s", (int)t->tid, dirfd, path);
	else
		snprintf(proc, sizeof(proc), "/proc/%d/cwd/%s", (int)t->tid, path);
	struct stat st;
	if (stat(proc, &st) < 0 || !S_ISREG(st.st_mode)) {
		resume(t, 0); /* the exec fails before any hook */
		return;
	}
	if (untrusted_shortcut(t, "file_open", true))
		return;
	if (!realpath(proc, real))
		snprintf(real, sizeof(real), "%s", path);
	int fd = open(proc, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		resume(t, 0);
		return;
	}
	struct sb obj = {0}, cell = {0};
	if (file_object_local(&obj, t->ns, t->tid, fd, real, EXEC_OPEN_FLAGS) == 0) {
		sb_printf(&cell, "{\"file\": %s}", obj.buf);
		model(t, "file_open", cell.buf, true, ts);
	} else {
		resume(t, 0);
	}
	close(fd);
	sb_free(&obj);
	sb_free(&cell);
}

/* The exec committed (PTRACE_EVENT_EXEC): new TASK_ID, then mmap_file of the image. */
static void on_exec_event(struct task *t, unsigned long long ts)
{
	char proc[64], real[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)t->tid);
	ssize_t n = readlink(proc, real, sizeof(real) - 1);
	real[n > 0 ? n : 0] = 0;
	struct sb obj = {0};
	int fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || file_object_local(&obj, t->ns, t->tid, fd, real, EXEC_OPEN_FLAGS) != 0) {
		sb_free(&obj);
		sb_add(&obj, "{}");
	}
	if (fd >= 0)
		close(fd);
	struct coe c;
	read_coe(t->tid, &c);
	unsigned char id[MAX_DIGEST];
	tsem_task_id(t->ns->md, obj.buf, &c, id);
	pthread_mutex_lock(&g_lock);
	t->ttd++;
	memcpy(t->task_id, id, t->ns->dlen);
	pthread_mutex_unlock(&g_lock);

	struct sb cell = {0};
	sb_printf(&cell, "{\"file\": %s, \"prot\": \"5\", \"flags\": \"2\"}", obj.buf);
	model(t, "mmap_file", cell.buf, false, ts);
	sb_free(&obj);
	sb_free(&cell);
}

static void sb_addr(struct sb *s, const unsigned char *a, size_t len, const EVP_MD *md,
		    unsigned dlen)
{
	sa_family_t fam = 0;
	if (len >= sizeof(fam))
		memcpy(&fam, a, sizeof(fam));
	if (fam == AF_INET && len >= sizeof(struct sockaddr_in)) {
		struct sockaddr_in in;
		memcpy(&in, a, sizeof(in));
		sb_printf(s, "\"af_inet\": {\"port\": \"%u\", \"address\": \"%u\"}",
			  (unsigned)in.sin_port, (unsigned)in.sin_addr.s_addr);
	} else if (fam == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 in6;
		memcpy(&in6, a, sizeof(in6));
		sb_printf(s, "\"af_inet6\": {\"port\": \"%u\", \"flow\": \"%u\", \"scope\": \"%u\", "
			  "\"address\": ", (unsigned)in6.sin6_port, (unsigned)in6.sin6_flowinfo,
			  (unsigned)in6.sin6_scope_id);
		sb_hex(s, in6.sin6_addr.s6_addr, 16);
		sb_add(s, "}");
	} else if (fam == AF_UNIX) {
		const char *p = (const char *)a + offsetof(struct sockaddr_un, sun_path);
		size_t n = len > offsetof(struct sockaddr_un, sun_path) ?
			   len - offsetof(struct sockaddr_un, sun_path) : 0;
		char name[sizeof(((struct sockaddr_un *)0)->sun_path) + 2];
		size_t k = 0;
		if (n > 0 && p[0] == 0) { /* abstract: shown as "@name" */
			name[k++] = '@';
			for (size_t i = 1; i < n && k < sizeof(name) - 1; i++)
				name[k++] = p[i];
		} else {
			for (size_t i = 0; i < n && p[i] && k < sizeof(name) - 1; i++)
				name[k++] = p[i];
		}
		sb_add(s, "\"af_unix\": {\"address\": ");
		sb_json_str(s, name, k);
		sb_add(s, "}");
	} else {
		unsigned char d[MAX_DIGEST];
		size_t off = sizeof(sa_family_t);
		digest_buf(md, a + (len > off ? off : len), len > off ? len - off : 0, d);
		sb_add(s, "\"af_other\": {\"address\": ");
		sb_hex(s, d, dlen);
		sb_add(s, "}");
	}
}

static void on_sock_entry(struct task *t, const char *cell_name,
			  const struct __ptrace_syscall_info *in, unsigned long long ts)
{
	int fd = (int)in->entry.args[0];
	uint64_t uaddr = in->entry.args[1];
	size_t len = (size_t)(uint32_t)in->entry.args[2];
	unsigned char addr[sizeof(struct sockaddr_storage)];
	if (len > sizeof(addr))
		len = sizeof(addr);
	if (len < sizeof(sa_family_t) || peek(t->tid, uaddr, addr, len) != (ssize_t)len) {
		resume(t, 0); /* EINVAL/EFAULT before any hook */
		return;
	}
	int pfd = (int)syscall(SYS_pidfd_open, t->tgid, 0);
	int sfd = pfd >= 0 ? (int)syscall(SYS_pidfd_getfd, pfd, fd, 0) : -1;
	if (pfd >= 0)
		close(pfd);
	int dom = 0, type = 0, proto = 0;
	socklen_t sl = sizeof(int);
	bool ok = sfd >= 0 && getsockopt(sfd, SOL_SOCKET, SO_DOMAIN, &dom, &sl) == 0;
	sl = sizeof(int);
	ok = ok && getsockopt(sfd, SOL_SOCKET, SO_TYPE, &type, &sl) == 0;
	sl = sizeof(int);
	ok = ok && getsockopt(sfd, SOL_SOCKET, SO_PROTOCOL, &proto, &sl) == 0;
	if (sfd >= 0)
		close(sfd);
	if (!ok) {
		resume(t, 0); /* EBADF/ENOTSOCK before any hook */
		return;
	}
	struct sb cell = {0};
	pthread_mutex_lock(&g_lock);
	sb_printf(&cell, "{\"sock\": {\"family\": \"%d\", \"type\": \"%d\", \"protocol\": \"%d\", "
		  "\"owner\": ", dom, type & 0xf, proto);
	sb_hex(&cell, t->task_id, t->ns->dlen);
	const EVP_MD *md = t->ns->md;
	unsigned dlen = t->ns->dlen;
	pthread_mutex_unlock(&g_lock);
	sb_add(&cell, "}, \"addr\": {");
	sb_addr(&cell, addr, len, md, dlen);
	sb_add(&cell, "}}");
	model(t, cell_name, cell.buf, true, ts);
	sb_free(&cell);
}

static void on_kill_entry(struct task *t, pid_t target, int sig, unsigned long long ts)
{
	if (sig == 0 || target <= 0) { /* no hook for probes; group kills not modeled */
		resume(t, 0);
		return;
	}
	struct sb cell = {0};
	pthread_mutex_lock(&g_lock);
	struct task *tt = task_find(target);
	bool same = tt && tt->ns == t->ns;
	unsigned char zero[MAX_DIGEST] = {0};
	sb_add(&cell, "{\"target\": ");
	sb_hex(&cell, tt && tt->ns ? tt->task_id : zero, t->ns->dlen);
	sb_printf(&cell, ", \"sig\": \"%d\", \"cross_ns\": \"%d\"}", sig, same ? 0 : 1);
	pthread_mutex_unlock(&g_lock);
	model(t, "task_kill", cell.buf, true, ts);
	sb_free(&cell);
}

static void on_syscall_stop(struct task *t)
{
	struct __ptrace_syscall_info in;
	unsigned long long ts = now_ns();
	memset(&in, 0, sizeof(in));
	if (ptrace(PTRACE_GET_SYSCALL_INFO, t->tid, (void *)sizeof(in), &in) <= 0) {
		resume(t, 0);
		return;
	}
	if (in.op == PTRACE_SYSCALL_INFO_EXIT) {
		int p = t->pending;
		t->pending = P_NONE;
		if (p == P_DENY)
			deny_at_exit(t);
		if (p == P_OPEN && !in.exit.is_error && in.exit.rval >= 0) {
			on_open_exit(t, (long)in.exit.rval, ts);
			return;
		}
		resume(t, 0);
		return;
	}
	if (in.op != PTRACE_SYSCALL_INFO_ENTRY || in.arch != AUDIT_ARCH_X86_64) {
		resume(t, 0); /* 32-bit system calls are not modeled */
		return;
	}
	t->pending = P_NONE;
	const uint64_t *a = in.entry.args;
	switch (in.entry.nr) {
	case SYS_open:
	case SYS_openat:
	case SYS_openat2:
	case SYS_creat:
		if (untrusted_action(t) == UA_DENY) {
			deny_at_entry(t);
			emit_log(t, "file_open", UA_DENY);
		} else {
			t->pending = P_OPEN;
		}
		resume(t, 0);
		return;
	case SYS_execve:
	case SYS_execveat:
		on_exec_entry(t, &in, ts);
		return;
	case SYS_bind:
		on_sock_entry(t, "socket_bind", &in, ts);
		return;
	case SYS_connect:
		on_sock_entry(t, "socket_connect", &in, ts);
		return;
	case SYS_socket: {
		char cell[160];
		snprintf(cell, sizeof(cell),
			 "{\"family\": \"%d\", \"type\": \"%d\", \"protocol\": \"%d\", \"kern\": \"0\"}",
			 (int)a[0], (int)a[1] & 0xf, (int)a[2]);
		model(t, "socket_create", cell, true, ts);
		return;
	}
	case SYS_kill:
		on_kill_entry(t, (pid_t)a[0], (int)a[1], ts);
		return;
	case SYS_tkill:
		on_kill_entry(t, (pid_t)a[0], (int)a[1], ts);
		return;
	case SYS_tgkill:
		on_kill_entry(t, (pid_t)a[1], (int)a[2], ts);
		return;
	default:
		resume(t, 0);
	}
}

/* ---------- stops ---------- */

static void on_new_task(struct task *parent)
{
	unsigned long msg = 0;
	if (ptrace(PTRACE_GETEVENTMSG, parent->tid, 0, &msg) < 0)
		return;
	pid_t child = (pid_t)msg;
	long tgid = child;
	proc_status_field(child, "Tgid", &tgid);
	pthread_mutex_lock(&g_lock);
	struct task *c = task_find(child);
	bool early = c != NULL && c->stopped && c->ns == NULL;
	if (!c)
		c = task_add(child);
	c->tgid = (pid_t)tgid;
	c->ns = parent->ns;
	c->tnum = next_tnum++;
	c->ttd = parent->ttd;
	c->p_ttd = parent->ttd;
	memcpy(c->task_id, parent->task_id, MAX_DIGEST);
	memcpy(c->p_task_id, parent->task_id, MAX_DIGEST);
	c->untrusted = parent->untrusted;
	pthread_mutex_unlock(&g_lock);
	tlog("new task %d (tgid %ld) of %d tnum=%llu", (int)child, tgid, (int)parent->tid, c->tnum);
	if (early)
		resume(c, 0);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void on_status(pid_t pid, int status)
{
	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		pthread_mutex_lock(&g_lock);
		struct task *t = task_find(pid);
		if (t) {
			tlog("task %d gone%s", (int)pid, t->blocked ? " while blocked" : "");
			task_remove(t);
		}
		pthread_mutex_unlock(&g_lock);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	pthread_mutex_lock(&g_lock);
	struct task *t = task_find(pid);
	if (!t) {
		/* a new child stopped before its parent's fork event: park it */
		t = task_add(pid);
		t->stopped = true;
		pthread_mutex_unlock(&g_lock);
		return;
	}
	pthread_mutex_unlock(&g_lock);
	t->stopped = true;
	if (!t->ns)
		return; /* still waiting for its parent's event */

	int sig = WSTOPSIG(status);
	int ev = (status >> 16) & 0xff;
	unsigned long long ts = now_ns();
	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(t);
		return;
	}
	switch (ev) {
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new_task(t);
		resume(t, 0);
		return;
	case PTRACE_EVENT_EXEC: {
		unsigned long former = 0;
		ptrace(PTRACE_GETEVENTMSG, pid, 0, &former);
		if ((pid_t)former != pid) {
			/* a non-leader thread exec'd: it takes over the leader's tid */
			pthread_mutex_lock(&g_lock);
			struct task *f = task_find((pid_t)former);
			if (f && f != t) {
				task_remove(t);
				f->tid = pid;
				t = f;
			}
			pthread_mutex_unlock(&g_lock);
			t->stopped = true;
		}
		t->pending = P_NONE;
		on_exec_event(t, ts);
		return;
	}
	case PTRACE_EVENT_EXIT:
		resume(t, 0);
		return;
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) { /* group-stop: stay stopped until SIGCONT */
			tlog("task %d: group-stop (signal %d)", (int)pid, sig);
			t->stopped = false;
			ptrace(PTRACE_LISTEN, pid, 0, 0);
		} else {
			resume(t, 0);
		}
		return;
	default:
		if (ev == 0)
			resume(t, sig); /* signal-delivery-stop: deliver it */
		else
			resume(t, 0);
	}
}

static void reap(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid <= 0)
			return;
		on_status(pid, status);
	}
}

/* ---------- requests ---------- */

static int do_seize(struct treq *r)
{
	pid_t seized[4096];
	size_t n = 0;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", (int)r->pid);
	for (int round = 0; round < 8; round++) {
		size_t before = n;
		DIR *d = opendir(path);
		if (!d)
			break;
		struct dirent *de;
		while ((de = readdir(d)) && n < sizeof(seized) / sizeof(seized[0])) {
			pid_t tid = (pid_t)atoi(de->d_name);
			if (tid <= 0)
				continue;
			bool known = false;
			for (size_t i = 0; i < n; i++)
				known = known || seized[i] == tid;
			if (known)
				continue;
			if (ptrace(PTRACE_SEIZE, tid, 0, (void *)(long)TRACE_OPTS) < 0) {
				tlog("PTRACE_SEIZE %d: %s", (int)tid, strerror(errno));
				continue;
			}
			ptrace(PTRACE_INTERRUPT, tid, 0, 0);
			seized[n++] = tid;
		}
		closedir(d);
		if (n == before)
			break;
	}
	if (n == 0)
		return EPERM;
	pthread_mutex_lock(&g_lock);
	for (size_t i = 0; i < n; i++) {
		struct task *t = task_find(seized[i]);
		if (!t)
			t = task_add(seized[i]);
		t->tgid = r->pid;
		t->ns = r->ns;
		t->tnum = next_tnum++;
	}
	ns_register(r->ns, r->pid, r->orch);
	pthread_mutex_unlock(&g_lock);
	tlog("namespace %lu: seized %zu thread(s) of %d, orchestrator %d", r->ns->id, n,
	     (int)r->pid, (int)r->orch);
	return 0;
}

static int do_release(struct treq *r)
{
	pthread_mutex_lock(&g_lock);
	struct task *t = task_find(r->pid);
	int err = 0;
	if (!t || !t->ns)
		err = ESRCH;
	else if (!t->blocked)
		err = EINVAL;
	else if (cfg.syntax == SYN_V4 &&
		 (r->writer != t->ns->orch || !t->ns->has_key || r->keylen != t->ns->dlen ||
		  memcmp(r->key, t->ns->key, r->keylen) != 0))
		err = EINVAL;
	else if (cfg.syntax == SYN_TNUM && r->tnum != t->tnum)
		err = EINVAL;
	if (!err) {
		if (r->untrusted)
			t->untrusted = true;
		t->blocked = false;
	}
	pthread_mutex_unlock(&g_lock);
	tlog("release pid=%d (record %llu) %s: %s", (int)r->pid, t ? t->blocked_on : 0ull,
	     r->untrusted ? "untrusted" : "trusted", err ? strerror(err) : "ok");
	if (!err)
		resume(t, 0);
	return err;
}

static void process_requests(void)
{
	pthread_mutex_lock(&g_lock);
	struct treq *list = rq_head;
	rq_head = rq_tail = NULL;
	pthread_mutex_unlock(&g_lock);
	while (list) {
		struct treq *r = list;
		list = r->next;
		int res = r->type == RQ_SEIZE ? do_seize(r) : do_release(r);
		pthread_mutex_lock(&g_lock);
		r->result = res;
		r->done = true;
		pthread_cond_broadcast(&rq_cv);
		pthread_mutex_unlock(&g_lock);
	}
}

/* Let every traced task go: interrupt running ones, then PTRACE_DETACH. */
static void detach_all(void)
{
	for (;;) {
		pthread_mutex_lock(&g_lock);
		struct task *t = g_tasks;
		pthread_mutex_unlock(&g_lock);
		if (!t)
			return;
		int sig = 0;
		bool alive = true;
		if (!t->stopped) {
			ptrace(PTRACE_INTERRUPT, t->tid, 0, 0);
			for (int i = 0; i < 2000; i++) {
				int status;
				pid_t p = waitpid(t->tid, &status, __WALL | WNOHANG);
				if (p == t->tid) {
					if (!WIFSTOPPED(status))
						alive = false;
					else if ((status >> 16) == 0 && WSTOPSIG(status) != (SIGTRAP | 0x80))
						sig = WSTOPSIG(status);
					break;
				}
				if (p < 0) {
					alive = false;
					break;
				}
				usleep(1000);
			}
		}
		if (alive && ptrace(PTRACE_DETACH, t->tid, 0, (void *)(long)sig) < 0)
			tlog("PTRACE_DETACH %d: %s", (int)t->tid, strerror(errno));
		pthread_mutex_lock(&g_lock);
		task_remove(t);
		pthread_mutex_unlock(&g_lock);
	}
}

static void *tracer_main(void *arg)
{
	(void)arg;
	struct pollfd p[2] = {{.fd = sigfd, .events = POLLIN}, {.fd = evfd, .events = POLLIN}};
	for (;;) {
		poll(p, 2, 250);
		struct signalfd_siginfo si;
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		uint64_t v;
		while (read(evfd, &v, sizeof(v)) == (ssize_t)sizeof(v))
			;
		reap();
		process_requests();
		reap();
		pthread_mutex_lock(&g_lock);
		bool stop = tracer_exiting;
		pthread_mutex_unlock(&g_lock);
		if (stop)
			break;
	}
	process_requests(); /* none can arrive now; answer stragglers */
	detach_all();
	return NULL;
}

int tracer_start(void)
{
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sigfd < 0 || evfd < 0)
		return -1;
	/* the tracer gets no process signal but through its signalfd */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&tracer_tid, NULL, tracer_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	pthread_mutex_lock(&g_lock);
	tracer_running = true;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

void tracer_stop(void)
{
	pthread_mutex_lock(&g_lock);
	bool running = tracer_running;
	tracer_exiting = true;
	pthread_mutex_unlock(&g_lock);
	if (!running)
		return;
	uint64_t one = 1;
	if (write(evfd, &one, sizeof(one)) < 0)
		tlog("eventfd write: %s", strerror(errno));
	pthread_join(tracer_tid, NULL);
}
