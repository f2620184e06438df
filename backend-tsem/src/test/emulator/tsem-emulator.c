/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tsem-emulator: a user-space emulator of the TSEM (Trusted Security Event
 * Modeling) securityfs ABI, for testing esf4j's TSEM backend on a kernel
 * without TSEM.
 *
 * What it emulates (see /work/shared/specs/tsem.md for the ABI):
 *  - the files control, id, aggregate and external_tma/<id>, served by FUSE
 *    (low-level API) at a directory of your choice instead of
 *    /sys/kernel/security/tsem;
 *  - the control commands external/export (creating a namespace and moving
 *    the writing process into it), enforce, seal, trusted/untrusted, in the
 *    v4 (key=) or the post-v4 (tnum=) syntax;
 *  - the event queue: one JSON record per read(), ENODATA when empty,
 *    lseek(0) needed between reads, poll readiness cleared by the poll that
 *    reports it, an aggregate record first;
 *  - blocking: the tasks of a namespace are held with seccomp user
 *    notification (monitor.c, join.c) and really sleep in the kernel, in the
 *    filtered system call, from a modeled event until released; nothing
 *    ptraces them, so a workload can run under strace; untrusted tasks get log
 *    records, and EPERM when the namespace enforces;
 *  - events file_open (open/openat/openat2/creat, including files created in
 *    the namespace, and the program of an exec), mmap_file (PROT_EXEC mmaps of
 *    files, and the new image after an exec commits, which also brings a new
 *    TASK_ID and ttd), socket_create, socket_bind, socket_connect, task_kill.
 *
 * What it does not emulate:
 *  - LSM hook points: events are seen at system-call entry, with seccomp user
 *    notification's TOCTOU; only x86_64 system calls are modeled; opens of the
 *    emulator's own files are not modeled;
 *  - any other of TSEM's ~90 event types, internal modeling (internal_tma,
 *    the "internal" command, state/pseudonym/base/lock), model measurement,
 *    the TPM (aggregate is all zeros), CAP_MAC_ADMIN checks, sealed-namespace
 *    restrictions on opening id, the kernel's TASK_ID/coefficient byte
 *    encodings (identity.c has its own), s_uuid (always zeros), namespace
 *    teardown (external_tma/<id> stays after the last task exits), nsref
 *    (ids are always those seen by the emulator), cache= (accepted, unused),
 *    the whole system in --root-export-only mode (only external_tma/0 and its
 *    aggregate record exist: processes outside a namespace are not held).
 * When the emulator stops or dies, the kernel answers the filtered system
 * calls of surviving tasks with ENOSYS (see README.md).
 */
#define FUSE_USE_VERSION 312
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <fuse_lowlevel.h>

#include "emu.h"

#define INO_ROOT 1
#define INO_CONTROL 2
#define INO_ID 3
#define INO_AGGREGATE 4
#define INO_EXTERNAL 5
#define INO_NS_BASE 1000 /* external_tma/<id> is INO_NS_BASE + id */

struct config cfg = {.syntax = SYN_TNUM, .our_mnt_id = -1};
struct ns *g_ns;

static unsigned long next_ns_id = 1;
static bool control_busy;
static time_t start_time;
static pthread_mutex_t tlog_lock = PTHREAD_MUTEX_INITIALIZER;

struct ofile {
	struct ofile *next;
	struct ns *ns;
	struct fuse_pollhandle *ph;
};

void tlog(const char *fmt, ...)
{
	if (!cfg.trace)
		return;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&tlog_lock);
	fprintf(cfg.trace, "%ld.%06ld ", (long)ts.tv_sec, ts.tv_nsec / 1000);
	vfprintf(cfg.trace, fmt, ap);
	fputc('\n', cfg.trace);
	fflush(cfg.trace);
	pthread_mutex_unlock(&tlog_lock);
	va_end(ap);
}

/* ---------- namespaces and their queues (g_lock held unless said) ---------- */

struct ns *ns_find(unsigned long id)
{
	for (struct ns *n = g_ns; n; n = n->next)
		if (n->id == id)
			return n;
	return NULL;
}

