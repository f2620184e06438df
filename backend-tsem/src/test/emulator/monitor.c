/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSEM emulator: the monitor thread. It holds the tasks of every namespace
 * with seccomp user notification, so that nothing ptraces them and a workload
 * can run under strace.
 *
 *  - Joining (join.c): the writer of external/export gets a filter whose
 *    listener we keep; its children inherit the filter.
 *  - The filter sends open, openat, openat2, creat, execve, execveat, bind,
 *    connect, socket, kill, tkill, tgkill, and mmap with PROT_EXEC of a file,
 *    to the listener. A modeled call queues a record; in an external namespace
 *    the notification is then left unanswered until the orchestrator writes
 *    trusted/untrusted, so the task really sleeps in the kernel; the answer is
 *    SECCOMP_USER_NOTIF_FLAG_CONTINUE (the call runs), or EPERM for an untrusted
 *    task of an enforcing namespace.
 *  - The proc connector (NETLINK_CONNECTOR, CN_IDX_PROC) tells which task a new
 *    thread id descends from (FORK), when an exec commits (EXEC: new TASK_ID,
 *    and the image's mmap_file record before the task's next held call), and
 *    when a task is gone (EXIT).
 *
 * The FUSE threads talk to this thread through a request list plus an eventfd;
 * the writer's ptrace stops are noticed through a signalfd for SIGCHLD (blocked
 * in every thread of the emulator) and reaped with waitpid(-1, __WALL|WNOHANG).
 * Only this thread changes the task table.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <netinet/in.h>

#include "emu.h"

#ifndef SO_DOMAIN
#define SO_DOMAIN 39
#endif
#ifndef SO_PROTOCOL
#define SO_PROTOCOL 38
#endif

/* flags of the kernel's open_exec(): O_RDONLY | O_LARGEFILE | __FMODE_EXEC */
#define EXEC_OPEN_FLAGS 32800u
/* the kernel's values (glibc's O_LARGEFILE is 0 on x86_64) */
#define K_O_LARGEFILE 0100000u
#define K_O_TMPFILE 020000000u
#define K_VALID_OPEN_FLAGS                                                                     \
	(O_ACCMODE | O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC | O_APPEND | O_NONBLOCK | O_DSYNC |   \
	 FASYNC | O_DIRECT | K_O_LARGEFILE | O_DIRECTORY | O_NOFOLLOW | O_NOATIME | O_CLOEXEC | \
	 O_SYNC | O_PATH | K_O_TMPFILE)

enum { UA_NONE, UA_LOG, UA_DENY };         /* what an untrusted task gets */
enum { ST_EVENT, ST_EXEC_MMAP };           /* task->stage: what a blocked task waits on */
enum { RQ_JOIN, RQ_RELEASE, RQ_SYNC };

struct mreq {
	struct mreq *next;
	int type;
	pid_t pid;        /* JOIN: the writer; RELEASE: target tid */
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

/* A writer seized for its join, waiting for its first ptrace stop. */
struct pending {
	struct pending *next;
	struct joiner *j;
	pid_t tid;
	struct ns *ns;
	pid_t orch;
};

pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
struct task *g_tasks;

static pthread_cond_t rq_cv = PTHREAD_COND_INITIALIZER;
static struct mreq *rq_head, *rq_tail;
static int evfd = -1, sigfd = -1, cnfd = -1;
static pthread_t monitor_tid;
static bool monitor_running, monitor_exiting;
static unsigned long long next_tnum = 1;
static struct pending *pendings;
static struct seccomp_notif_sizes sizes;
static void *notif_buf, *resp_buf;

/* ---------- task table (g_lock held) ---------- */

struct task *task_find(pid_t tid)
{
	for (struct task *t = g_tasks; t; t = t->next)
		if (t->tid == tid)
			return t;
	return NULL;
}

/* A task of the thread group tgid, its leader if known. */
static struct task *task_of_tgid(pid_t tgid)
{
	struct task *any = NULL;
	for (struct task *t = g_tasks; t; t = t->next) {
		if (t->tid == tgid)
			return t;
		if (t->tgid == tgid && !any)
			any = t;
	}
	return any;
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

static void task_reset(struct task *t)
{
	free(t->exec_file);
	if (t->addfd1)
		close(t->addfd1 - 1);
	struct task *next = t->next;
	pid_t tid = t->tid;
	memset(t, 0, sizeof(*t));
	t->next = next;
	t->tid = t->tgid = tid;
}

static void task_remove(struct task *t)
{
	for (struct task **pp = &g_tasks; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			free(t->exec_file);
			if (t->addfd1)
				close(t->addfd1 - 1);
			free(t);
			return;
		}
	}
}

/* The state a new task takes from the task that made it (fork, clone). */
static void task_inherit(struct task *c, const struct task *p, struct ns *ns)
{
	c->ns = ns;
	c->tnum = next_tnum++;
	if (p && p->ns == ns) {
		c->ttd = p->ttd;
		c->p_ttd = p->ttd;
		memcpy(c->task_id, p->task_id, MAX_DIGEST);
		memcpy(c->p_task_id, p->task_id, MAX_DIGEST);
		c->untrusted = p->untrusted;
	}
}

/* ---------- requests from the FUSE threads ---------- */

static int post(struct mreq *r)
{
	pthread_mutex_lock(&g_lock);
	if (!monitor_running || monitor_exiting) {
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

int monitor_join(pid_t tid, struct ns *ns, pid_t orch)
{
	struct mreq r = {.type = RQ_JOIN, .pid = tid, .ns = ns, .orch = orch};
	return post(&r);
}

int monitor_release(pid_t writer, pid_t pid, bool untrusted, const unsigned char *key,
		    size_t keylen, unsigned long long tnum)
{
	struct mreq r = {.type = RQ_RELEASE, .pid = pid, .writer = writer,
			 .untrusted = untrusted, .tnum = tnum, .keylen = keylen};
	if (keylen > sizeof(r.key))
		return EINVAL;
	if (keylen)
		memcpy(r.key, key, keylen);
	return post(&r);
}

void monitor_sync(void)
{
	struct mreq r = {.type = RQ_SYNC};
	post(&r);
}

/* ---------- small helpers ---------- */

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

static int mnt_id_of(int fd)
{
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID))
		return (int)stx.stx_mnt_id;
	return -1;
}

static void fd_path(int fd, char *out, size_t size)
{
	char p[64];
	snprintf(p, sizeof(p), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(p, out, size - 1);
	out[n > 0 ? n : 0] = 0;
}

/* ---------- answering ---------- */

static bool notif_valid(struct ns *ns, uint64_t id)
{
	return ns->lfd >= 0 && ioctl(ns->lfd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0;
}

static void send_resp(int lfd, uint64_t id, int err)
{
	struct seccomp_notif_resp *r = resp_buf;
	memset(r, 0, sizes.seccomp_notif_resp);
	r->id = id;
	if (err)
		r->error = -err;
	else
		r->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_SEND, r) < 0 && errno != ENOENT)
		tlog("SECCOMP_IOCTL_NOTIF_SEND: %s", strerror(errno));
}

/*
 * Answers an O_TMPFILE open the emulator made itself: its descriptor is installed in
 * the task as the call's result (SECCOMP_ADDFD_FLAG_SEND, atomically).
 */
static void send_addfd(int lfd, uint64_t id, int fd, bool cloexec)
{
	struct seccomp_notif_addfd a;
	memset(&a, 0, sizeof(a));
	a.id = id;
	a.flags = SECCOMP_ADDFD_FLAG_SEND;
	a.srcfd = (__u32)fd;
	a.newfd_flags = cloexec ? O_CLOEXEC : 0;
	if (ioctl(lfd, SECCOMP_IOCTL_NOTIF_ADDFD, &a) < 0 && errno != ENOENT)
		tlog("SECCOMP_IOCTL_NOTIF_ADDFD: %s", strerror(errno));
}

/* Answers the task's held call: it runs (err 0) or fails with err. */
static void answer(struct task *t, int err)
{
	if (t->held && t->ns->lfd >= 0) {
		if (t->addfd1 && err == 0)
			send_addfd(t->ns->lfd, t->notif.id, t->addfd1 - 1, t->addfd_cloexec);
		else
			send_resp(t->ns->lfd, t->notif.id, err);
	}
	if (t->addfd1) {
		close(t->addfd1 - 1);
		t->addfd1 = 0;
	}
	pthread_mutex_lock(&g_lock);
	t->held = false;
	t->blocked = false;
	pthread_mutex_unlock(&g_lock);
}

/* After reading the task's memory: is it still waiting for this answer? */
static bool still_valid(struct task *t)
{
	if (notif_valid(t->ns, t->notif.id))
		return true;
	pthread_mutex_lock(&g_lock);
	t->held = false;
	pthread_mutex_unlock(&g_lock);
	return false;
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

/* Queue an event; returns true when the task must wait for its release (external). */
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
 * Common end of a modeled call with a ready CELL: untrusted tasks get a log
 * record (and EPERM when the namespace enforces), others an event. The call is
 * answered unless the task must wait for its release.
 */
static void model(struct task *t, const char *cell, const char *cell_json, unsigned long long ts)
{
	int ua = untrusted_action(t);
	if (ua != UA_NONE) {
		emit_log(t, cell, ua);
		answer(t, ua == UA_DENY ? EPERM : 0);
		return;
	}
	if (emit_event(t, cell, cell_json, ts)) {
		t->stage = ST_EVENT;
		return;
	}
	answer(t, 0);
}

/* For calls whose CELL is costly: settle untrusted tasks before building it. */
static bool untrusted_shortcut(struct task *t, const char *cell)
{
	int ua = untrusted_action(t);
	if (ua == UA_NONE)
		return false;
	emit_log(t, cell, ua);
	answer(t, ua == UA_DENY ? EPERM : 0);
	return true;
}

/* ---------- files created inside a namespace (g_lock held) ---------- */

static struct created *created_find(struct ns *ns, const char *pathname, struct created ***where)
{
	for (struct created **pp = &ns->created; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->pathname, pathname)) {
			*where = pp;
			return *pp;
		}
	}
	return NULL;
}

