// SPDX-License-Identifier: GPL-2.0-only
/*
 * esf4j BPF LSM programs: Exec (bprm_check_security), FileOpen (file_open), SocketBind
 * (socket_bind), SocketConnect (socket_connect) and UringCmd (uring_cmd). Decisions come from
 * maps that user space fills before the fact (BPF LSM cannot wait for user space): deny rules,
 * muting, and a verdict cache. Every event that is not muted goes to user space through one ring
 * buffer, already decided; a failed reservation is counted per hook in a per-CPU array, never
 * lost silently.
 *
 * CO-RE without vmlinux.h: only the kernel structs used here are declared, with
 * preserve_access_index; libbpf relocates every field against the running kernel's BTF. The
 * inode change time moved twice (i_ctime -> __i_ctime in 6.6 -> i_ctime_sec/_nsec in 6.11);
 * the ___flavour structs below let one object read all three, as upstream tools do.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "esf4j.h"

char LICENSE[] SEC("license") = "GPL";

#define EPERM 1
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10
#define O_CLOEXEC 02000000
#define PROT_EXEC 0x4
#define VM_EXEC 0x4
#define TS_COMPAT 0x0002 /* x86: a 32-bit system call */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
#define BTRFS_SUPER_MAGIC 0x9123683e
/* x86-64 numbers of the calls that open a file for a descriptor and take O_CLOEXEC */
#define NR_open 2
#define NR_openat 257
#define NR_open_by_handle_at 304
#define NR_openat2 437

/* ---- kernel types (only what is read) -------------------------------------------------------- */

typedef struct { int val; } kuid_t;
typedef struct { int val; } kgid_t;
struct timespec64 { long long tv_sec; long tv_nsec; } __attribute__((preserve_access_index));

struct super_block { __u32 s_dev; unsigned long s_magic; } __attribute__((preserve_access_index));
struct inode {
	unsigned long i_ino;
	unsigned int i_nlink;
	struct super_block *i_sb;
} __attribute__((preserve_access_index));
struct inode___pre66 { struct timespec64 i_ctime; } __attribute__((preserve_access_index));
struct inode___66 { struct timespec64 __i_ctime; } __attribute__((preserve_access_index));
struct inode___611 { long long i_ctime_sec; __u32 i_ctime_nsec; } __attribute__((preserve_access_index));

struct qstr { const unsigned char *name; } __attribute__((preserve_access_index));
struct hlist_bl_node { struct hlist_bl_node *next, **pprev; } __attribute__((preserve_access_index));
struct dentry {
	struct hlist_bl_node d_hash;
	struct dentry *d_parent;
	struct inode *d_inode;
	struct qstr d_name;
} __attribute__((preserve_access_index));
struct vfsmount;
struct path { struct vfsmount *mnt; struct dentry *dentry; } __attribute__((preserve_access_index));
struct vm_area_struct { unsigned long vm_flags; struct file *vm_file; } __attribute__((preserve_access_index));
struct file {
	struct path f_path;
	struct inode *f_inode;
	unsigned int f_flags;
} __attribute__((preserve_access_index));
struct mm_struct { struct file *exe_file; } __attribute__((preserve_access_index));
struct cred {
	kuid_t uid;
	kgid_t gid;
	kuid_t euid;
	kgid_t egid;
} __attribute__((preserve_access_index));
struct thread_info { __u32 status; } __attribute__((preserve_access_index));
struct pt_regs___x86 { unsigned long dx, si, orig_ax; } __attribute__((preserve_access_index));
struct task_struct {
	struct thread_info thread_info;
	int pid;
	int tgid;
	struct task_struct *real_parent;
	struct task_struct *group_leader;
	__u64 start_boottime;
	const struct cred *cred;
	struct mm_struct *mm;
} __attribute__((preserve_access_index));
struct linux_binprm {
	struct file *file;
	const char *filename;
	const char *interp;
	char buf[ESF4J_PATH_MAX]; /* BINPRM_BUF_SIZE */
} __attribute__((preserve_access_index));
struct socket { short type; } __attribute__((preserve_access_index));
struct sockaddr { unsigned short sa_family; } __attribute__((preserve_access_index));
struct in_addr { __u32 s_addr; };
struct sockaddr_in { unsigned short sin_family; __u16 sin_port; struct in_addr sin_addr; };
struct in6_addr { __u8 s6_addr[16]; };
struct sockaddr_in6 { unsigned short sin6_family; __u16 sin6_port; __u32 sin6_flowinfo; struct in6_addr sin6_addr; };
struct sockaddr_un { unsigned short sun_family; char sun_path[ESF4J_UNIX_PATH_MAX]; };
struct io_uring_cmd { struct file *file; __u32 cmd_op; } __attribute__((preserve_access_index));