struct ns *ns_new(bool external, const EVP_MD *md)
{
	struct ns *n = calloc(1, sizeof(*n));
	if (!n)
		abort();
	n->external = external;
	n->md = md;
	n->dlen = (unsigned)EVP_MD_get_size(md);
	n->lfd = -1;
	return n;
}

void ns_queue(struct ns *ns, char *text, size_t len)
{
	struct rec *r = malloc(sizeof(*r) + len + 1);
	if (!r)
		abort();
	r->next = NULL;
	r->len = len;
	memcpy(r->text, text, len);
	r->text[len] = 0;
	free(text);
	if (ns->qtail)
		ns->qtail->next = r;
	else
		ns->qhead = r;
	ns->qtail = r;
	ns->poll_flag = true;
	for (struct ofile *f = ns->files; f; f = f->next) {
		if (f->ph) {
			fuse_lowlevel_notify_poll(f->ph);
			fuse_pollhandle_destroy(f->ph);
			f->ph = NULL;
		}
	}
}

/* Give the namespace its id, list it and queue its aggregate record. */
void ns_register(struct ns *ns, pid_t creator, pid_t orch)
{
	ns->id = next_ns_id++;
	ns->creator = creator;
	ns->orch = orch;
	ns->next = g_ns;
	g_ns = ns;
	struct sb s = {0};
	unsigned char zero[MAX_DIGEST] = {0};
	sb_add(&s, "{\"export\": {\"type\": \"aggregate\"}, \"aggregate\": {\"value\": ");
	sb_hex(&s, zero, ns->dlen);
	sb_add(&s, "}}\n");
	ns_queue(ns, s.buf, s.len);
}

/* ---------- the file tree ---------- */

static bool fill_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	st->st_nlink = 1;
	st->st_atime = st->st_mtime = st->st_ctime = start_time;
	switch (ino) {
	case INO_ROOT:
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 3;
		return true;
	case INO_CONTROL:
		st->st_mode = S_IFREG | 0200;
		return true;
	case INO_ID:
	case INO_AGGREGATE:
		st->st_mode = S_IFREG | 0400;
		return true;
	case INO_EXTERNAL:
		st->st_mode = S_IFDIR | 0500;
		st->st_nlink = 2;
		return true;
	default:
		if (ino < INO_NS_BASE)
			return false;
		pthread_mutex_lock(&g_lock);
		bool ok = ns_find(ino - INO_NS_BASE) != NULL;
		pthread_mutex_unlock(&g_lock);
		st->st_mode = S_IFREG | 0400;
		return ok;
	}
}

bool node_for_path(const char *path, unsigned *mode)
{
	size_t rl = strlen(cfg.root_real);
	if (strncmp(path, cfg.root_real, rl) != 0)
		return false;
	const char *rel = path + rl;
	while (*rel == '/')
		rel++;
	fuse_ino_t ino = 0;
	if (!*rel)
		ino = INO_ROOT;
	else if (!strcmp(rel, "control"))
		ino = INO_CONTROL;
	else if (!strcmp(rel, "id"))
		ino = INO_ID;
	else if (!strcmp(rel, "aggregate"))
		ino = INO_AGGREGATE;
	else if (!strcmp(rel, "external_tma"))
		ino = INO_EXTERNAL;
	else if (!strncmp(rel, "external_tma/", 13))
		ino = INO_NS_BASE;
	if (!ino)
		return false;
	struct stat st;
	if (ino == INO_NS_BASE) {
		*mode = S_IFREG | 0400;
		return true;
	}
	fill_stat(ino, &st);
	*mode = st.st_mode;
	return true;
}

static void reply_entry(fuse_req_t req, fuse_ino_t ino)
{
	struct fuse_entry_param e;
	memset(&e, 0, sizeof(e));
	if (!fill_stat(ino, &e.attr)) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = ino;
	e.attr_timeout = 1.0;
	e.entry_timeout = 1.0;
	fuse_reply_entry(req, &e);
}