static void created_add(struct ns *ns, const char *pathname, const unsigned char *owner,
			struct creator *out)
{
	struct created **pp, *old = created_find(ns, pathname, &pp);
	if (old) {
		*pp = old->next;
		free(old);
		ns->ncreated--;
	}
	size_t len = strlen(pathname);
	struct created *c = calloc(1, sizeof(*c) + len + 1);
	if (!c)
		abort();
	memcpy(c->pathname, pathname, len + 1);
	c->who.instance = ++ns->instances;
	memcpy(c->who.owner, owner, MAX_DIGEST);
	c->next = ns->created;
	ns->created = c;
	if (++ns->ncreated > MAX_CREATED) { /* forget the oldest */
		struct created **last = &ns->created;
		while ((*last)->next)
			last = &(*last)->next;
		free(*last);
		*last = NULL;
		ns->ncreated--;
	}
	*out = c->who;
}

/* Is this existing file one created in the namespace? The first inode seen there is taken. */
static bool created_match(struct ns *ns, const char *pathname, const struct stat *st,
			  struct creator *out)
{
	struct created **pp, *c = created_find(ns, pathname, &pp);
	if (!c)
		return false;
	if (!c->known) {
		c->known = true;
		c->dev = st->st_dev;
		c->ino = st->st_ino;
	}
	if (c->dev != st->st_dev || c->ino != st->st_ino) { /* replaced since */
		*pp = c->next;
		free(c);
		ns->ncreated--;
		return false;
	}
	*out = c->who;
	return true;
}

/* ---------- resolving a task's path ---------- */