/* ---- maps ------------------------------------------------------------------------------------ */

struct { /* per event type: enum esf4j_mode */
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ESF4J_TYPES);
	__type(key, __u32);
	__type(value, __u32);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

struct { /* reservation failures per hook (event type) */
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ESF4J_TYPES);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct { /* deny exec of these executables */
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct esf4j_file_key);
	__type(value, __u8);
} deny_exec SEC(".maps");

struct { /* deny open of these files, or of anything below these directories */
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct esf4j_file_key);
	__type(value, __u8);
} deny_open SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ESF4J_MAX_BIND_RULES);
	__type(key, __u32);
	__type(value, struct esf4j_bind_rule);
} deny_bind SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ESF4J_MAX_CONNECT_RULES);
	__type(key, __u32);
	__type(value, struct esf4j_connect_rule);
} deny_connect SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, struct esf4j_uring_key);
	__type(value, __u8);
} deny_uring SEC(".maps");

struct { /* muted processes (tgid); value: bit mask of event types */
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u32);
} mute_pid SEC(".maps");

struct { /* muted executables; value: bit mask of event types */
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct esf4j_file_key);
	__type(value, __u32);
} mute_exe SEC(".maps");

struct { /* per-CPU scratch for a path (see paths()) */
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, char[ESF4J_PATH_MAX]);
} scratch SEC(".maps");

struct { /* verdicts cached by user space: 1 allow, 2 deny */
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct esf4j_cache_key);
	__type(value, __u8);
} verdict_cache SEC(".maps");

/* ---- helpers --------------------------------------------------------------------------------- */

static __always_inline __u64 user_dev(__u32 kdev)
{
	/* kernel dev_t (major << 20 | minor) to user space's st_dev (new_encode_dev) */
	__u32 major = kdev >> 20, minor = kdev & 0xfffff;
	return (minor & 0xff) | (major << 8) | ((__u64)(minor & ~0xffu) << 12);
}

static __always_inline void file_key(struct inode *inode, struct esf4j_file_key *k)
{
	k->dev = user_dev(BPF_CORE_READ(inode, i_sb, s_dev));
	k->ino = BPF_CORE_READ(inode, i_ino);
}

static __always_inline __u64 ctime_ns(struct inode *inode)
{
	if (bpf_core_field_exists(struct inode___611, i_ctime_sec)) {
		struct inode___611 *i = (void *)inode;
		return BPF_CORE_READ(i, i_ctime_sec) * 1000000000ull + BPF_CORE_READ(i, i_ctime_nsec);
	}
	if (bpf_core_field_exists(struct inode___66, __i_ctime)) {
		struct inode___66 *i = (void *)inode;
		return BPF_CORE_READ(i, __i_ctime.tv_sec) * 1000000000ull + BPF_CORE_READ(i, __i_ctime.tv_nsec);
	}
	struct inode___pre66 *i = (void *)inode;
	return BPF_CORE_READ(i, i_ctime.tv_sec) * 1000000000ull + BPF_CORE_READ(i, i_ctime.tv_nsec);
}

static __always_inline __u32 mode_of(__u32 type)
{
	__u32 *m = bpf_map_lookup_elem(&config, &type);
	return m ? *m : ESF4J_OFF;
}