static bool parse_ulong(const char *s, unsigned long *out, int base)
{
	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	char *end;
	errno = 0;
	unsigned long v = strtoul(s, &end, base);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

static void op_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	if (parent == INO_ROOT) {
		if (!strcmp(name, "control"))
			return reply_entry(req, INO_CONTROL);
		if (!strcmp(name, "id"))
			return reply_entry(req, INO_ID);
		if (!strcmp(name, "aggregate"))
			return reply_entry(req, INO_AGGREGATE);
		if (!strcmp(name, "external_tma"))
			return reply_entry(req, INO_EXTERNAL);
	} else if (parent == INO_EXTERNAL) {
		unsigned long id;
		if (parse_ulong(name, &id, 10) && (id == 0 || name[0] != '0') && id < 1000000000ul)
			return reply_entry(req, INO_NS_BASE + id);
	}
	fuse_reply_err(req, ENOENT);
}

static void op_getattr(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	struct stat st;
	if (!fill_stat(ino, &st))
		fuse_reply_err(req, ENOENT);
	else
		fuse_reply_attr(req, &st, 1.0);
}

static void op_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr, int to_set,
		       struct fuse_file_info *fi)
{
	(void)attr;
	(void)fi;
	/* only the truncation a shell's "> control" asks for is accepted */
	struct stat st;
	if (ino == INO_CONTROL && !(to_set & ~(FUSE_SET_ATTR_SIZE | FUSE_SET_ATTR_MTIME |
					       FUSE_SET_ATTR_MTIME_NOW | FUSE_SET_ATTR_CTIME)) &&
	    fill_stat(ino, &st))
		fuse_reply_attr(req, &st, 1.0);
	else
		fuse_reply_err(req, EPERM);
}

struct dirbuf {
	char *p;
	size_t size;
};

static void dirbuf_add(fuse_req_t req, struct dirbuf *b, const char *name, fuse_ino_t ino)
{
	struct stat st;
	memset(&st, 0, sizeof(st));
	st.st_ino = ino;
	st.st_mode = (ino == INO_ROOT || ino == INO_EXTERNAL) ? S_IFDIR : S_IFREG;
	size_t old = b->size;
	b->size += fuse_add_direntry(req, NULL, 0, name, NULL, 0);
	char *np = realloc(b->p, b->size);
	if (!np)
		abort();
	b->p = np;
	fuse_add_direntry(req, b->p + old, b->size - old, name, &st, (off_t)b->size);
}

static void op_readdir(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		       struct fuse_file_info *fi)
{
	(void)fi;
	struct dirbuf b = {0};
	if (ino == INO_ROOT) {
		dirbuf_add(req, &b, ".", INO_ROOT);
		dirbuf_add(req, &b, "..", INO_ROOT);
		dirbuf_add(req, &b, "control", INO_CONTROL);
		dirbuf_add(req, &b, "id", INO_ID);
		dirbuf_add(req, &b, "aggregate", INO_AGGREGATE);
		dirbuf_add(req, &b, "external_tma", INO_EXTERNAL);
	} else if (ino == INO_EXTERNAL) {
		dirbuf_add(req, &b, ".", INO_EXTERNAL);
		dirbuf_add(req, &b, "..", INO_ROOT);
		pthread_mutex_lock(&g_lock);
		size_t n = 0;
		for (struct ns *s = g_ns; s; s = s->next)
			n++;
		unsigned long *ids = calloc(n + 1, sizeof(*ids));
		n = 0;
		for (struct ns *s = g_ns; s; s = s->next)
			ids[n++] = s->id;
		pthread_mutex_unlock(&g_lock);
		while (n-- > 0) { /* oldest first */
			char name[32];
			snprintf(name, sizeof(name), "%lu", ids[n]);
			dirbuf_add(req, &b, name, INO_NS_BASE + ids[n]);
		}
		free(ids);
	} else {
		fuse_reply_err(req, ENOTDIR);
		return;
	}
	if ((size_t)off < b.size)
		fuse_reply_buf(req, b.p + off, b.size - (size_t)off < size ? b.size - (size_t)off : size);
	else
		fuse_reply_buf(req, NULL, 0);
	free(b.p);
}