/* Does the task see the file system as we do (same root, same mount namespace)? */
static bool same_view(pid_t tid)
{
	char p[64];
	struct stat a, b;
	snprintf(p, sizeof(p), "/proc/%d/root", (int)tid);
	if (stat(p, &a) < 0 || stat("/", &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)
		return false;
	snprintf(p, sizeof(p), "/proc/%d/ns/mnt", (int)tid);
	if (stat(p, &a) < 0 || stat("/proc/self/ns/mnt", &b) < 0 || a.st_ino != b.st_ino)
		return false;
	return true;
}

/* /proc/self, /proc/thread-self, /dev/fd and /dev/std* name the task's own, not ours. */
static void rewrite_self(pid_t tid, pid_t tgid, const char *in, char *out, size_t size)
{
	char rep[64];
	const char *rest = NULL;
	static const char *const std[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
	for (int i = 0; i < 3; i++) {
		if (!strcmp(in, std[i])) {
			snprintf(out, size, "/proc/%d/fd/%d", (int)tgid, i);
			return;
		}
	}
#define PREFIX(p) (!strncmp(in, p, sizeof(p) - 1) && (in[sizeof(p) - 1] == '/' || !in[sizeof(p) - 1]) \
		   ? (rest = in + sizeof(p) - 1) : NULL)
	if (PREFIX("/proc/self"))
		snprintf(rep, sizeof(rep), "/proc/%d", (int)tgid);
	else if (PREFIX("/proc/thread-self"))
		snprintf(rep, sizeof(rep), "/proc/%d/task/%d", (int)tgid, (int)tid);
	else if (PREFIX("/dev/fd"))
		snprintf(rep, sizeof(rep), "/proc/%d/fd", (int)tgid);
#undef PREFIX
	if (rest)
		snprintf(out, size, "%s%s", rep, rest);
	else
		snprintf(out, size, "%s", in);
}

static int open_in(int base, const char *path, int flags, bool in_root)
{
	if (!in_root)
		return openat(base, path, flags);
	struct open_how how = {.flags = (uint64_t)flags, .resolve = RESOLVE_IN_ROOT};
	int fd = (int)syscall(SYS_openat2, base, path, &how, sizeof(how));
	if (fd < 0 && (errno == ELOOP || errno == EXDEV)) {
		/* RESOLVE_IN_ROOT refuses magic links (/proc/N/fd/M): plain lookup */
		while (*path == '/')
			path++;
		fd = openat(base, *path ? path : ".", flags);
	}
	return fd;
}

/* What an open/exec path names for a task. */
struct target {
	int fd;                 /* O_PATH fd of the file, or -1 */
	int dir;                /* missing file: O_PATH fd of the directory that would hold it */
	char leaf[NAME_MAX + 1];
	char pathname[PATH_MAX]; /* as the emulator sees it, symbolic links resolved */
};

static void target_close(struct target *tg)
{
	if (tg->fd >= 0)
		close(tg->fd);
	if (tg->dir >= 0)
		close(tg->dir);
	tg->fd = tg->dir = -1;
}

/*
 * Opens (O_PATH) what path names for task tid, relative to its dirfd (AT_FDCWD:
 * its cwd): paths are resolved in our own view when the task shares our root and
 * mount namespace, else absolute ones under /proc/<tid>/root (RESOLVE_IN_ROOT).
 * Returns 0 or an errno; on ENOENT of the last component tg->dir and tg->leaf
 * tell where it would be created.
 */
static int resolve(pid_t tid, pid_t tgid, int dirfd, const char *upath, bool follow, bool empty_ok,
		   struct target *tg)
{
	tg->fd = tg->dir = -1;
	tg->leaf[0] = tg->pathname[0] = 0;
	char path[PATH_MAX + 64], proc[96];
	bool same = same_view(tid);
	if (same)
		rewrite_self(tid, tgid, upath, path, sizeof(path));
	else
		snprintf(path, sizeof(path), "%s", upath);
	int oflags = O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW);
	if (!path[0]) {
		if (!empty_ok)
			return ENOENT;
		if (dirfd == AT_FDCWD)
			snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)tid);
		else
			snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, dirfd);
		tg->fd = open(proc, O_PATH | O_CLOEXEC);
		if (tg->fd < 0)
			return errno;
		fd_path(tg->fd, tg->pathname, sizeof(tg->pathname));
		return 0;
	}
	int base = AT_FDCWD;
	bool in_root = false;
	if (path[0] == '/') {
		if (!same) {
			snprintf(proc, sizeof(proc), "/proc/%d/root", (int)tid);
			base = open(proc, O_PATH | O_DIRECTORY | O_CLOEXEC);
			in_root = true;
		}
	} else {
		if (dirfd == AT_FDCWD)
			snprintf(proc, sizeof(proc), "/proc/%d/cwd", (int)tid);
		else
			snprintf(proc, sizeof(proc), "/proc/%d/fd/%d", (int)tid, dirfd);
		base = open(proc, O_PATH | O_CLOEXEC);
	}
	if (base == -1)
		return errno;
	int err = 0;
	tg->fd = open_in(base, path, oflags, in_root);
	if (tg->fd >= 0) {
		fd_path(tg->fd, tg->pathname, sizeof(tg->pathname));
	} else {
		err = errno;
		size_t len = strlen(path);
		char *slash = strrchr(path, '/');
		const char *leaf = slash ? slash + 1 : path;
		if (err == ENOENT && len > 0 && path[len - 1] != '/' && strcmp(leaf, ".") &&
		    strcmp(leaf, "..") && strlen(leaf) <= NAME_MAX) {
			snprintf(tg->leaf, sizeof(tg->leaf), "%s", leaf);
			if (slash == path)
				path[1] = 0; /* "/name" */
			else if (slash)
				*slash = 0;
			else
				snprintf(path, sizeof(path), ".");
			tg->dir = open_in(base, path, O_PATH | O_DIRECTORY | O_CLOEXEC, in_root);
			struct stat st;
			if (tg->dir >= 0 && fstatat(tg->dir, tg->leaf, &st, AT_SYMLINK_NOFOLLOW) == 0) {
				close(tg->dir); /* a dangling symbolic link: not modeled */
				tg->dir = -1;
			}
			if (tg->dir >= 0) {
				char d[PATH_MAX];
				fd_path(tg->dir, d, sizeof(d));
				if (strlen(d) + 1 + strlen(tg->leaf) < sizeof(tg->pathname)) {
					strcpy(tg->pathname, strcmp(d, "/") ? d : "");
					strcat(tg->pathname, "/");
					strcat(tg->pathname, tg->leaf);
				} else {
					close(tg->dir); /* ENAMETOOLONG */
					tg->dir = -1;
				}
			}
		}
	}
	if (base >= 0)
		close(base);
	return err;
}

/* ---------- modeled system calls ---------- */

/*
 * An O_TMPFILE open: the inode exists only once the call has made it, so the
 * emulator makes it itself (in the directory the task named, with the task's
 * fsuid, fsgid and umask), reports the file_open of that file and, on release,
 * installs the descriptor in the task as the call's result. Any failure of our
 * own open is the call's result instead.
 */