/*
 * O_CLOEXEC as the open(2) family's call gave it. It is the descriptor's flag, not the file's: the
 * kernel takes it out of the flags before file_open runs, so the hook reads the call's own argument
 * (x86-64 registers; openat2's struct open_how, whose flags come first). 0 for opens outside those
 * calls (an exec's, io_uring's, the kernel's own) and for 32-bit callers.
 */
static __always_inline __u32 call_cloexec(struct task_struct *task)
{
	if (!bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs)) /* 5.15+ */
		return 0;
	if (bpf_core_field_exists(struct thread_info, status) && (BPF_CORE_READ(task, thread_info.status) & TS_COMPAT))
		return 0;
	struct pt_regs___x86 *regs = (void *)bpf_task_pt_regs(task);
	long nr = BPF_CORE_READ(regs, orig_ax);
	__u64 flags = 0;
	if (nr == NR_open)
		flags = BPF_CORE_READ(regs, si);
	else if (nr == NR_openat || nr == NR_open_by_handle_at)
		flags = BPF_CORE_READ(regs, dx);
	else if (nr == NR_openat2 && bpf_copy_from_user(&flags, sizeof(flags), (void *)BPF_CORE_READ(regs, dx)))
		flags = 0;
	return flags & O_CLOEXEC;
}

/* The acting executable's identity (zero when the task has no mm, e.g. a kernel thread). */
static __always_inline void exe_key(struct task_struct *task, struct esf4j_file_key *exe)
{
	struct inode *ei = BPF_CORE_READ(task, mm, exe_file, f_inode);
	if (ei)
		file_key(ei, exe);
}

/*
 * Muted by process or executable for this type? Asked after the deny rules, as the engine does
 * (policy, then muting, then the cache): a muted process is still held to the policy.
 */
static __always_inline int muted(__u32 type, __u32 tgid, struct esf4j_file_key *exe)
{
	__u32 *m = bpf_map_lookup_elem(&mute_pid, &tgid);
	if (m && (*m & (1u << type)))
		return 1;
	if (exe->ino) {
		m = bpf_map_lookup_elem(&mute_exe, exe);
		if (m && (*m & (1u << type)))
			return 1;
	}
	return 0;
}

static __always_inline int cached(__u32 type, struct esf4j_file_key *f, __u64 ctime, struct esf4j_file_key *exe)
{
	struct esf4j_cache_key k = {.type = type, .dev = f->dev, .ino = f->ino, .ctime_ns = ctime,
				    .exe_dev = exe->dev, .exe_ino = exe->ino};
	__u8 *v = bpf_map_lookup_elem(&verdict_cache, &k);
	return v ? *v : 0;
}

/*
 * Whether a file had been unlinked: no link left (also a memfd, an O_TMPFILE file), or the
 * dentry is unhashed and not a root (d_unlinked(), the test that makes d_path append " (deleted)").
 */
static __always_inline __u32 unlinked(struct file *file)
{
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
	if (BPF_CORE_READ(file, f_inode, i_nlink) == 0)
		return ESF4J_UNLINKED;
	if (d && !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d)
		return ESF4J_UNLINKED;
	return 0;
}

/* Whether stat(2) may show the file under another device than its superblock's (see esf4j.h). */
static __always_inline __u32 stat_dev(struct inode *inode)
{
	unsigned long magic = BPF_CORE_READ(inode, i_sb, s_magic);
	return magic == OVERLAYFS_SUPER_MAGIC || magic == BTRFS_SUPER_MAGIC ? ESF4J_STAT_DEV_MAY_DIFFER : 0;
}

