/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared declarations of the TSEM securityfs emulator (see tsem-emulator.c).
 */
#ifndef TSEM_EMU_H
#define TSEM_EMU_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <linux/seccomp.h>
#include <openssl/evp.h>

#define MAX_DIGEST 64 /* bytes: sha512 */

enum syntax { SYN_TNUM, SYN_V4 };

struct config {
	const char *root;       /* mount point, as given */
	char root_real[4096];   /* realpath of the mount point */
	enum syntax syntax;
	bool root_export_only;
	FILE *trace;            /* --trace-log, NULL if none */
	int our_mnt_id;         /* mount id of our FUSE mount (-1 unknown) */
};
extern struct config cfg;

/* One queued record of an external_tma/<id> file. */
struct rec {
	struct rec *next;
	size_t len;
	char text[];
};

struct ofile; /* an open external_tma/<id> file (tsem-emulator.c) */

/* Who created a file inside a namespace (the path's "instance" and "owner"). */
struct creator {
	unsigned long long instance;
	unsigned char owner[MAX_DIGEST]; /* TASK_ID of the creating task */
};

/* A file created by a task of a namespace: its later opens keep instance/owner. */
struct created {
	struct created *next;
	struct creator who;
	bool known;                      /* dev/ino learnt (first open seen after creation) */
	dev_t dev;
	ino_t ino;
	char pathname[];
};

/* A modeling namespace. Never freed. All fields under g_lock. */
struct ns {
	struct ns *next;
	unsigned long id;
	bool external;          /* false: export-only (async_event) */
	const EVP_MD *md;
	unsigned dlen;          /* digest size in bytes */
	unsigned char key[MAX_DIGEST]; /* v4: the creation key */
	bool has_key;
	pid_t orch;             /* orchestrator: parent process of the creator */
	pid_t creator;          /* tgid of the process that wrote the command */
	bool enforce, sealed;
	unsigned long long seq; /* last "number" given */
	struct rec *qhead, *qtail;
	bool poll_flag;         /* set when a record is queued, cleared by poll */
	struct ofile *files;    /* open readers (poll handles) */
	int lfd;                /* the seccomp listener of its tasks (-1: none or closed) */
	unsigned long long instances; /* last "instance" given to a created file */
	struct created *created;      /* newest first, at most MAX_CREATED */
	unsigned ncreated;
};
#define MAX_CREATED 1024

/*
 * A task (thread) of a namespace. The monitor thread (monitor.c) adds, changes
 * and removes them; the FUSE threads only read them. All fields under g_lock.
 */
struct task {
	struct task *next;
	pid_t tid, tgid;
	struct ns *ns;
	unsigned long long tnum;
	unsigned long ttd, p_ttd;
	unsigned char task_id[MAX_DIGEST], p_task_id[MAX_DIGEST];
	bool untrusted;
	bool held;              /* its notification (notif) is not answered yet */
	bool blocked;           /* waiting for trusted/untrusted */
	int stage;              /* what a blocked task waits on (monitor.c) */
	unsigned long long blocked_on; /* "number" of the record it waits on */
	bool exec_pending;      /* an exec committed; its mmap_file is not reported yet */
	char *exec_file;        /* the new image's "file" object (JSON), malloc'd */
	struct seccomp_notif notif; /* the held notification */
	int addfd1;             /* O_TMPFILE: our fd + 1 to install as the held call's result, 0 for none */
	bool addfd_cloexec;
};

/* Everything shared between the FUSE threads and the monitor thread. */
extern pthread_mutex_t g_lock;
extern struct ns *g_ns;        /* list of namespaces, newest first */
extern struct task *g_tasks;

/* tsem-emulator.c */
void tlog(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
struct ns *ns_find(unsigned long id);                  /* g_lock held */
void ns_queue(struct ns *ns, char *text, size_t len);  /* g_lock held; takes text (malloc'd) */
struct ns *ns_new(bool external, const EVP_MD *md);
void ns_register(struct ns *ns, pid_t creator, pid_t orch); /* g_lock held */
bool node_for_path(const char *path, unsigned *mode);  /* file of our mount by pathname */

/* monitor.c: the monitor thread (seccomp listeners, proc connector, joins) */
int monitor_start(void);
void monitor_stop(void);
/*
 * Requests; each returns 0 or a positive errno. monitor_join: 0 means the writer
 * is seized and will join the namespace (which the monitor then owns) at its next
 * ptrace stop, which comes once its write is answered.
 */
int monitor_join(pid_t tid, struct ns *ns, pid_t orch);
int monitor_release(pid_t writer, pid_t pid, bool untrusted, const unsigned char *key,
		    size_t keylen, unsigned long long tnum);
void monitor_sync(void);  /* process the proc connector's pending events */
struct task *task_find(pid_t tid);                     /* g_lock held */

/*
 * join.c: moving the writer of external/export under a seccomp listener; called
 * by the monitor thread only (it is the writer's tracer for a moment).
 */
struct joiner;
struct joiner *join_new(pid_t tid);   /* PTRACE_SEIZE + PTRACE_INTERRUPT; NULL + errno */
/* Its first ptrace stop (status from waitpid): 0, or -ESRCH when it died (j freed). */
int join_stopped(struct joiner *j, int status);
/* Installs the filter: the listener (our own fd, >= 0) or -errno. */
int join_install(struct joiner *j);
/* Restores its registers (write() returning -err when err != 0) and detaches; frees j. */
void join_detach(struct joiner *j, int err);

/* records.c: a growable string */
struct sb {
	char *buf;
	size_t len, cap;
};
void sb_add(struct sb *s, const char *str);
void sb_printf(struct sb *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_json_str(struct sb *s, const char *str, size_t len); /* quoted and escaped */
void sb_hex(struct sb *s, const unsigned char *b, size_t n);   /* quoted lowercase hex */
void sb_free(struct sb *s);

struct coe {
	uint32_t uid, euid, suid, fsuid, gid, egid, sgid, fsgid;
	uint64_t capeff;
};
int read_coe(pid_t tid, struct coe *c);
void sb_coe(struct sb *s, const struct coe *c);
void read_comm(pid_t tid, char *buf, size_t size);
int proc_status_field(pid_t tid, const char *field, long *val); /* first number of a line */
int proc_umask(pid_t tid, unsigned *umask);

/*
 * The "file" object of a record: an open file of tid (its fd number), a file we
 * opened ourselves (local_fd >= 0, O_PATH is enough; pathname given), or a file
 * about to be created in directory dir_fd. With cr (a file created inside the
 * namespace) the path carries instance and owner, and the digest is zero.
 */
int file_object_tracee_fd(struct sb *s, struct ns *ns, pid_t tid, int fd);
int file_object_local(struct sb *s, struct ns *ns, pid_t tid, int local_fd,
		      const char *pathname, unsigned flags, const struct creator *cr);
int file_object_new(struct sb *s, struct ns *ns, pid_t tid, int dir_fd, const char *pathname,
		    unsigned flags, unsigned mode, unsigned uid, unsigned gid,
		    const struct creator *cr);
int digest_buf(const EVP_MD *md, const void *data, size_t len, unsigned char *out);

/* identity.c */
int file_digest(const EVP_MD *md, int fd, const struct stat *st, unsigned char *out);
bool pseudo_fs(unsigned long magic);
int fs_of(int fd, pid_t tid, unsigned long *magic, char *s_id, size_t size, int *mnt_id);
int tsem_task_id(struct ns *ns, pid_t tid, int exe_fd, const char *pathname, const unsigned char *p_task_id,
		 const struct coe *coe, unsigned char *out);

#endif