static void op_open(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	int acc = fi->flags & O_ACCMODE;
	fi->direct_io = 1;
	fi->keep_cache = 0;
	fi->fh = 0;
	switch (ino) {
	case INO_ROOT:
	case INO_EXTERNAL:
		fuse_reply_err(req, EISDIR);
		return;
	case INO_CONTROL:
		if (acc != O_WRONLY) {
			fuse_reply_err(req, EACCES);
			return;
		}
		pthread_mutex_lock(&g_lock);
		bool busy = control_busy;
		control_busy = true;
		pthread_mutex_unlock(&g_lock);
		if (busy) {
			fuse_reply_err(req, EBUSY);
			return;
		}
		/*
		 * TSEM's write handler never advances the file position, so every
		 * write() through one descriptor is at offset 0 there. FUSE advances
		 * it: the bytes written so far through this open file are kept, and
		 * a write right after them counts as one at offset 0; only a pwrite()
		 * or lseek() elsewhere is refused, as the kernel would.
		 */
		fi->fh = (uint64_t)(uintptr_t)calloc(1, sizeof(uint64_t));
		if (fuse_reply_open(req, fi) != 0) {
			pthread_mutex_lock(&g_lock);
			control_busy = false;
			pthread_mutex_unlock(&g_lock);
			free((void *)(uintptr_t)fi->fh);
		}
		return;
	case INO_ID:
	case INO_AGGREGATE:
		if (acc != O_RDONLY)
			fuse_reply_err(req, EACCES);
		else
			fuse_reply_open(req, fi);
		return;
	default:
		break;
	}
	if (ino < INO_NS_BASE) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	if (acc != O_RDONLY) {
		fuse_reply_err(req, EACCES);
		return;
	}
	struct ofile *of = calloc(1, sizeof(*of));
	if (!of)
		abort();
	pthread_mutex_lock(&g_lock);
	struct ns *ns = ns_find(ino - INO_NS_BASE);
	if (ns) {
		of->ns = ns;
		of->next = ns->files;
		ns->files = of;
	}
	pthread_mutex_unlock(&g_lock);
	if (!ns) {
		free(of);
		fuse_reply_err(req, ENOENT);
		return;
	}
	fi->fh = (uint64_t)(uintptr_t)of;
	if (fuse_reply_open(req, fi) != 0) {
		pthread_mutex_lock(&g_lock);
		for (struct ofile **pp = &ns->files; *pp; pp = &(*pp)->next)
			if (*pp == of) {
				*pp = of->next;
				break;
			}
		pthread_mutex_unlock(&g_lock);
		free(of);
	}
}

static void op_release(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	if (ino == INO_CONTROL) {
		pthread_mutex_lock(&g_lock);
		control_busy = false;
		pthread_mutex_unlock(&g_lock);
		free((void *)(uintptr_t)fi->fh);
	} else if (ino >= INO_NS_BASE && fi->fh) {
		struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
		pthread_mutex_lock(&g_lock);
		for (struct ofile **pp = &of->ns->files; *pp; pp = &(*pp)->next)
			if (*pp == of) {
				*pp = of->next;
				break;
			}
		if (of->ph)
			fuse_pollhandle_destroy(of->ph);
		pthread_mutex_unlock(&g_lock);
		free(of);
	}
	fuse_reply_err(req, 0);
}

/*
 * close() waits for FLUSH but not for RELEASE: control is freed at flush so
 * that close(); open() in a row does not see EBUSY (closing one of several
 * duplicated descriptors frees it too).
 */
static void op_flush(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi)
{
	(void)fi;
	if (ino == INO_CONTROL) {
		pthread_mutex_lock(&g_lock);
		control_busy = false;
		pthread_mutex_unlock(&g_lock);
	}
	fuse_reply_err(req, 0);
}

static pid_t tgid_of(pid_t tid)
{
	long v;
	return proc_status_field(tid, "Tgid", &v) == 0 ? (pid_t)v : tid;
}

/* The caller's namespace (0 if none); g_lock held. */
static struct ns *caller_ns(pid_t tid, pid_t tgid)
{
	struct task *t = task_find(tid);
	if (!t || !t->ns)
		t = task_find(tgid);
	return t && t->ns ? t->ns : NULL;
}