/* Reserves and fills the common part of an event; NULL (counted) when the ring buffer is full. */
static __always_inline struct esf4j_event *begin(__u32 type, struct task_struct *task, struct esf4j_file_key *exe)
{
	struct esf4j_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u64 *d = bpf_map_lookup_elem(&drops, &type);
		if (d)
			__sync_fetch_and_add(d, 1);
		return 0;
	}
	__u64 id = bpf_get_current_pid_tgid();
	const struct cred *c = BPF_CORE_READ(task, cred);
	e->type = type;
	e->verdict = ESF4J_ALLOWED;
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = id >> 32;
	e->tid = (__u32)id;
	e->ppid = BPF_CORE_READ(task, real_parent, tgid);
	e->uid = BPF_CORE_READ(c, uid.val);
	e->euid = BPF_CORE_READ(c, euid.val);
	e->gid = BPF_CORE_READ(c, gid.val);
	e->egid = BPF_CORE_READ(c, egid.val);
	e->flags = 0;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->dev = e->ino = e->ctime_ns = 0;
	e->exe_dev = exe->dev;
	e->exe_ino = exe->ino;
	e->family = e->port = 0;
	e->sock_type = 0;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->path_len = 0;
	e->exe_len = 0;
	e->path[0] = 0;
	e->exe[0] = 0;
	/* start times of the process (its leader) and of the parent's, as /proc/PID/stat gives them */
	e->start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	e->parent_start_ns = BPF_CORE_READ(task, real_parent, group_leader, start_boottime);
	e->state = 0;
	e->interp_off = 0;
	e->interp_len = 0;
	e->interp[0] = 0;
	return e;
}

/* 6.12+: the executable as a trusted, referenced file (a plain pointer walk is untrusted there). */
extern struct file *bpf_get_task_exe_file(struct task_struct *task) __ksym __weak;
extern void bpf_put_file(struct file *file) __ksym __weak;

/* Paths through bpf_d_path: allowed in sleepable LSM hooks only. */
static __always_inline void paths(struct esf4j_event *e, struct file *target, struct task_struct *task)
{
	if (target)
		e->path_len = bpf_d_path(&target->f_path, e->path, sizeof(e->path));
	if (bpf_get_task_exe_file) {
		/* The referenced file and the ring buffer record cannot be arguments of one helper
		 * call (both hold references), so the path goes through a per-CPU buffer. */
		__u32 zero = 0;
		char *buf = bpf_map_lookup_elem(&scratch, &zero);
		struct file *exe = buf ? bpf_get_task_exe_file(task) : 0;
		if (exe) {
			long n = bpf_d_path(&exe->f_path, buf, ESF4J_PATH_MAX);
			bpf_put_file(exe);
			if (n > 0 && bpf_probe_read_kernel(e->exe, sizeof(e->exe), buf) == 0)
				e->exe_len = n;
		}
		return;
	}
	/* before 6.12: a BTF pointer walk (BPF_CORE_READ would yield a scalar, which bpf_d_path refuses) */
	struct mm_struct *mm = task->mm;
	if (mm) {
		struct file *exe = mm->exe_file;
		if (exe)
			e->exe_len = bpf_d_path(&exe->f_path, e->exe, sizeof(e->exe));
	}
}

/*
 * The value a denial returns. A read-only global (frozen .rodata, so the verifier knows it is
 * -EPERM): with a literal, clang turns "deny ? -EPERM : 0" into a negation, after which the 6.12
 * verifier no longer sees the result in [-4095, 0] and refuses the program.
 */
const volatile int deny_errno = -EPERM;

/* An earlier BPF program on the same hook denied: the denial stands (as -EPERM, see above). */
static __always_inline int earlier(int ret)
{
	return ret ? deny_errno : 0;
}

static __always_inline int finish(struct esf4j_event *e, __u32 verdict)
{
	if (e) {
		e->verdict = verdict;
		bpf_ringbuf_submit(e, 0);
	}
	return verdict == ESF4J_DENIED_POLICY || verdict == ESF4J_DENIED_CACHE ? deny_errno : 0;
}

