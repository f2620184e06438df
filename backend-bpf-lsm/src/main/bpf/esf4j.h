/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Layouts shared by the BPF programs (esf4j.bpf.c) and the Java decoder. Little-endian, fixed
 * width, no implicit padding: every field is at the offset its comment gives, and the Java side
 * tests the same offsets.
 */
#ifndef ESF4J_H
#define ESF4J_H

#define ESF4J_PATH_MAX 256
#define ESF4J_COMM_LEN 16
#define ESF4J_MAX_BIND_RULES 16
#define ESF4J_MAX_CONNECT_RULES 32
#define ESF4J_DIR_DEPTH 16
#define ESF4J_UNIX_PATH_MAX 108 /* sizeof(sockaddr_un.sun_path) */

/*
 * Event types: the ids of org.esf4j.api.EventKind (EventKind.id()), stable across releases; 0 is
 * no type. Maps indexed by type have ESF4J_TYPES entries (entry 0 unused), and the mute masks
 * hold bit (1 << type).
 */
enum esf4j_type {
	ESF4J_EXEC = 1,    /* EventKind.EXEC */
	ESF4J_OPEN = 2,    /* EventKind.FILE_OPEN */
	ESF4J_BIND = 3,    /* EventKind.SOCKET_BIND */
	ESF4J_URING = 4,   /* EventKind.URING_CMD */
	ESF4J_CONNECT = 5, /* EventKind.SOCKET_CONNECT */
	ESF4J_TYPES = 6,
};

/* Per-type mode in the config map. */
enum esf4j_mode { ESF4J_OFF = 0, ESF4J_NOTIFY = 1, ESF4J_AUTH = 2 };

/* Why the kernel decided as it did (the verdict field of an event). */
enum esf4j_verdict {
	ESF4J_ALLOWED = 0,       /* no rule matched (or NOTIFY) */
	ESF4J_DENIED_POLICY = 1, /* a deny rule matched */
	ESF4J_ALLOWED_CACHE = 2, /* a cached allow */
	ESF4J_DENIED_CACHE = 3,  /* a cached deny */
};

/* A file identity; dev is the user-space st_dev encoding (new_encode_dev). */
struct esf4j_file_key {
	__u64 dev;
	__u64 ino;
};

/* Verdict cache key (Apple ES: event type, acting executable, target file with change time). */
struct esf4j_cache_key {
	__u32 type;
	__u32 pad;
	__u64 dev;
	__u64 ino;
	__u64 ctime_ns;
	__u64 exe_dev;
	__u64 exe_ino;
};

struct esf4j_bind_rule {
	__u16 family; /* 0 = any */
	__u16 low;
	__u16 high;
	__u16 used;
};

/*
 * Deny connecting to an address in a network and a port range: (address & mask) == addr. IPv4 in
 * addr[0] and mask[0] (the other words 0); both in network byte order. A connect of an AF_INET6
 * socket to an IPv4-mapped address (::ffff:a.b.c.d) is matched against the AF_INET rules too.
 */
struct esf4j_connect_rule {
	__u16 family; /* AF_INET or AF_INET6 */
	__u16 low;
	__u16 high;
	__u16 used;
	__u32 addr[4];
	__u32 mask[4];
};

struct esf4j_uring_key {
	__u64 dev;
	__u64 ino;
	__u32 op; /* 0xffffffff = any */
	__u32 pad;
};

/* Bits of the state field of an event. */
enum esf4j_state {
	/*
	 * The target file (exec, open) had been unlinked: its inode has no link left, or the
	 * dentry the path was resolved through is unhashed (d_unlinked(), which makes bpf_d_path
	 * append " (deleted)" to the path).
	 */
	ESF4J_UNLINKED = 1,
	/*
	 * The target file lies on a file system whose stat(2) may show another device than the
	 * superblock's the record gives (overlayfs over several file systems, btrfs subvolumes).
	 */
	ESF4J_STAT_DEV_MAY_DIFFER = 2,
	/*
	 * The path is the file's own name, not a resolved path: the hook cannot sleep, so it has no
	 * bpf_d_path (an executable mapping made by mprotect).
	 */
	ESF4J_NAME_ONLY = 4,
};

/*
 * One ring buffer record (936 bytes):
 *   0 type u32 | 4 verdict u32 | 8 ktime_ns u64 (CLOCK_MONOTONIC at the hook)
 *  16 pid u32 (tgid) | 20 tid u32 | 24 ppid u32 | 28 uid u32 | 32 euid u32 | 36 gid u32 | 40 egid u32
 *  44 flags u32 (open f_flags and the call's O_CLOEXEC, uring cmd op) | 48 cgroup_id u64 | 56 dev u64 | 64 ino u64
 *  72 ctime_ns u64 | 80 exe_dev u64 | 88 exe_ino u64 | 96 family u16 | 98 port u16 (host order)
 * 100 sock_type u32 | 104 addr[16] | 120 comm[16] | 136 path_len s32 | 140 exe_len s32
 * 144 path[256] | 400 exe[256] | 656 start_ns u64 | 664 parent_start_ns u64 | 672 state u32
 * 676 interp_off u16 | 678 interp_len u16 | 680 interp[256]
 *
 * path_len and exe_len are bpf_d_path's results (the length with the NUL, or a negative errno);
 * for uring_cmd, path is the file's own name; for an AF_UNIX bind or connect, path holds the
 * sun_path bytes the call gave and path_len their count (an abstract name starts with a NUL).
 * start_ns and parent_start_ns are the start times (task->start_boottime, ns since boot) of the
 * acting process (its thread group leader) and of its real parent's process. For exec, interp
 * holds the first bytes of the executed file (bprm->buf) on the first binfmt pass, and
 * interp[interp_off, interp_off + interp_len) is the interpreter its "#!" line names
 * (interp_len 0 when it names none).
 */
struct esf4j_event {
	__u32 type;
	__u32 verdict;
	__u64 ktime_ns;
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u32 euid;
	__u32 gid;
	__u32 egid;
	__u32 flags;
	__u64 cgroup_id;
	__u64 dev;
	__u64 ino;
	__u64 ctime_ns;
	__u64 exe_dev;
	__u64 exe_ino;
	__u16 family;
	__u16 port;
	__u32 sock_type;
	__u8 addr[16];
	char comm[ESF4J_COMM_LEN];
	__s32 path_len;
	__s32 exe_len;
	char path[ESF4J_PATH_MAX];
	char exe[ESF4J_PATH_MAX];
	__u64 start_ns;
	__u64 parent_start_ns;
	__u32 state;
	__u16 interp_off;
	__u16 interp_len;
	char interp[ESF4J_PATH_MAX];
};

#endif