/* The same, first letting the monitor read the proc connector for a just-forked caller. */
static struct ns *caller_ns_synced(pid_t tid, pid_t tgid)
{
	pthread_mutex_lock(&g_lock);
	struct ns *ns = caller_ns(tid, tgid);
	pthread_mutex_unlock(&g_lock);
	if (!ns) {
		monitor_sync();
		pthread_mutex_lock(&g_lock);
		ns = caller_ns(tid, tgid);
		pthread_mutex_unlock(&g_lock);
	}
	return ns;
}

static void reply_slice(fuse_req_t req, const char *s, size_t len, size_t size, off_t off)
{
	if ((size_t)off >= len)
		fuse_reply_buf(req, NULL, 0);
	else
		fuse_reply_buf(req, s + off, len - (size_t)off < size ? len - (size_t)off : size);
}

static void op_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	char buf[160];
	if (ino == INO_ID) {
		pid_t tid = fuse_req_ctx(req)->pid;
		pid_t tgid = tid > 0 ? tgid_of(tid) : 0;
		struct ns *ns = tid > 0 ? caller_ns_synced(tid, tgid) : NULL;
		pthread_mutex_lock(&g_lock);
		unsigned long id = ns ? ns->id : 0;
		pthread_mutex_unlock(&g_lock);
		int n = snprintf(buf, sizeof(buf), "%lu\n", id);
		reply_slice(req, buf, (size_t)n, size, off);
		return;
	}
	if (ino == INO_AGGREGATE) {
		memset(buf, '0', 64);
		buf[64] = '\n';
		reply_slice(req, buf, 65, size, off);
		return;
	}
	if (ino < INO_NS_BASE || !fi->fh) {
		fuse_reply_err(req, EBADF);
		return;
	}
	if (off > 0) { /* one record per read: lseek(0) comes first */
		fuse_reply_buf(req, NULL, 0);
		return;
	}
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	pthread_mutex_lock(&g_lock);
	struct rec *r = of->ns->qhead;
	if (r) {
		of->ns->qhead = r->next;
		if (!r->next)
			of->ns->qtail = NULL;
	}
	pthread_mutex_unlock(&g_lock);
	if (!r) {
		fuse_reply_err(req, ENODATA);
		return;
	}
	/* a record longer than the buffer is cut; its rest is dropped */
	fuse_reply_buf(req, r->text, r->len < size ? r->len : size);
	free(r);
}

static void op_poll(fuse_req_t req, fuse_ino_t ino, struct fuse_file_info *fi,
		    struct fuse_pollhandle *ph)
{
	if (ino < INO_NS_BASE || !fi->fh) {
		if (ph)
			fuse_pollhandle_destroy(ph);
		fuse_reply_poll(req, ino == INO_CONTROL ? POLLOUT | POLLWRNORM : POLLIN | POLLRDNORM);
		return;
	}
	struct ofile *of = (struct ofile *)(uintptr_t)fi->fh;
	pthread_mutex_lock(&g_lock);
	if (ph) {
		if (of->ph)
			fuse_pollhandle_destroy(of->ph);
		of->ph = ph;
	}
	bool ready = of->ns->poll_flag && of->ns->qhead;
	if (ready)
		of->ns->poll_flag = false; /* cleared by the poll that reports it */
	pthread_mutex_unlock(&g_lock);
	fuse_reply_poll(req, ready ? POLLIN | POLLRDNORM : 0);
}

/* ---------- control commands ---------- */

static const struct {
	const char *kernel, *openssl;
} digests[] = {
	{"sha256", "SHA256"}, {"sha1", "SHA1"},         {"sha384", "SHA384"},
	{"sha512", "SHA512"}, {"sha3-256", "SHA3-256"}, {"sm3", "SM3"},
};

static const EVP_MD *digest_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(digests) / sizeof(digests[0]); i++)
		if (!strcmp(name, digests[i].kernel))
			return EVP_get_digestbyname(digests[i].openssl);
	return NULL;
}