/* Decides a file event: deny rule, else cache. */
static __always_inline __u32 decide_file(__u32 type, __u32 mode, int denied, struct esf4j_file_key *f,
					 __u64 ctime, struct esf4j_file_key *exe)
{
	if (mode != ESF4J_AUTH)
		return ESF4J_ALLOWED;
	if (denied)
		return ESF4J_DENIED_POLICY;
	int c = cached(type, f, ctime, exe);
	return c == 1 ? ESF4J_ALLOWED_CACHE : c == 2 ? ESF4J_DENIED_CACHE : ESF4J_ALLOWED;
}

/*
 * Whether a rule map names the file (by its identity) or a directory above it (whole components,
 * by directory inode; up to ESF4J_DIR_DEPTH levels). No early exit: the loop must unroll for the
 * 6.1 verifier.
 */
static __always_inline int denied_file(void *rules, struct file *file, struct esf4j_file_key *f)
{
	int denied = bpf_map_lookup_elem(rules, f) != 0;
	struct dentry *d = BPF_CORE_READ(file, f_path.dentry);
#pragma clang loop unroll(full)
	for (int i = 0; i < ESF4J_DIR_DEPTH; i++) {
		struct dentry *parent = d ? BPF_CORE_READ(d, d_parent) : 0;
		if (!parent || parent == d) {
			d = 0;
		} else {
			struct esf4j_file_key pk = {};
			file_key(BPF_CORE_READ(parent, d_inode), &pk);
			if (bpf_map_lookup_elem(rules, &pk))
				denied = 1;
			d = parent;
		}
	}
	return denied;
}

/* ---- hooks ----------------------------------------------------------------------------------- */

/*
 * The interpreter a script names, as binfmt_script reads it from the file's first bytes: the first
 * word after "#!" and optional spaces or tabs, ended by a space, tab, newline or NUL. The bytes go
 * into e->interp as they are, and the word is e->interp[interp_off, interp_off + interp_len);
 * interp_len stays 0 when the file does not start with "#!" or the word does not end within the
 * buffer (binfmt_script refuses such a script). The loop never branches on off and end (only on
 * the flags), so the verifier does not track their values and its states stay few.
 */
static __always_inline void shebang(struct esf4j_event *e, struct linux_binprm *bprm)
{
	char *b = e->interp;
	if (bpf_probe_read_kernel(b, ESF4J_PATH_MAX, &bprm->buf) || b[0] != '#' || b[1] != '!') {
		b[0] = 0;
		return;
	}
	__u32 off = 2, end = 2, skipping = 1, done = 0;
	for (__u32 i = 2; i < ESF4J_PATH_MAX - 1; i++) {
		char c = b[i];
		if (c == ' ' || c == '\t') {
			if (!skipping) {
				end = i;
				done = 1;
				break;
			}
			off = i + 1;
		} else if (c == '\n' || c == 0) {
			end = i;
			done = 1;
			break;
		} else {
			skipping = 0;
		}
	}
	/* end >= off: the word ends at or after where it starts */
	e->interp_off = off;
	e->interp_len = done ? end - off : 0;
}

/*
 * bprm_check_security runs once per binfmt pass of one execve: the file, then the interpreter a
 * script names (and so on). The first pass is the one whose bprm->interp is still
 * bprm->filename (binfmt_script and binfmt_misc replace it): it is reported, with the script's
 * interpreter. Later passes are held to the same rules and cache; they are reported only when
 * they deny (the exec then fails with the interpreter named in the event).
 */
