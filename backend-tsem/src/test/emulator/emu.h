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
#include <sys/types.h>

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
};

/* A traced task (thread). All fields under g_lock. */
struct task {
	struct task *next;
	pid_t tid, tgid;
	struct ns *ns;          /* NULL: stopped before its parent's fork event */
	unsigned long long tnum;
	unsigned long ttd, p_ttd;
	unsigned char task_id[MAX_DIGEST], p_task_id[MAX_DIGEST];
	bool untrusted;
	bool stopped;           /* in a ptrace-stop the tracer has not ended */
	bool blocked;           /* waiting for trusted/untrusted */
	unsigned long long blocked_on; /* "number" of the record it waits on */
	int pending;            /* what to do at syscall exit (tracer.c) */
};

/* Everything shared between the FUSE threads and the tracer thread. */
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

/* tracer.c */
int tracer_start(void);
void tracer_stop(void);
/* Requests; each returns 0 or a positive errno. */
int tracer_seize(pid_t tgid, struct ns *ns, pid_t orch);
int tracer_release(pid_t writer, pid_t pid, bool untrusted, const unsigned char *key,
		   size_t keylen, unsigned long long tnum);
struct task *task_find(pid_t tid);                     /* g_lock held */

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

/*
 * The "file" object of a record: an open file of tid (its fd number), or a file
 * we opened ourselves (local_fd >= 0, pathname given).
 */
int file_object_tracee_fd(struct sb *s, struct ns *ns, pid_t tid, int fd);
int file_object_local(struct sb *s, struct ns *ns, pid_t tid, int local_fd,
		      const char *pathname, unsigned flags);
int digest_buf(const EVP_MD *md, const void *data, size_t len, unsigned char *out);

/* identity.c */
void tsem_task_id(const EVP_MD *md, const char *file_object, const struct coe *coe,
		  unsigned char *out);

#endif