static void on_tmpfile(struct task *t, int dirfd, const char *path, uint64_t flags, unsigned mode,
		       unsigned kflags, unsigned long long ts)
{
	struct target tg;
	int err = resolve(t->tid, t->tgid, dirfd, path, true, false, &tg);
	if (err || tg.fd < 0 || mnt_id_of(tg.fd) == cfg.our_mnt_id) {
		target_close(&tg);
		answer(t, 0); /* the kernel fails it before any hook, or it is our own mount */
		return;
	}
	if (untrusted_shortcut(t, "file_open")) {
		target_close(&tg);
		return;
	}
	struct coe c;
	unsigned um = 022;
	read_coe(t->tid, &c);
	proc_umask(t->tid, &um);
	int fd = openat(tg.fd, ".", (int)(flags & ~(uint64_t)O_CLOEXEC) | O_CLOEXEC, mode & 07777 & ~um);
	target_close(&tg);
	if (fd < 0) {
		answer(t, errno);
		return;
	}
	if (fchown(fd, c.fsuid, c.fsgid) < 0)
		tlog("O_TMPFILE of pid %d: fchown: %s", (int)t->tid, strerror(errno));
	t->addfd1 = fd + 1;
	t->addfd_cloexec = (flags & O_CLOEXEC) != 0;
	char pathname[PATH_MAX];
	fd_path(fd, pathname, sizeof(pathname));
	struct sb obj = {0}, cell = {0};
	if (file_object_local(&obj, t->ns, t->tid, fd, pathname, kflags, NULL) != 0) {
		sb_free(&obj);
		answer(t, 0);
		return;
	}
	sb_printf(&cell, "{\"file\": %s}", obj.buf);
	model(t, "file_open", cell.buf, ts);
	sb_free(&obj);
	sb_free(&cell);
}

/* open, openat, openat2, creat: the kernel's file_open, seen at entry. */
static void on_open(struct task *t, unsigned long long ts)
{
	const struct seccomp_notif *n = &t->notif;
	const __u64 *a = n->data.args;
	int dirfd = AT_FDCWD;
	uint64_t upath, flags;
	unsigned mode = 0;
	switch (n->data.nr) {
	case SYS_open:
		upath = a[0], flags = (uint32_t)a[1], mode = (unsigned)a[2];
		break;
	case SYS_creat:
		upath = a[0], flags = O_CREAT | O_WRONLY | O_TRUNC, mode = (unsigned)a[1];
		break;
	case SYS_openat:
		dirfd = (int)a[0], upath = a[1], flags = (uint32_t)a[2], mode = (unsigned)a[3];
		break;
	default: { /* openat2 */
		struct open_how how;
		memset(&how, 0, sizeof(how));
		if (a[3] < sizeof(how) || peek(t->tid, a[2], &how, sizeof(how)) != (ssize_t)sizeof(how) ||
		    (how.flags & ~(uint64_t)K_VALID_OPEN_FLAGS)) {
			answer(t, 0); /* EINVAL/EFAULT before any hook */
			return;
		}
		dirfd = (int)a[0], upath = a[1], flags = how.flags, mode = (unsigned)how.mode;
	}
	}
	char path[PATH_MAX];
	if (peek_str(t->tid, upath, path, sizeof(path)) < 0) {
		answer(t, 0); /* EFAULT/ENAMETOOLONG before any hook */
		return;
	}
	if (!still_valid(t))
		return;
	flags &= K_VALID_OPEN_FLAGS;
	if (flags & O_PATH) { /* no file_open for O_PATH */
		answer(t, 0);
		return;
	}
	bool creat = flags & O_CREAT, excl = creat && (flags & O_EXCL);
	unsigned kflags = (unsigned)((flags | K_O_LARGEFILE) & ~(uint64_t)(O_CREAT | O_EXCL | O_NOCTTY | O_TRUNC));
	if (flags & K_O_TMPFILE) {
		on_tmpfile(t, dirfd, path, flags, mode, kflags, ts);
		return;
	}
	struct target tg;
	int err = resolve(t->tid, t->tgid, dirfd, path, !(flags & O_NOFOLLOW) && !excl, false, &tg);
	struct sb obj = {0};
	struct creator cr;
	if (err == 0) {
		struct stat st;
		int acc = (int)(flags & O_ACCMODE);
		/* errors the kernel gives before file_open: none of them is reported */
		bool fails = fstat(tg.fd, &st) < 0 || excl /* EEXIST */ ||
			     S_ISLNK(st.st_mode) /* ELOOP */ ||
			     ((flags & O_DIRECTORY) && !S_ISDIR(st.st_mode)) /* ENOTDIR */ ||
			     (S_ISDIR(st.st_mode) && (acc != O_RDONLY || creat || (flags & O_TRUNC)));
		int mnt = fails ? -1 : mnt_id_of(tg.fd);
		if (fails || (mnt >= 0 && mnt == cfg.our_mnt_id)) {
			/*
			 * The control plane itself is not modeled (opens of our own
			 * files make no record, as before).
			 */
			target_close(&tg);
			answer(t, 0);
			return;
		}
		if (untrusted_shortcut(t, "file_open")) {
			target_close(&tg);
			return;
		}
		pthread_mutex_lock(&g_lock);
		bool has_cr = created_match(t->ns, tg.pathname, &st, &cr);
		pthread_mutex_unlock(&g_lock);
		err = file_object_local(&obj, t->ns, t->tid, tg.fd, tg.pathname, kflags,
					has_cr ? &cr : NULL);
	} else if (err == ENOENT && creat && tg.dir >= 0 && mnt_id_of(tg.dir) != cfg.our_mnt_id) {
		/* a file created inside the namespace: inode_create, then file_open */
		if (untrusted_shortcut(t, "file_open")) {
			target_close(&tg);
			return;
		}
		struct coe c;
		struct stat dst;
		unsigned um = 022;
		read_coe(t->tid, &c);
		proc_umask(t->tid, &um);
		unsigned gid = c.fsgid;
		if (fstat(tg.dir, &dst) == 0 && (dst.st_mode & S_ISGID))
			gid = (unsigned)dst.st_gid; /* set-group-ID directory */
		pthread_mutex_lock(&g_lock);
		created_add(t->ns, tg.pathname, t->task_id, &cr);
		pthread_mutex_unlock(&g_lock);
		err = file_object_new(&obj, t->ns, t->tid, tg.dir, tg.pathname, kflags,
				      S_IFREG | (mode & 07777 & ~um), c.fsuid, gid, &cr);
		tlog("file %s created in namespace %lu: instance %llu", tg.pathname, t->ns->id,
		     cr.instance);
	} else {
		/* missing without O_CREAT, or another lookup error: file_open is never reached */
		target_close(&tg);
		answer(t, 0);
		return;
	}
	target_close(&tg);
	if (err != 0) {
		tlog("file_open pid=%d %s: no file information", (int)t->tid, path);
		sb_free(&obj);
		answer(t, 0);
		return;
	}
	struct sb cell = {0};
	sb_printf(&cell, "{\"file\": %s}", obj.buf);
	model(t, "file_open", cell.buf, ts);
	sb_free(&obj);
	sb_free(&cell);
}