SEC("lsm.s/bprm_check_security")
int BPF_PROG(esf4j_exec, struct linux_binprm *bprm, int ret)
{
	if (ret)
		return earlier(ret);
	__u32 mode = mode_of(ESF4J_EXEC);
	if (mode == ESF4J_OFF)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct esf4j_file_key exe = {}, f = {};
	exe_key(task, &exe);
	struct file *file = bprm->file;
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	file_key(inode, &f);
	__u64 ct = ctime_ns(inode);
	int first = BPF_CORE_READ(bprm, interp) == BPF_CORE_READ(bprm, filename);
	int denied = mode == ESF4J_AUTH && denied_file(&deny_exec, file, &f);
	if (!denied && muted(ESF4J_EXEC, bpf_get_current_pid_tgid() >> 32, &exe))
		return 0;
	__u32 v = decide_file(ESF4J_EXEC, mode, denied, &f, ct, &exe);
	if (!first && v != ESF4J_DENIED_POLICY && v != ESF4J_DENIED_CACHE)
		return 0;
	struct esf4j_event *e = begin(ESF4J_EXEC, task, &exe);
	if (e) {
		e->dev = f.dev;
		e->ino = f.ino;
		e->ctime_ns = ct;
		e->state = unlinked(file) | stat_dev(inode);
		paths(e, file, task);
		if (first)
			shebang(e, bprm);
	}
	return finish(e, v);
}

SEC("lsm.s/file_open")
int BPF_PROG(esf4j_open, struct file *file, int ret)
{
	if (ret)
		return earlier(ret);
	__u32 mode = mode_of(ESF4J_OPEN);
	if (mode == ESF4J_OFF)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct esf4j_file_key exe = {}, f = {};
	exe_key(task, &exe);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	file_key(inode, &f);
	__u64 ct = ctime_ns(inode);
	int denied = denied_file(&deny_open, file, &f) && mode == ESF4J_AUTH;
	if (!denied && muted(ESF4J_OPEN, bpf_get_current_pid_tgid() >> 32, &exe))
		return 0;
	__u32 v = decide_file(ESF4J_OPEN, mode, denied, &f, ct, &exe);
	struct esf4j_event *e = begin(ESF4J_OPEN, task, &exe);
	if (e) {
		e->dev = f.dev;
		e->ino = f.ino;
		e->ctime_ns = ct;
		e->flags = BPF_CORE_READ(file, f_flags) | call_cloexec(task);
		e->state = unlinked(file) | stat_dev(inode);
		paths(e, file, task);
	}
	return finish(e, v);
}

/*
 * A file mapped executable (mmap with PROT_EXEC, or mprotect adding it) is held to the exec rules:
 * this is how a program runs without an exec of its own file (ld.so FILE, a loader of one's own).
 * Only a denial is reported, as an exec event of the mapping process; the exec's own mappings of
 * an allowed file, and every mapping while exec is not in AUTH mode, pass unreported.
 */
static __always_inline int exec_mapping(struct file *file, int sleepable)
{
	if (!file || mode_of(ESF4J_EXEC) != ESF4J_AUTH)
		return 0;
	struct esf4j_file_key f = {};
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	file_key(inode, &f);
	if (!denied_file(&deny_exec, file, &f))
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct esf4j_file_key exe = {};
	exe_key(task, &exe);
	struct esf4j_event *e = begin(ESF4J_EXEC, task, &exe);
	if (e) {
		e->dev = f.dev;
		e->ino = f.ino;
		e->ctime_ns = ctime_ns(inode);
		e->state = unlinked(file) | stat_dev(inode);
		if (sleepable) {
			paths(e, file, task);
		} else { /* no bpf_d_path here: the file's own name, marked */
			const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
			e->path_len = bpf_probe_read_kernel_str(e->path, sizeof(e->path), name);
			e->state |= ESF4J_NAME_ONLY;
		}
	}
	return finish(e, ESF4J_DENIED_POLICY);
}

SEC("lsm.s/mmap_file")
int BPF_PROG(esf4j_mmap, struct file *file, unsigned long reqprot, unsigned long prot, unsigned long flags, int ret)
{
	if (ret)
		return earlier(ret);
	return prot & PROT_EXEC ? exec_mapping(file, 1) : 0;
}

/* file_mprotect is no sleepable hook on 6.1: no bpf_d_path, the file's name only (ESF4J_NAME_ONLY) */
SEC("lsm/file_mprotect")
int BPF_PROG(esf4j_mprotect, struct vm_area_struct *vma, unsigned long reqprot, unsigned long prot, int ret)
{
	if (ret)
		return earlier(ret);
	if (!(prot & PROT_EXEC) || (BPF_CORE_READ(vma, vm_flags) & VM_EXEC))
		return 0;
	return exec_mapping(BPF_CORE_READ(vma, vm_file), 0);
}