static int hex_decode(const char *hex, unsigned char *out, size_t max, size_t *outlen)
{
	size_t n = strlen(hex);
	if (n == 0 || n % 2 || n / 2 > max)
		return -1;
	for (size_t i = 0; i < n; i += 2) {
		char b[3] = {hex[i], hex[i + 1], 0};
		if (!strchr("0123456789abcdefABCDEF", b[0]) || !strchr("0123456789abcdefABCDEF", b[1]))
			return -1;
		out[i / 2] = (unsigned char)strtoul(b, NULL, 16);
	}
	*outlen = n / 2;
	return 0;
}

static int cmd_create(bool external, char **tok, int nt, pid_t tid)
{
	const char *digest = "sha256", *key = NULL;
	for (int i = 1; i < nt; i++) {
		char *eq = strchr(tok[i], '=');
		if (!eq || eq == tok[i] || !eq[1])
			return EINVAL;
		*eq = 0;
		const char *name = tok[i], *val = eq + 1;
		if (!strcmp(name, "model")) {
			/* any model name: an external namespace does not use it */
		} else if (!strcmp(name, "nsref")) {
			if (strcmp(val, "initial") && strcmp(val, "current"))
				return EINVAL;
		} else if (!strcmp(name, "digest")) {
			digest = val;
		} else if (!strcmp(name, "cache")) {
			unsigned long c;
			if (!parse_ulong(val, &c, 0) || c == 0 || c > INT_MAX)
				return EINVAL;
		} else if (!strcmp(name, "key")) {
			if (cfg.syntax != SYN_V4)
				return EINVAL;
			key = val;
		} else {
			return EINVAL;
		}
	}
	const EVP_MD *md = digest_by_name(digest);
	if (!md)
		return EINVAL; /* the kernel: ENOENT/EINVAL from the crypto API */
	unsigned dlen = (unsigned)EVP_MD_get_size(md);
	unsigned char kbuf[MAX_DIGEST];
	size_t klen = 0;
	if (cfg.syntax == SYN_V4 && external && !key)
		return EINVAL;
	if (key && (strlen(key) != 2 * dlen || hex_decode(key, kbuf, sizeof(kbuf), &klen) < 0))
		return EINVAL;

	pid_t tgid = tgid_of(tid);
	if (caller_ns_synced(tid, tgid))
		return EINVAL; /* namespaces are not hierarchical */
	long ppid = 0;
	proc_status_field(tgid, "PPid", &ppid);

	struct ns *ns = ns_new(external, md);
	if (key) {
		memcpy(ns->key, kbuf, klen);
		ns->has_key = true;
	}
	/* the writer's thread: a multi-threaded process gets EINVAL (monitor.c) */
	int rc = monitor_join(tid, ns, (pid_t)ppid);
	if (rc)
		free(ns); /* else the monitor owns it */
	return rc;
}

static int cmd_mode(bool seal, int nt, pid_t tid)
{
	if (nt != 1)
		return EINVAL;
	pid_t tgid = tgid_of(tid);
	int err = 0;
	/*
	 * The caller's own namespace: a process outside every namespace would
	 * act on the root namespace's model, which the emulator does not model.
	 */
	struct ns *ns = caller_ns_synced(tid, tgid);
	pthread_mutex_lock(&g_lock);
	if (!ns)
		err = EOPNOTSUPP;
	else if (ns->sealed)
		err = EPERM;
	else if (seal)
		ns->sealed = true;
	else
		ns->enforce = true;
	if (!err)
		tlog("namespace %lu: %s", ns->id, seal ? "sealed" : "enforcing");
	pthread_mutex_unlock(&g_lock);
	return err;
}

static int cmd_release(bool untrusted, char **tok, int nt, pid_t tid)
{
	unsigned long pid = 0, tnum = 0;
	bool have_pid = false, have_tnum = false;
	unsigned char key[MAX_DIGEST];
	size_t klen = 0;
	for (int i = 1; i < nt; i++) {
		char *eq = strchr(tok[i], '=');
		if (!eq)
			return EINVAL;
		*eq = 0;
		const char *name = tok[i], *val = eq + 1;
		if (!strcmp(name, "pid")) {
			if (!parse_ulong(val, &pid, 0) || pid == 0 || pid > INT_MAX)
				return EINVAL;
			have_pid = true;
		} else if (!strcmp(name, "tnum") && cfg.syntax == SYN_TNUM) {
			if (!parse_ulong(val, &tnum, 0))
				return EINVAL;
			have_tnum = true;
		} else if (!strcmp(name, "key") && cfg.syntax == SYN_V4) {
			if (hex_decode(val, key, sizeof(key), &klen) < 0)
				return EINVAL;
		} else {
			return EINVAL;
		}
	}
	if (!have_pid || (cfg.syntax == SYN_TNUM ? !have_tnum : klen == 0))
		return EINVAL;
	return monitor_release(tgid_of(tid), (pid_t)pid, untrusted, key, klen, tnum);
}

