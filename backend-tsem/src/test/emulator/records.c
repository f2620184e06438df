/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSEM emulator: JSON building blocks of the records (tsem.md section 6):
 * strings, the COE object and the "file" object of file_open / mmap_file.
 * Everything here reads /proc and the file itself; it never touches ptrace.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "emu.h"

/* ---------- string builder ---------- */

static void sb_grow(struct sb *s, size_t more)
{
	if (s->len + more + 1 <= s->cap)
		return;
	size_t cap = s->cap ? s->cap : 256;
	while (cap < s->len + more + 1)
		cap *= 2;
	char *b = realloc(s->buf, cap);
	if (!b) {
		perror("tsem-emulator: realloc");
		abort();
	}
	s->buf = b;
	s->cap = cap;
}

void sb_add(struct sb *s, const char *str)
{
	size_t n = strlen(str);
	sb_grow(s, n);
	memcpy(s->buf + s->len, str, n + 1);
	s->len += n;
}

void sb_printf(struct sb *s, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	sb_grow(s, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(s->buf + s->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	s->len += (size_t)n;
}

void sb_json_str(struct sb *s, const char *str, size_t len)
{
	sb_grow(s, len * 6 + 2);
	s->buf[s->len++] = '"';
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)str[i];
		if (c == '"' || c == '\\') {
			s->buf[s->len++] = '\\';
			s->buf[s->len++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			s->len += (size_t)sprintf(s->buf + s->len, "\\u%04x", c);
		} else {
			s->buf[s->len++] = (char)c;
		}
	}
	s->buf[s->len++] = '"';
	s->buf[s->len] = 0;
}

void sb_hex(struct sb *s, const unsigned char *b, size_t n)
{
	sb_grow(s, n * 2 + 2);
	s->buf[s->len++] = '"';
	for (size_t i = 0; i < n; i++)
		s->len += (size_t)sprintf(s->buf + s->len, "%02x", b[i]);
	s->buf[s->len++] = '"';
	s->buf[s->len] = 0;
}

void sb_free(struct sb *s)
{
	free(s->buf);
	s->buf = NULL;
	s->len = s->cap = 0;
}

/* ---------- /proc helpers ---------- */

static int read_small_file(const char *path, char *buf, size_t size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return (int)n;
}

int proc_status_field(pid_t tid, const char *field, long *val)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	size_t fl = strlen(field);
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, field, fl) == 0 && line[fl] == ':') {
			*val = strtol(line + fl + 1, NULL, 10);
			return 0;
		}
	}
	return -1;
}

int proc_umask(pid_t tid, unsigned *umask)
{
	char path[64], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strstr(buf, "\nUmask:");
	if (!p)
		return -1;
	*umask = (unsigned)strtoul(p + 7, NULL, 8);
	return 0;
}

void read_comm(pid_t tid, char *buf, size_t size)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)tid);
	if (read_small_file(path, buf, size) < 0) {
		snprintf(buf, size, "?");
		return;
	}
	char *nl = strchr(buf, '\n');
	if (nl)
		*nl = 0;
}

int read_coe(pid_t tid, struct coe *c)
{
	char path[64], buf[4096];
	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	char *p = strstr(buf, "\nUid:");
	if (p)
		sscanf(p + 5, "%u %u %u %u", &c->uid, &c->euid, &c->suid, &c->fsuid);
	p = strstr(buf, "\nGid:");
	if (p)
		sscanf(p + 5, "%u %u %u %u", &c->gid, &c->egid, &c->sgid, &c->fsgid);
	p = strstr(buf, "\nCapEff:");
	if (p)
		c->capeff = strtoull(p + 8, NULL, 16);
	return 0;
}

void sb_coe(struct sb *s, const struct coe *c)
{
	sb_printf(s,
		  "{\"uid\": \"%u\", \"euid\": \"%u\", \"suid\": \"%u\", \"gid\": \"%u\", "
		  "\"egid\": \"%u\", \"sgid\": \"%u\", \"fsuid\": \"%u\", \"fsgid\": \"%u\", "
		  "\"capeff\": \"0x%llx\"}",
		  c->uid, c->euid, c->suid, c->gid, c->egid, c->sgid, c->fsuid, c->fsgid,
		  (unsigned long long)c->capeff);
}