/* The family, port (host order) and IPv4/IPv6 address of a sockaddr the call gave. */
static __always_inline __u16 sock_address(struct sockaddr *address, int addrlen, __u16 *port, __u32 addr[4])
{
	__u16 family = addrlen >= 2 ? BPF_CORE_READ(address, sa_family) : 0;
	if (family == AF_INET && addrlen >= (int)sizeof(struct sockaddr_in)) {
		struct sockaddr_in *in = (void *)address;
		*port = __builtin_bswap16(BPF_CORE_READ(in, sin_port));
		bpf_probe_read_kernel(addr, 4, &in->sin_addr);
	} else if (family == AF_INET6 && addrlen >= (int)sizeof(struct sockaddr_in6)) {
		struct sockaddr_in6 *in6 = (void *)address;
		*port = __builtin_bswap16(BPF_CORE_READ(in6, sin6_port));
		bpf_probe_read_kernel(addr, 16, &in6->sin6_addr);
	}
	return family;
}

/* The socket fields of a bind or connect event; an AF_UNIX address's sun_path bytes go into path. */
static __always_inline void sock_fields(struct esf4j_event *e, struct socket *sock, struct sockaddr *address,
					int addrlen, __u16 family, __u16 port, __u32 addr[4])
{
	e->family = family;
	e->port = port;
	e->sock_type = BPF_CORE_READ(sock, type);
	__builtin_memcpy(e->addr, addr, 16);
	if (family == AF_UNIX) {
		__u64 n = addrlen > 2 ? addrlen - 2 : 0;
		if (n > ESF4J_UNIX_PATH_MAX)
			n = ESF4J_UNIX_PATH_MAX;
		/* a bound the verifier sees (clang drops a plain mask after the comparison) */
		asm volatile("%[n] &= 0x7f" : [n] "+r"(n));
		struct sockaddr_un *un = (void *)address;
		if (n && bpf_probe_read_kernel(e->path, n, &un->sun_path) == 0)
			e->path_len = n;
	}
}

SEC("lsm.s/socket_bind")
int BPF_PROG(esf4j_bind, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return earlier(ret);
	__u32 mode = mode_of(ESF4J_BIND);
	if (mode == ESF4J_OFF)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct esf4j_file_key exe = {};
	exe_key(task, &exe);
	__u16 port = 0;
	__u32 addr[4] = {};
	__u16 family = sock_address(address, addrlen, &port, addr);
	__u32 v = ESF4J_ALLOWED;
	if (mode == ESF4J_AUTH && (family == AF_INET || family == AF_INET6)) {
#pragma clang loop unroll(full)
		for (__u32 i = 0; i < ESF4J_MAX_BIND_RULES; i++) {
			__u32 k = i;
			struct esf4j_bind_rule *r = bpf_map_lookup_elem(&deny_bind, &k);
			if (r && r->used && (r->family == 0 || r->family == family) && port >= r->low && port <= r->high)
				v = ESF4J_DENIED_POLICY;
		}
	}
	if (v == ESF4J_ALLOWED && muted(ESF4J_BIND, bpf_get_current_pid_tgid() >> 32, &exe))
		return 0;
	struct esf4j_event *e = begin(ESF4J_BIND, task, &exe);
	if (e) {
		sock_fields(e, sock, address, addrlen, family, port, addr);
		paths(e, 0, task);
	}
	return finish(e, v);
}

/*
 * Runs before the connect is attempted: connects that then fail (refused, unreachable) are
 * reported too. io_uring's IORING_OP_CONNECT reaches it as well.
 */