static int control_command(fuse_req_t req, const char *buf, size_t size, off_t off)
{
	if (off != 0 || size == 0 || size > 127)
		return EINVAL;
	char line[128];
	memcpy(line, buf, size);
	line[size] = 0;
	char *nl = memchr(line, '\n', size);
	if (!nl)
		return EINVAL;
	*nl = 0;
	char *tok[16], *save = NULL;
	int nt = 0;
	for (char *t = strtok_r(line, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (nt == 16)
			return EINVAL;
		tok[nt++] = t;
	}
	if (nt == 0)
		return EINVAL;
	pid_t tid = fuse_req_ctx(req)->pid;
	if (tid <= 0)
		return EPERM; /* caller outside the emulator's pid namespace */
	const char *c = tok[0];
	if (!strcmp(c, "external") || !strcmp(c, "export"))
		return cmd_create(!strcmp(c, "external"), tok, nt, tid);
	if (!strcmp(c, "enforce") || !strcmp(c, "seal"))
		return cmd_mode(!strcmp(c, "seal"), nt, tid);
	if (!strcmp(c, "trusted") || !strcmp(c, "untrusted"))
		return cmd_release(!strcmp(c, "untrusted"), tok, nt, tid);
	if (!strcmp(c, "internal") || !strcmp(c, "state") || !strcmp(c, "pseudonym") ||
	    !strcmp(c, "base") || !strcmp(c, "lock"))
		return EOPNOTSUPP;
	return EINVAL;
}

static void op_write(fuse_req_t req, fuse_ino_t ino, const char *buf, size_t size, off_t off,
		     struct fuse_file_info *fi)
{
	if (ino != INO_CONTROL) {
		fuse_reply_err(req, EBADF);
		return;
	}
	uint64_t *written = (uint64_t *)(uintptr_t)fi->fh;
	int err = control_command(req, buf, size, written && (uint64_t)off == *written ? 0 : off);
	if (!err && written)
		*written += size;
	tlog("control write from %d: %.*s -> %s", (int)fuse_req_ctx(req)->pid,
	     (int)(size && buf[size - 1] == '\n' ? size - 1 : size), buf, err ? strerror(err) : "ok");
	if (err)
		fuse_reply_err(req, err);
	else
		fuse_reply_write(req, size);
}

static const struct fuse_lowlevel_ops ops = {
	.lookup = op_lookup,
	.getattr = op_getattr,
	.setattr = op_setattr,
	.readdir = op_readdir,
	.open = op_open,
	.read = op_read,
	.write = op_write,
	.flush = op_flush,
	.release = op_release,
	.poll = op_poll,
};

/* ---------- start-up ---------- */

static void unescape_mountinfo(char *s)
{
	char *o = s;
	for (char *p = s; *p; p++) {
		if (p[0] == '\\' && p[1] >= '0' && p[1] <= '7' && p[2] && p[3]) {
			*o++ = (char)strtol((char[]){p[1], p[2], p[3], 0}, NULL, 8);
			p += 3;
		} else {
			*o++ = *p;
		}
	}
	*o = 0;
}

static int find_our_mnt_id(void)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	int id = -1;
	while (getline(&line, &cap, f) > 0) {
		int mid, parent;
		char devs[64], root[4096], mp[4096];
		if (sscanf(line, "%d %d %63s %4095s %4095s", &mid, &parent, devs, root, mp) != 5)
			continue;
		unescape_mountinfo(mp);
		char *sep = strstr(line, " - ");
		if (strcmp(mp, cfg.root_real) == 0 && sep && strncmp(sep + 3, "fuse", 4) == 0)
			id = mid; /* the last one is on top */
	}
	free(line);
	fclose(f);
	return id;
}