/* execve, execveat: the file_open of the program (open_exec), at entry. */
static void on_exec(struct task *t, unsigned long long ts)
{
	const __u64 *a = t->notif.data.args;
	bool at = t->notif.data.nr == SYS_execveat;
	int dirfd = at ? (int)a[0] : AT_FDCWD;
	int flags = at ? (int)a[4] : 0;
	char path[PATH_MAX];
	if (peek_str(t->tid, at ? a[1] : a[0], path, sizeof(path)) < 0) {
		answer(t, 0);
		return;
	}
	if (!still_valid(t))
		return;
	struct target tg;
	struct stat st;
	int err = resolve(t->tid, t->tgid, dirfd, path, !(flags & AT_SYMLINK_NOFOLLOW),
			  at && (flags & AT_EMPTY_PATH), &tg);
	if (err || fstat(tg.fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		target_close(&tg);
		answer(t, 0); /* the exec fails before any hook */
		return;
	}
	if (untrusted_shortcut(t, "file_open")) {
		target_close(&tg);
		return;
	}
	struct creator cr;
	pthread_mutex_lock(&g_lock);
	bool has_cr = created_match(t->ns, tg.pathname, &st, &cr);
	pthread_mutex_unlock(&g_lock);
	struct sb obj = {0}, cell = {0};
	if (file_object_local(&obj, t->ns, t->tid, tg.fd, tg.pathname, EXEC_OPEN_FLAGS,
			      has_cr ? &cr : NULL) == 0) {
		sb_printf(&cell, "{\"file\": %s}", obj.buf);
		model(t, "file_open", cell.buf, ts);
	} else {
		answer(t, 0);
	}
	target_close(&tg);
	sb_free(&obj);
	sb_free(&cell);
}

/* mmap with PROT_EXEC of a file (the filter lets the others through). */
static void on_mmap(struct task *t, unsigned long long ts)
{
	const __u64 *a = t->notif.data.args;
	unsigned long long prot = a[2], mflags = a[3];
	struct sb obj = {0}, cell = {0};
	if (mflags & MAP_ANONYMOUS) {
		sb_printf(&cell, "{\"prot\": \"%llu\", \"flags\": \"%llu\"}", prot, mflags);
	} else {
		if (untrusted_action(t) == UA_NONE) {
			int rc = file_object_tracee_fd(&obj, t->ns, t->tid, (int)a[4]);
			if (rc != 0) { /* EBADF, or an O_PATH descriptor: fails before the hook */
				sb_free(&obj);
				answer(t, 0);
				return;
			}
			if (!still_valid(t)) {
				sb_free(&obj);
				return;
			}
		} else {
			char p[64];
			snprintf(p, sizeof(p), "/proc/%d/fd/%d", (int)t->tid, (int)a[4]);
			if (access(p, F_OK) < 0) {
				answer(t, 0);
				return;
			}
			sb_add(&obj, "{}"); /* settled as a log record below */
		}
		sb_printf(&cell, "{\"file\": %s, \"prot\": \"%llu\", \"flags\": \"%llu\"}", obj.buf, prot,
			  mflags);
	}
	model(t, "mmap_file", cell.buf, ts);
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

static void on_sock(struct task *t, const char *cell_name, unsigned long long ts)
{
	const __u64 *a = t->notif.data.args;
	int fd = (int)a[0];
	size_t len = (size_t)(uint32_t)a[2];
	unsigned char addr[sizeof(struct sockaddr_storage)];
	if (len > sizeof(addr))
		len = sizeof(addr);
	if (len < sizeof(sa_family_t) || peek(t->tid, a[1], addr, len) != (ssize_t)len) {
		answer(t, 0); /* EINVAL/EFAULT before any hook */
		return;
	}
	if (!still_valid(t))
		return;
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
		answer(t, 0); /* EBADF/ENOTSOCK before any hook */
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
	model(t, cell_name, cell.buf, ts);
	sb_free(&cell);
}

static void on_kill(struct task *t, pid_t target, int sig, unsigned long long ts)
{
	if (sig == 0 || target <= 0) { /* no hook for probes; group kills not modeled */
		answer(t, 0);
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
	model(t, "task_kill", cell.buf, ts);
	sb_free(&cell);
}

/* The task's held call, once any exec image record before it is settled. */
static void handle_call(struct task *t, unsigned long long ts)
{
	const __u64 *a = t->notif.data.args;
	switch (t->notif.data.nr) {
	case SYS_open:
	case SYS_openat:
	case SYS_openat2:
	case SYS_creat:
		on_open(t, ts);
		return;
	case SYS_execve:
	case SYS_execveat:
		on_exec(t, ts);
		return;
	case SYS_mmap:
		on_mmap(t, ts);
		return;
	case SYS_bind:
		on_sock(t, "socket_bind", ts);
		return;
	case SYS_connect:
		on_sock(t, "socket_connect", ts);
		return;
	case SYS_socket: {
		char cell[160];
		snprintf(cell, sizeof(cell),
			 "{\"family\": \"%d\", \"type\": \"%d\", \"protocol\": \"%d\", \"kern\": \"0\"}",
			 (int)a[0], (int)a[1] & 0xf, (int)a[2]);
		model(t, "socket_create", cell, ts);
		return;
	}
	case SYS_kill:
	case SYS_tkill:
		on_kill(t, (pid_t)a[0], (int)a[1], ts);
		return;
	case SYS_tgkill:
		on_kill(t, (pid_t)a[1], (int)a[2], ts);
		return;
	default:
		answer(t, 0);
	}
}

/*
 * The exec committed earlier (proc connector): the kernel reports the image's
 * mmap_file inside execve; here it comes before the task's next held call.
 * Returns true when the task now waits for its release.
 */
static bool report_exec_image(struct task *t, unsigned long long ts)
{
	t->exec_pending = false;
	struct sb cell = {0};
	sb_printf(&cell, "{\"file\": %s, \"prot\": \"5\", \"flags\": \"2\"}",
		  t->exec_file ? t->exec_file : "{}");
	free(t->exec_file);
	t->exec_file = NULL;
	bool waits = false;
	if (untrusted_action(t) != UA_NONE)
		emit_log(t, "mmap_file", UA_LOG); /* too late to deny: the exec is done */
	else if (emit_event(t, "mmap_file", cell.buf, ts))
		waits = true;
	if (waits)
		t->stage = ST_EXEC_MMAP;
	sb_free(&cell);
	return waits;
}

/* ---------- the proc connector ---------- */

static void cn_listen(enum proc_cn_mcast_op op)
{
	char buf[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof(enum proc_cn_mcast_op))]
		__attribute__((aligned(NLMSG_ALIGNTO)));
	memset(buf, 0, sizeof(buf));
	struct nlmsghdr *nl = (struct nlmsghdr *)buf;
	struct cn_msg *cn = NLMSG_DATA(nl);
	nl->nlmsg_len = NLMSG_LENGTH(sizeof(*cn) + sizeof(op));
	nl->nlmsg_type = NLMSG_DONE;
	cn->id.idx = CN_IDX_PROC;
	cn->id.val = CN_VAL_PROC;
	cn->len = sizeof(op);
	memcpy(cn->data, &op, sizeof(op));
	if (send(cnfd, buf, nl->nlmsg_len, 0) < 0)
		tlog("proc connector: send: %s", strerror(errno));
}

static void on_fork(pid_t ppid, pid_t ptgid, pid_t cpid, pid_t ctgid)
{
	(void)ptgid;
	pthread_mutex_lock(&g_lock);
	/* a new thread's "parent" is its process's parent: take its own group */
	struct task *p = cpid != ctgid ? task_of_tgid(ctgid) : task_find(ppid);
	if (!p || !p->ns) {
		struct task *stale = task_find(cpid); /* an EXIT we did not see */
		if (stale)
			task_remove(stale);
		pthread_mutex_unlock(&g_lock);
		return;
	}
	struct task *c = task_find(cpid);
	if (c)
		task_reset(c);
	else
		c = task_add(cpid);
	c->tgid = ctgid;
	task_inherit(c, p, p->ns);
	unsigned long long tnum = c->tnum;
	pthread_mutex_unlock(&g_lock);
	tlog("new task %d (tgid %d) of %d tnum=%llu", (int)cpid, (int)ctgid, (int)p->tid, tnum);
}

/* An exec committed: a new TASK_ID from the new image (bprm_committed_creds). */
static void on_exec_commit(pid_t pid, pid_t tgid)
{
	pthread_mutex_lock(&g_lock);
	struct task *t = task_find(pid);
	if (!t) {
		/* a non-leader thread exec'd: it took the leader's id (whose EXIT came first) */
		t = task_of_tgid(tgid);
		if (t)
			t->tid = pid;
	}
	struct ns *ns = t ? t->ns : NULL;
	pthread_mutex_unlock(&g_lock);
	if (!t || !ns)
		return;
	char proc[64], real[PATH_MAX];
	snprintf(proc, sizeof(proc), "/proc/%d/exe", (int)pid);
	ssize_t n = readlink(proc, real, sizeof(real) - 1);
	real[n > 0 ? n : 0] = 0;
	struct sb obj = {0};
	int fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		fd = open(proc, O_PATH | O_CLOEXEC);
	if (fd < 0 || file_object_local(&obj, ns, pid, fd, real, EXEC_OPEN_FLAGS, NULL) != 0) {
		sb_free(&obj);
		sb_add(&obj, "{}");
	}
	struct coe c;
	read_coe(pid, &c);
	unsigned char id[MAX_DIGEST], ptask[MAX_DIGEST];
	pthread_mutex_lock(&g_lock);
	memcpy(ptask, t->p_task_id, MAX_DIGEST);
	pthread_mutex_unlock(&g_lock);
	if (fd < 0 || tsem_task_id(ns, pid, fd, real, ptask, &c, id) != 0)
		memset(id, 0, sizeof(id));
	if (fd >= 0)
		close(fd);
	pthread_mutex_lock(&g_lock);
	t->ttd++;
	memcpy(t->task_id, id, ns->dlen);
	free(t->exec_file);
	t->exec_file = obj.buf;
	t->exec_pending = true;
	unsigned long ttd = t->ttd;
	pthread_mutex_unlock(&g_lock);
	tlog("task %d exec'd %s: ttd=%lu", (int)pid, real, ttd);
}

static void on_exit_event(pid_t pid)
{
	pthread_mutex_lock(&g_lock);
	struct task *t = task_find(pid);
	if (t) {
		tlog("task %d gone%s", (int)pid, t->blocked ? " while blocked" : "");
		task_remove(t);
	}
	pthread_mutex_unlock(&g_lock);
}

/* Processes every event queued on the proc connector socket. */
static void cn_drain(void)
{
	static char buf[65536] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t len = recv(cnfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len < 0 && errno == EINTR)
			continue;
		if (len < 0 && errno == ENOBUFS) {
			tlog("proc connector: events lost (receive buffer overrun)");
			continue;
		}
		if (len <= 0)
			return;
		for (struct nlmsghdr *nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, len);
		     nl = NLMSG_NEXT(nl, len)) {
			if (nl->nlmsg_type == NLMSG_NOOP || nl->nlmsg_type == NLMSG_ERROR)
				continue;
			struct cn_msg *cn = NLMSG_DATA(nl);
			if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC)
				continue;
			struct proc_event *ev = (struct proc_event *)cn->data;
			switch (ev->what) {
			case PROC_EVENT_FORK:
				on_fork(ev->event_data.fork.parent_pid, ev->event_data.fork.parent_tgid,
					ev->event_data.fork.child_pid, ev->event_data.fork.child_tgid);
				break;
			case PROC_EVENT_EXEC:
				on_exec_commit(ev->event_data.exec.process_pid,
					       ev->event_data.exec.process_tgid);
				break;
			case PROC_EVENT_EXIT:
				on_exit_event(ev->event_data.exit.process_pid);
				break;
			default:
				break;
			}
		}
	}
}

