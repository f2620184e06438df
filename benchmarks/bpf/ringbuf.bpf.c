// SPDX-License-Identifier: GPL-2.0-only
/*
 * Ring buffer benchmark producer: emits esf4j_event records (the 936-byte layout of
 * backend-bpf-lsm/src/main/bpf/esf4j.h) through the same ring buffer code path as the BPF LSM
 * object (bpf_ringbuf_reserve of one record, fill in place, bpf_ringbuf_submit with flags 0, a
 * failed reservation counted in a per-CPU `drops` array), but from a raw tracepoint instead of
 * an LSM hook, so that it loads on kernels that refuse BPF LSM programs (locked-down hosts,
 * kernels without "bpf" in lsm=). It uses no kernel memory reads (no bpf_probe_read_kernel, no
 * CO-RE), only helpers that lockdown=confidentiality keeps: bpf_get_current_pid_tgid,
 * bpf_get_current_uid_gid, bpf_get_current_cgroup_id, bpf_get_current_comm, bpf_ktime_get_ns
 * and the ring buffer helpers.
 *
 * Why a raw tracepoint: "raw_tp/sys_enter" needs neither tracefs (a "tp/syscalls/..." program
 * loads everywhere but libbpf attaches it through the event id in tracefs, which a host may not
 * mount and confidentiality lockdown refuses) nor kernel BTF (tp_btf, fentry), nor kprobes.
 *
 * ---- Protocol for a consumer in another process (the Java benchmark) ---------------------------
 *
 *  1. Open benchmarks/bpf/ringbuf.bpf.o with libbpf (bpf_object__open_file).
 *  2. Optional, before load: bpf_map__set_max_entries(map "events", RING_BYTES); a power of two
 *     and a multiple of the page size; default 4 MiB, as the LSM object's ring.
 *  3. bpf_object__load.
 *  4. Map "target" (BPF_MAP_TYPE_ARRAY, 1 entry, key u32 0, value u32): write the tgid of the
 *     process whose syscalls produce events (bpf_map_update_elem). 0, the initial value, means
 *     no events at all. It can be changed at any time, also while attached.
 *  5. Attach program "ringbuf_produce" (bpf_program__attach; a raw tracepoint on sys_enter).
 *  6. Consume map "events" (BPF_MAP_TYPE_RINGBUF) as the LSM object's ring: consumer position page
 *     mmap'd read-write at offset 0, producer position page + data mmap'd read-only at offset
 *     page_size (length page_size + 2 * RING_BYTES), epoll on the map fd for EPOLLIN.
 *  7. Start the producer: benchmarks/bpf/trigger (see trigger.c). Each getppid() it makes while
 *     its tgid is in "target" yields exactly one record or one drop.
 *  8. Drops: map "drops" (BPF_MAP_TYPE_PERCPU_ARRAY, ESF4J_TYPES entries, key = event type, u64
 *     per possible CPU); this program only counts under key ESF4J_OPEN (2). Sum the CPUs.
 *     Records consumed + drops = the trigger's calls made while targeted.
 *     (The sequence in each record's flags keeps counting across runs of one loaded object.)
 *
 * The syscall that triggers a record is the read-only global `trigger_nr` (frozen .rodata, set
 * before load if ever needed; default 110, __NR_getppid on x86-64). getppid is chosen because
 * it does nothing else: no locks, no file system, no allocation.
 *
 * Each record:
 *   type = ESF4J_OPEN, verdict = ESF4J_ALLOWED
 *   ktime_ns = bpf_ktime_get_ns() right after the reservation, as the LSM object does
 *              (CLOCK_MONOTONIC: compare with clock_gettime(CLOCK_MONOTONIC) or, in Java,
 *              System.nanoTime(), which is the same clock on Linux)
 *   pid = tgid, tid, uid/euid = current uid, gid/egid = current gid, cgroup_id, comm
 *   ppid  = the CPU that produced the record (this benchmark has no use for a parent pid)
 *   flags = that CPU's sequence number (1, 2, 3, ... per CPU, dropped records included), so a
 *           consumer can check per CPU that records arrive in order and that the gaps add up
 *           to the drops
 *   dev, ino, ctime_ns, exe_dev, exe_ino, family, port, sock_type, addr = 0
 *   path = "/esf4j/bench/getppid", path_len = its length including the NUL (as bpf_d_path
 *          returns), exe = "", exe_len = 0
 *   start_ns, parent_start_ns, state, interp_off, interp_len = 0, interp = ""
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "../../backend-bpf-lsm/src/main/bpf/esf4j.h"

char LICENSE[] SEC("license") = "GPL";

#define BENCH_PATH "/esf4j/bench/getppid"

/* The syscall that produces records (x86-64 __NR_getppid); frozen before load. */
const volatile __u32 trigger_nr = 110;

struct { /* [0] = tgid whose trigger_nr syscalls produce records; 0 = none */
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} target SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

struct { /* reservation failures per event type, as in the LSM object */
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ESF4J_TYPES);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct { /* per-CPU record sequence (see flags above) */
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} seq SEC(".maps");

/* raw_tp/sys_enter: the arguments are (struct pt_regs *regs, long id). */
SEC("raw_tp/sys_enter")
int BPF_PROG(ringbuf_produce, void *regs, long id)
{
	if (id != trigger_nr)
		return 0;
	__u32 zero = 0;
	__u32 *t = bpf_map_lookup_elem(&target, &zero);
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	if (!t || *t == 0 || *t != (__u32)(pid_tgid >> 32))
		return 0;
	__u64 *s = bpf_map_lookup_elem(&seq, &zero);
	__u64 n = 0;
	if (s)
		n = ++*s; /* per-CPU value, and a program does not migrate while it runs */

	struct esf4j_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 type = ESF4J_OPEN;
		__u64 *d = bpf_map_lookup_elem(&drops, &type);
		if (d)
			__sync_fetch_and_add(d, 1);
		return 0;
	}
	__u64 ugid = bpf_get_current_uid_gid();
	e->type = ESF4J_OPEN;
	e->verdict = ESF4J_ALLOWED;
	e->ktime_ns = bpf_ktime_get_ns();
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->ppid = bpf_get_smp_processor_id();
	e->uid = e->euid = (__u32)ugid;
	e->gid = e->egid = ugid >> 32;
	e->flags = (__u32)n;
	e->cgroup_id = bpf_get_current_cgroup_id();
	e->dev = e->ino = e->ctime_ns = 0;
	e->exe_dev = e->exe_ino = 0;
	e->family = e->port = 0;
	e->sock_type = 0;
	__builtin_memset(e->addr, 0, sizeof(e->addr));
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	__builtin_memcpy(e->path, BENCH_PATH, sizeof(BENCH_PATH));
	e->path_len = sizeof(BENCH_PATH);
	e->exe_len = 0;
	e->exe[0] = 0;
	e->start_ns = e->parent_start_ns = 0;
	e->state = 0;
	e->interp_off = e->interp_len = 0;
	e->interp[0] = 0;
	bpf_ringbuf_submit(e, 0);
	return 0;
}