static void usage(void)
{
	fprintf(stderr, "usage: tsem-emulator --root DIR [--syntax v4|tnum] [--root-export-only] "
			"[--trace-log FILE]\n");
	exit(1);
}

int main(int argc, char **argv)
{
	const char *trace = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--root") && i + 1 < argc)
			cfg.root = argv[++i];
		else if (!strcmp(argv[i], "--syntax") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "v4"))
				cfg.syntax = SYN_V4;
			else if (!strcmp(argv[i], "tnum"))
				cfg.syntax = SYN_TNUM;
			else
				usage();
		} else if (!strcmp(argv[i], "--root-export-only"))
			cfg.root_export_only = true;
		else if (!strcmp(argv[i], "--trace-log") && i + 1 < argc)
			trace = argv[++i];
		else
			usage();
	}
	if (!cfg.root)
		usage();
	if (!realpath(cfg.root, cfg.root_real)) {
		fprintf(stderr, "tsem-emulator: %s: %s\n", cfg.root, strerror(errno));
		return 1;
	}
	DIR *d = opendir(cfg.root_real);
	if (!d) {
		fprintf(stderr, "tsem-emulator: %s: %s\n", cfg.root_real, strerror(errno));
		return 1;
	}
	struct dirent *de;
	bool empty = true;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			empty = false;
	closedir(d);
	if (!empty) {
		fprintf(stderr, "tsem-emulator: %s is not empty\n", cfg.root_real);
		return 1;
	}
	if (trace) {
		cfg.trace = fopen(trace, "ae");
		if (!cfg.trace) {
			fprintf(stderr, "tsem-emulator: %s: %s\n", trace, strerror(errno));
			return 1;
		}
	}
	start_time = time(NULL);

	/* SIGCHLD only through the monitor's signalfd: blocked in every thread */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	pthread_sigmask(SIG_BLOCK, &set, NULL);

	if (cfg.root_export_only) {
		struct ns *ns = ns_new(false, EVP_sha256());
		pthread_mutex_lock(&g_lock);
		unsigned long save = next_ns_id;
		next_ns_id = 0;
		ns_register(ns, 0, 0);
		next_ns_id = save;
		pthread_mutex_unlock(&g_lock);
	}

	char *fargv[] = {argv[0], "-o", "fsname=tsem,subtype=tsem-emulator", NULL};
	struct fuse_args args = FUSE_ARGS_INIT(3, fargv);
	struct fuse_session *se = fuse_session_new(&args, &ops, sizeof(ops), NULL);
	if (!se) {
		fprintf(stderr, "tsem-emulator: cannot create the FUSE session\n");
		return 1;
	}
	if (fuse_set_signal_handlers(se) != 0) {
		fprintf(stderr, "tsem-emulator: cannot install signal handlers\n");
		return 1;
	}
	if (monitor_start() != 0) {
		fprintf(stderr, "tsem-emulator: cannot start the monitor: %s\n", strerror(errno));
		return 1;
	}
	if (fuse_session_mount(se, cfg.root_real) != 0) {
		fprintf(stderr, "tsem-emulator: cannot mount FUSE at %s\n", cfg.root_real);
		monitor_stop();
		return 1;
	}
	cfg.our_mnt_id = find_our_mnt_id();
	tlog("mounted at %s (mount id %d), syntax %s%s", cfg.root_real, cfg.our_mnt_id,
	     cfg.syntax == SYN_V4 ? "v4" : "tnum", cfg.root_export_only ? ", root export-only" : "");
	fputs("ready\n", stdout);
	fflush(stdout);

	struct fuse_loop_config *lc = fuse_loop_cfg_create();
	fuse_loop_cfg_set_max_threads(lc, 64);
	int rc = fuse_session_loop_mt(se, lc);
	fuse_loop_cfg_destroy(lc);
	tlog("stopping (loop returned %d)", rc);

	monitor_stop();
	fuse_session_unmount(se);
	fuse_remove_signal_handlers(se);
	fuse_session_destroy(se);
	tlog("stopped");
	return 0;
}