/* Opens the proc connector and waits for the kernel's acknowledgement. */
static int cn_open(void)
{
	cnfd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, NETLINK_CONNECTOR);
	if (cnfd < 0)
		return -1;
	int sz = 16 << 20;
	if (setsockopt(cnfd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(cnfd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = CN_IDX_PROC};
	if (bind(cnfd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		return -1;
	cn_listen(PROC_CN_MCAST_LISTEN);
	/* the acknowledgement: a PROC_EVENT_NONE with err (no answer outside the init namespaces) */
	char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct timespec end;
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += 2;
	for (;;) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		long ms = (end.tv_sec - now.tv_sec) * 1000 + (end.tv_nsec - now.tv_nsec) / 1000000;
		struct pollfd p = {.fd = cnfd, .events = POLLIN};
		if (ms <= 0 || poll(&p, 1, (int)ms) <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		ssize_t len = recv(cnfd, buf, sizeof(buf), MSG_DONTWAIT);
		if (len <= 0)
			continue;
		for (struct nlmsghdr *nl = (struct nlmsghdr *)buf; NLMSG_OK(nl, len);
		     nl = NLMSG_NEXT(nl, len)) {
			struct cn_msg *cn = NLMSG_DATA(nl);
			struct proc_event *ev = (struct proc_event *)cn->data;
			if (cn->id.idx == CN_IDX_PROC && ev->what == PROC_EVENT_NONE) {
				if (ev->event_data.ack.err) {
					errno = (int)ev->event_data.ack.err;
					return -1;
				}
				return 0;
			}
		}
	}
}

/* ---------- notifications ---------- */

/* The task of a notification; made from /proc if the connector did not announce it. */
static struct task *task_for(struct ns *ns, pid_t tid)
{
	pthread_mutex_lock(&g_lock);
	struct task *t = task_find(tid);
	pthread_mutex_unlock(&g_lock);
	if (t && t->ns == ns)
		return t;
	long tgid = tid, ppid = 0;
	proc_status_field(tid, "Tgid", &tgid);
	proc_status_field(tid, "PPid", &ppid);
	pthread_mutex_lock(&g_lock);
	struct task *p = tgid != tid ? task_of_tgid((pid_t)tgid) : task_of_tgid((pid_t)ppid);
	t = task_find(tid);
	if (t)
		task_reset(t);
	else
		t = task_add(tid);
	t->tgid = (pid_t)tgid;
	task_inherit(t, p, ns);
	pthread_mutex_unlock(&g_lock);
	tlog("task %d: not announced by the proc connector; taken from /proc (parent %d)", (int)tid,
	     p ? (int)p->tid : 0);
	return t;
}

static void on_notification(struct ns *ns, const struct seccomp_notif *n)
{
	unsigned long long ts = now_ns();
	cn_drain(); /* every fork/exec/exit before this call is queued by now */
	struct task *t = task_for(ns, (pid_t)n->pid);
	if (t->held) {
		/*
		 * Its previous call ended unanswered: a signal interrupted it (only
		 * possible without SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV) and it was
		 * restarted. A task waiting for its release keeps waiting on it.
		 */
		bool same = t->notif.data.nr == n->data.nr &&
			    !memcmp(t->notif.data.args, n->data.args, sizeof(n->data.args));
		if (t->blocked && same) {
			t->notif = *n;
			tlog("task %d: restarted call, still waiting for record %llu", (int)t->tid,
			     t->blocked_on);
			return;
		}
		pthread_mutex_lock(&g_lock);
		t->held = t->blocked = false;
		pthread_mutex_unlock(&g_lock);
	}
	pthread_mutex_lock(&g_lock);
	t->notif = *n;
	t->held = true;
	pthread_mutex_unlock(&g_lock);
	if (t->exec_pending && report_exec_image(t, ts))
		return;
	handle_call(t, ts);
}

static void recv_notifications(struct ns *ns)
{
	for (int i = 0; i < 64 && ns->lfd >= 0; i++) {
		if (i > 0) { /* RECV would block without a pending notification */
			struct pollfd p = {.fd = ns->lfd, .events = POLLIN};
			if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
				return;
		}
		memset(notif_buf, 0, sizes.seccomp_notif);
		if (ioctl(ns->lfd, SECCOMP_IOCTL_NOTIF_RECV, notif_buf) < 0) {
			if (errno != ENOENT && errno != EINTR)
				tlog("SECCOMP_IOCTL_NOTIF_RECV ns=%lu: %s", ns->id, strerror(errno));
			return;
		}
		struct seccomp_notif n;
		memcpy(&n, notif_buf, sizeof(n));
		on_notification(ns, &n);
	}
}

/* ---------- requests ---------- */

static int do_join(struct mreq *r)
{
	long tgid = 0, threads = 0;
	if (proc_status_field(r->pid, "Tgid", &tgid) < 0 ||
	    proc_status_field(r->pid, "Threads", &threads) < 0)
		return EPERM;
	if (tgid != r->pid || threads != 1) {
		tlog("join %d: %ld threads: only single-threaded writers can join", (int)r->pid, threads);
		return EINVAL;
	}
	struct joiner *j = join_new(r->pid);
	if (!j) {
		tlog("join %d: PTRACE_SEIZE: %s", (int)r->pid, strerror(errno));
		return EPERM; /* already traced, for example */
	}
	struct pending *p = calloc(1, sizeof(*p));
	if (!p)
		abort();
	*p = (struct pending){.next = pendings, .j = j, .tid = r->pid, .ns = r->ns, .orch = r->orch};
	pendings = p;
	return 0;
}

/* A pending writer stopped: install its filter, register the namespace, let it go. */
static void finish_join(struct pending *p, int status)
{
	if (join_stopped(p->j, status) < 0) {
		free(p->ns);
		return;
	}
	int lfd = join_install(p->j);
	if (lfd >= 0) {
		pthread_mutex_lock(&g_lock);
		p->ns->lfd = lfd;
		ns_register(p->ns, p->tid, p->orch);
		struct task *t = task_find(p->tid);
		if (t)
			task_reset(t);
		else
			t = task_add(p->tid);
		task_inherit(t, NULL, p->ns);
		unsigned long id = p->ns->id;
		pthread_mutex_unlock(&g_lock);
		tlog("namespace %lu: writer %d joined, orchestrator %d", id, (int)p->tid, (int)p->orch);
		join_detach(p->j, 0); /* its next system call is already caught */
	} else {
		tlog("join %d failed: %s", (int)p->tid, strerror(-lfd));
		join_detach(p->j, -lfd); /* its write() fails with that error */
		free(p->ns);
	}
}

static void reap(void)
{
	for (;;) {
		int status;
		pid_t pid = waitpid(-1, &status, __WALL | WNOHANG);
		if (pid <= 0)
			return;
		struct pending **pp = &pendings;
		while (*pp && (*pp)->tid != pid)
			pp = &(*pp)->next;
		if (!*pp) {
			tlog("wait status %#x of %d: not a joining writer", (unsigned)status, (int)pid);
			continue;
		}
		struct pending *p = *pp;
		*pp = p->next;
		finish_join(p, status);
		free(p);
	}
}

static int do_release(struct mreq *r, struct task **after)
{
	pthread_mutex_lock(&g_lock);
	struct task *t = task_find(r->pid);
	int err = 0;
	if (!t || !t->ns)
		err = ESRCH;
	else if (!t->blocked)
		err = EINVAL;
	pthread_mutex_unlock(&g_lock);
	if (!err && !notif_valid(t->ns, t->notif.id))
		err = ESRCH; /* killed while waiting */
	pthread_mutex_lock(&g_lock);
	if (err)
		;
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
	if (!err) {
		if (t->stage == ST_EXEC_MMAP)
			*after = t; /* now its held call itself */
		else
			answer(t, 0);
	}
	return err;
}

static void process_requests(void)
{
	pthread_mutex_lock(&g_lock);
	struct mreq *list = rq_head;
	rq_head = rq_tail = NULL;
	pthread_mutex_unlock(&g_lock);
	while (list) {
		struct mreq *r = list;
		list = r->next;
		struct task *after = NULL;
		int res = 0;
		if (r->type == RQ_JOIN)
			res = do_join(r);
		else if (r->type == RQ_RELEASE)
			res = do_release(r, &after);
		else
			cn_drain();
		pthread_mutex_lock(&g_lock);
		r->result = res;
		r->done = true;
		pthread_cond_broadcast(&rq_cv);
		pthread_mutex_unlock(&g_lock);
		if (after && still_valid(after))
			handle_call(after, now_ns());
	}
}

/* ---------- the thread ---------- */

static void close_listener(struct ns *ns, const char *why)
{
	tlog("namespace %lu: listener closed (%s)", ns->id, why);
	pthread_mutex_lock(&g_lock);
	int fd = ns->lfd;
	ns->lfd = -1;
	pthread_mutex_unlock(&g_lock);
	close(fd);
}

/*
 * Shutdown: writers still joining go on without a filter, held calls run, and
 * the listeners are closed (later filtered calls of surviving tasks then fail
 * with ENOSYS: the kernel's answer when nobody listens).
 */
static void let_everything_go(void)
{
	while (pendings) {
		struct pending *p = pendings;
		pendings = p->next;
		int status = 0;
		pid_t got = 0;
		for (int i = 0; i < 2000 && got == 0; i++) {
			got = waitpid(p->tid, &status, __WALL | WNOHANG);
			if (got == 0)
				usleep(1000);
		}
		if (got == p->tid && join_stopped(p->j, status) == 0)
			join_detach(p->j, 0);
		else if (got != p->tid)
			tlog("join %d: no stop before shutdown", (int)p->tid);
		free(p->ns);
		free(p);
	}
	for (struct task *t = g_tasks; t; t = t->next)
		if (t->held)
			answer(t, 0);
	for (struct ns *ns = g_ns; ns; ns = ns->next) {
		if (ns->lfd < 0)
			continue;
		for (int i = 0; i < 1000; i++) {
			struct pollfd p = {.fd = ns->lfd, .events = POLLIN};
			if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN))
				break;
			memset(notif_buf, 0, sizes.seccomp_notif);
			if (ioctl(ns->lfd, SECCOMP_IOCTL_NOTIF_RECV, notif_buf) == 0)
				send_resp(ns->lfd, ((struct seccomp_notif *)notif_buf)->id, 0);
		}
		close_listener(ns, "shutdown");
	}
}

static void *monitor_main(void *arg)
{
	(void)arg;
	struct pollfd *p = NULL;
	struct ns **who = NULL;
	size_t cap = 0;
	for (;;) {
		pthread_mutex_lock(&g_lock);
		size_t n = 3;
		for (struct ns *ns = g_ns; ns; ns = ns->next)
			n += ns->lfd >= 0;
		if (n > cap) {
			cap = n * 2;
			p = realloc(p, cap * sizeof(*p));
			who = realloc(who, cap * sizeof(*who));
			if (!p || !who)
				abort();
		}
		p[0] = (struct pollfd){.fd = sigfd, .events = POLLIN};
		p[1] = (struct pollfd){.fd = evfd, .events = POLLIN};
		p[2] = (struct pollfd){.fd = cnfd, .events = POLLIN};
		n = 3;
		for (struct ns *ns = g_ns; ns; ns = ns->next) {
			if (ns->lfd >= 0) {
				who[n] = ns;
				p[n++] = (struct pollfd){.fd = ns->lfd, .events = POLLIN};
			}
		}
		pthread_mutex_unlock(&g_lock);

		poll(p, n, 250);
		struct signalfd_siginfo si;
		while (read(sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		reap();
		uint64_t v;
		while (read(evfd, &v, sizeof(v)) == (ssize_t)sizeof(v))
			;
		process_requests();
		cn_drain();
		for (size_t i = 3; i < n; i++) {
			if (p[i].revents & POLLIN)
				recv_notifications(who[i]);
			else if (p[i].revents & (POLLHUP | POLLERR | POLLNVAL))
				close_listener(who[i], "no task left");
		}
		pthread_mutex_lock(&g_lock);
		bool stop = monitor_exiting;
		pthread_mutex_unlock(&g_lock);
		if (stop)
			break;
	}
	process_requests(); /* none can arrive now; answer stragglers */
	reap();
	let_everything_go();
	cn_listen(PROC_CN_MCAST_IGNORE);
	free(p);
	free(who);
	return NULL;
}

int monitor_start(void)
{
	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return -1;
	if (sizes.seccomp_notif < sizeof(struct seccomp_notif))
		sizes.seccomp_notif = sizeof(struct seccomp_notif);
	if (sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp))
		sizes.seccomp_notif_resp = sizeof(struct seccomp_notif_resp);
	notif_buf = calloc(1, sizes.seccomp_notif);
	resp_buf = calloc(1, sizes.seccomp_notif_resp);
	if (!notif_buf || !resp_buf)
		return -1;
	if (cn_open() < 0) {
		int e = errno;
		fprintf(stderr, "tsem-emulator: the proc connector (NETLINK_CONNECTOR, CN_IDX_PROC) does "
				"not answer: %s (root in the initial user and pid namespaces is needed)\n",
			strerror(e));
		errno = e;
		return -1;
	}
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	evfd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (sigfd < 0 || evfd < 0)
		return -1;
	/* the monitor gets no process signal but through its signalfd */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	int rc = pthread_create(&monitor_tid, NULL, monitor_main, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0)
		return -1;
	pthread_mutex_lock(&g_lock);
	monitor_running = true;
	pthread_mutex_unlock(&g_lock);
	return 0;
}

void monitor_stop(void)
{
	pthread_mutex_lock(&g_lock);
	bool running = monitor_running;
	monitor_exiting = true;
	pthread_mutex_unlock(&g_lock);
	if (!running)
		return;
	uint64_t one = 1;
	if (write(evfd, &one, sizeof(one)) < 0)
		tlog("eventfd write: %s", strerror(errno));
	pthread_join(monitor_tid, NULL);
	close(cnfd);
}