/* ---------- digests ---------- */

int digest_buf(const EVP_MD *md, const void *data, size_t len, unsigned char *out)
{
	unsigned int n = 0;
	return EVP_Digest(data, len, out, &n, md, NULL) == 1 ? 0 : -1;
}

/* Cache of file digests keyed by dev+ino+mtime+size and algorithm. */
struct dcache {
	dev_t dev;
	ino_t ino;
	struct timespec mtime;
	off_t size;
	const EVP_MD *md;
	unsigned char d[MAX_DIGEST];
};
#define DCACHE_SIZE 1024
static struct dcache dcache[DCACHE_SIZE];
static unsigned dcache_next;
static pthread_mutex_t dcache_lock = PTHREAD_MUTEX_INITIALIZER;

int file_digest(const EVP_MD *md, int fd, const struct stat *st, unsigned char *out)
{
	pthread_mutex_lock(&dcache_lock);
	for (unsigned i = 0; i < DCACHE_SIZE; i++) {
		struct dcache *e = &dcache[i];
		if (e->md == md && e->dev == st->st_dev && e->ino == st->st_ino &&
		    e->size == st->st_size && e->mtime.tv_sec == st->st_mtim.tv_sec &&
		    e->mtime.tv_nsec == st->st_mtim.tv_nsec) {
			memcpy(out, e->d, (size_t)EVP_MD_get_size(md));
			pthread_mutex_unlock(&dcache_lock);
			return 0;
		}
	}
	pthread_mutex_unlock(&dcache_lock);

	/* Read through a fresh read-only descriptor: the tracee's may be write-only. */
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int rfd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (rfd < 0)
		return -1;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	int rc = -1;
	if (ctx && EVP_DigestInit_ex(ctx, md, NULL) == 1) {
		static __thread unsigned char buf[1 << 16];
		off_t off = 0;
		for (;;) {
			ssize_t n = pread(rfd, buf, sizeof(buf), off);
			if (n < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			if (n == 0) {
				unsigned int dl;
				rc = EVP_DigestFinal_ex(ctx, out, &dl) == 1 ? 0 : -1;
				break;
			}
			EVP_DigestUpdate(ctx, buf, (size_t)n);
			off += n;
		}
	}
	EVP_MD_CTX_free(ctx);
	close(rfd);
	if (rc == 0) {
		pthread_mutex_lock(&dcache_lock);
		struct dcache *e = &dcache[dcache_next++ % DCACHE_SIZE];
		e->md = md;
		e->dev = st->st_dev;
		e->ino = st->st_ino;
		e->size = st->st_size;
		e->mtime = st->st_mtim;
		memcpy(e->d, out, (size_t)EVP_MD_get_size(md));
		pthread_mutex_unlock(&dcache_lock);
	}
	return rc;
}

/* File systems whose contents TSEM does not digest (pseudo file systems). */
bool pseudo_fs(unsigned long magic)
{
	static const unsigned long m[] = {
		0x9fa0,     /* proc */
		0x62656572, /* sysfs */
		0x1cd1,     /* devpts */
		0x27e0eb,   /* cgroup */
		0x63677270, /* cgroup2 */
		0x73636673, /* securityfs */
		0x64626720, /* debugfs */
		0x74726163, /* tracefs */
		0xcafe4a11, /* bpf */
		0x62656570, /* configfs */
		0x6165676c, /* pstore */
		0xde5e81e4, /* efivarfs */
		0xf97cff8c, /* selinuxfs */
		0x65735543, /* fusectl */
		0x50495045, /* pipefs */
		0x534f434b, /* sockfs */
		0x09041934, /* anon_inode */
		0x6e736673, /* nsfs */
		0x50494446, /* pidfs */
		0x42494e4d, /* binfmt_misc */
		0x19800202, /* mqueue */
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (m[i] == magic)
			return true;
	return false;
}

static const char *magic_name(unsigned long magic)
{
	switch (magic) {
	case 0x50495045: return "pipefs";
	case 0x534f434b: return "sockfs";
	case 0x09041934: return "anon_inodefs";
	case 0x6e736673: return "nsfs";
	case 0x50494446: return "pidfs";
	case 0x9fa0: return "proc";
	case 0x62656572: return "sysfs";
	case 0x01021994: return "tmpfs";
	default: return "unknown";
	}
}

/*
 * s_id: basename of the mount's source when it is a path (/dev/vda1 -> vda1),
 * else the file system type, looked up in tid's mountinfo by mount id.
 */
static void mount_s_id(pid_t tid, int mnt_id, unsigned long magic, char *out, size_t size)
{
	snprintf(out, size, "%s", magic_name(magic));
	if (mnt_id < 0)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mountinfo", (int)tid);
	FILE *f = fopen(path, "re");
	if (!f)
		return;
	char *line = NULL;
	size_t cap = 0;
	while (getline(&line, &cap, f) > 0) {
		if (atoi(line) != mnt_id)
			continue;
		char *sep = strstr(line, " - ");
		if (!sep)
			break;
		char fstype[256], source[4096];
		if (sscanf(sep + 3, "%255s %4095s", fstype, source) == 2) {
			if (source[0] == '/') {
				const char *b = strrchr(source, '/') + 1;
				snprintf(out, size, "%s", *b ? b : fstype);
			} else {
				snprintf(out, size, "%s", fstype);
			}
		}
		break;
	}
	free(line);
	fclose(f);
}

static void sb_zero_digest(struct sb *s, unsigned dlen)
{
	unsigned char z[MAX_DIGEST] = {0};
	sb_hex(s, z, dlen);
}

/* The "path" object; pathname as given. Key order: dev, instance, owner, type, pathname. */
static void sb_path(struct sb *s, struct ns *ns, bool has_dev, dev_t dev, const char *pathname,
		    const struct creator *cr)
{
	sb_add(s, "\"path\": {");
	if (has_dev)
		sb_printf(s, "\"dev\": {\"major\": \"%u\", \"minor\": \"%u\"}, ", major(dev), minor(dev));
	if (cr) {
		sb_printf(s, "\"instance\": \"%llu\", \"owner\": ", cr->instance);
		sb_hex(s, cr->owner, ns->dlen);
		sb_add(s, ", ");
	}
	if (cfg.syntax == SYN_TNUM)
		sb_add(s, "\"type\": \"root\", ");
	sb_add(s, "\"pathname\": ");
	sb_json_str(s, pathname, strlen(pathname));
	sb_add(s, "}");
}

static const char zero_uuid[] = "00000000000000000000000000000000";

/* A file of our own mount: reported as securityfs would be. */
static void file_object_ours(struct sb *s, struct ns *ns, const char *pathname, unsigned flags)
{
	unsigned mode = 0100400;
	node_for_path(pathname, &mode);
	sb_printf(s,
		  "{\"flags\": \"%u\", \"inode\": {\"uid\": \"0\", \"gid\": \"0\", \"mode\": \"0%o\", "
		  "\"s_magic\": \"0x73636673\", \"s_id\": \"securityfs\", \"s_uuid\": \"%s\"}, ",
		  flags, mode, zero_uuid);
	sb_path(s, ns, false, 0, pathname, NULL);
	sb_add(s, ", \"digest\": ");
	sb_zero_digest(s, ns->dlen);
	sb_add(s, "}");
}

/* The "inode" object's file system part, and the mount id, of an open file. */
int fs_of(int fd, pid_t tid, unsigned long *magic, char *s_id, size_t size, int *mnt_id)
{
	struct statfs sfs;
	if (fstatfs(fd, &sfs) < 0)
		return -1;
	*mnt_id = -1;
	struct statx stx;
	if (statx(fd, "", AT_EMPTY_PATH, STATX_MNT_ID, &stx) == 0 && (stx.stx_mask & STATX_MNT_ID))
		*mnt_id = (int)stx.stx_mnt_id;
	*magic = (unsigned long)sfs.f_type;
	mount_s_id(tid, *mnt_id, *magic, s_id, size);
	return 0;
}

static void sb_inode(struct sb *s, unsigned flags, unsigned uid, unsigned gid, unsigned mode,
		     unsigned long magic, const char *s_id)
{
	sb_printf(s,
		  "{\"flags\": \"%u\", \"inode\": {\"uid\": \"%u\", \"gid\": \"%u\", \"mode\": \"0%o\", "
		  "\"s_magic\": \"0x%lx\", \"s_id\": ",
		  flags, uid, gid, mode, magic);
	sb_json_str(s, s_id, strlen(s_id));
	sb_printf(s, ", \"s_uuid\": \"%s\"}, ", zero_uuid);
}

int file_object_local(struct sb *s, struct ns *ns, pid_t tid, int local_fd,
		      const char *pathname, unsigned flags, const struct creator *cr)
{
	struct stat st;
	unsigned long magic;
	char s_id[256];
	int mnt_id;
	if (fstat(local_fd, &st) < 0 || fs_of(local_fd, tid, &magic, s_id, sizeof(s_id), &mnt_id) < 0)
		return -1;
	if (mnt_id >= 0 && mnt_id == cfg.our_mnt_id) {
		file_object_ours(s, ns, pathname, flags);
		return 0;
	}
	sb_inode(s, flags, (unsigned)st.st_uid, (unsigned)st.st_gid, (unsigned)st.st_mode, magic, s_id);
	sb_path(s, ns, major(st.st_dev) != 0, st.st_dev, pathname, cr);
	sb_add(s, ", \"digest\": ");
	unsigned char d[MAX_DIGEST];
	if (!cr && S_ISREG(st.st_mode) && !pseudo_fs(magic) && file_digest(ns->md, local_fd, &st, d) == 0)
		sb_hex(s, d, ns->dlen);
	else
		sb_zero_digest(s, ns->dlen);
	sb_add(s, "}");
	return 0;
}

int file_object_new(struct sb *s, struct ns *ns, pid_t tid, int dir_fd, const char *pathname,
		    unsigned flags, unsigned mode, unsigned uid, unsigned gid,
		    const struct creator *cr)
{
	struct stat st;
	unsigned long magic;
	char s_id[256];
	int mnt_id;
	if (fstat(dir_fd, &st) < 0 || fs_of(dir_fd, tid, &magic, s_id, sizeof(s_id), &mnt_id) < 0)
		return -1;
	sb_inode(s, flags, uid, gid, mode, magic, s_id);
	sb_path(s, ns, major(st.st_dev) != 0, st.st_dev, pathname, cr);
	sb_add(s, ", \"digest\": ");
	sb_zero_digest(s, ns->dlen);
	sb_add(s, "}");
	return 0;
}

int file_object_tracee_fd(struct sb *s, struct ns *ns, pid_t tid, int fd)
{
	char path[96], buf[4096];
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", (int)tid, fd);
	if (read_small_file(path, buf, sizeof(buf)) < 0)
		return -1;
	unsigned flags = 0;
	int mnt_id = -1;
	char *p = strstr(buf, "flags:");
	if (p)
		flags = (unsigned)strtoul(p + 6, NULL, 8);
	p = strstr(buf, "mnt_id:");
	if (p)
		mnt_id = atoi(p + 7);
	if (flags & O_PATH)
		return 1; /* no file_open hook for O_PATH */

	char pathname[PATH_MAX];
	snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)tid, fd);
	ssize_t n = readlink(path, pathname, sizeof(pathname) - 1);
	if (n < 0)
		return -1;
	pathname[n] = 0;

	if (mnt_id >= 0 && mnt_id == cfg.our_mnt_id) {
		/* never stat our own mount from the monitor thread */
		file_object_ours(s, ns, pathname, flags);
		return 0;
	}

	pid_t tgid = tid;
	long v;
	if (proc_status_field(tid, "Tgid", &v) == 0)
		tgid = (pid_t)v;
	int pfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (pfd < 0)
		return -1;
	int lfd = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
	close(pfd);
	if (lfd < 0)
		return -1;
	int rc = file_object_local(s, ns, tid, lfd, pathname, flags, NULL);
	close(lfd);
	return rc;
}