SEC("lsm.s/socket_connect")
int BPF_PROG(esf4j_connect, struct socket *sock, struct sockaddr *address, int addrlen, int ret)
{
	if (ret)
		return earlier(ret);
	__u32 mode = mode_of(ESF4J_CONNECT);
	if (mode == ESF4J_OFF)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct esf4j_file_key exe = {};
	exe_key(task, &exe);
	__u16 port = 0;
	__u32 a[4] = {};
	__u16 family = sock_address(address, addrlen, &port, a);
	__u32 v = ESF4J_ALLOWED;
	if (mode == ESF4J_AUTH && (family == AF_INET || family == AF_INET6)) {
		/* an IPv4-mapped IPv6 address (::ffff:a.b.c.d) goes to an IPv4 host: IPv4 rules apply */
		int mapped = family == AF_INET6 && a[0] == 0 && a[1] == 0 && a[2] == __builtin_bswap32(0xffff);
#pragma clang loop unroll(full)
		for (__u32 i = 0; i < ESF4J_MAX_CONNECT_RULES; i++) {
			__u32 k = i;
			struct esf4j_connect_rule *r = bpf_map_lookup_elem(&deny_connect, &k);
			if (!r || !r->used || port < r->low || port > r->high)
				continue;
			__u32 w0 = a[0], w1 = a[1], w2 = a[2], w3 = a[3];
			if (r->family == AF_INET && mapped) {
				w0 = a[3];
				w1 = w2 = w3 = 0;
			} else if (r->family != family) {
				continue;
			}
			if ((w0 & r->mask[0]) == r->addr[0] && (w1 & r->mask[1]) == r->addr[1]
			    && (w2 & r->mask[2]) == r->addr[2] && (w3 & r->mask[3]) == r->addr[3])
				v = ESF4J_DENIED_POLICY;
		}
	}
	if (v == ESF4J_ALLOWED && muted(ESF4J_CONNECT, bpf_get_current_pid_tgid() >> 32, &exe))
		return 0;
	struct esf4j_event *e = begin(ESF4J_CONNECT, task, &exe);
	if (e) {
		sock_fields(e, sock, address, addrlen, family, port, a);
		paths(e, 0, task);
	}
	return finish(e, v);
}

SEC("lsm/uring_cmd")
int BPF_PROG(esf4j_uring, struct io_uring_cmd *ioucmd, int ret)
{
	if (ret)
		return earlier(ret);
	__u32 mode = mode_of(ESF4J_URING);
	if (mode == ESF4J_OFF)
		return 0;
	struct task_struct *task = bpf_get_current_task_btf();
	struct esf4j_file_key exe = {}, f = {};
	exe_key(task, &exe);
	struct file *file = BPF_CORE_READ(ioucmd, file);
	__u32 op = BPF_CORE_READ(ioucmd, cmd_op);
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	file_key(inode, &f);
	__u64 ct = ctime_ns(inode);
	int denied = 0;
	if (mode == ESF4J_AUTH) {
		struct esf4j_uring_key k = {.dev = f.dev, .ino = f.ino, .op = op};
		struct esf4j_uring_key any = {.dev = f.dev, .ino = f.ino, .op = 0xffffffff};
		denied = bpf_map_lookup_elem(&deny_uring, &k) || bpf_map_lookup_elem(&deny_uring, &any);
	}
	if (!denied && muted(ESF4J_URING, bpf_get_current_pid_tgid() >> 32, &exe))
		return 0;
	/* the verdict cache as for files (keyed by the file, not the op): user space fills it */
	__u32 v = decide_file(ESF4J_URING, mode, denied, &f, ct, &exe);
	struct esf4j_event *e = begin(ESF4J_URING, task, &exe);
	if (e) {
		e->dev = f.dev;
		e->ino = f.ino;
		e->ctime_ns = ct;
		e->flags = op;
		/* not sleepable: no bpf_d_path; the file's own name is the best this hook can give */
		const unsigned char *name = BPF_CORE_READ(file, f_path.dentry, d_name.name);
		e->path_len = bpf_probe_read_kernel_str(e->path, sizeof(e->path), name);
	}
	return finish(e, v);
}
