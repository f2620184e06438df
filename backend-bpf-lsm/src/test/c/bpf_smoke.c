/*
 * Smoke test of the BPF object with plain libbpf (no Java): load, attach every program, then
 *  - deny the open of one file by inode: open() fails with EPERM and the ring buffer delivers the
 *    decided event, whose start times are the child's and this process's as /proc/PID/stat gives
 *    them; the same file is allowed after the rule is removed;
 *  - deny connects to 127.0.0.0/8 port 9: connect() fails with EPERM, the event has the address;
 *  - exec a script: one event (not one per binfmt pass), naming the interpreter of its #! line.
 *
 *   bpf_smoke OBJECT FILE      exit 0 when everything held; prints what it saw
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../main/bpf/esf4j.h"

static int seen_denied, seen_allowed, seen_other, seen_connect, seen_exec, bad_times;
static __u64 want_ino;
static pid_t open_child, exec_child;
static unsigned long long child_start, self_start;
static char exec_interp[ESF4J_PATH_MAX];

/* Field 22 of /proc/PID/stat: the start time in clock ticks since boot. */
static unsigned long long start_ticks(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%d/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f || !fgets(buf, sizeof buf, f)) {
		perror(path);
		exit(1);
	}
	fclose(f);
	char *p = strrchr(buf, ')') + 2; /* field 3 */
	for (int i = 3; i < 22; i++)
		p = strchr(p, ' ') + 1;
	return strtoull(p, NULL, 10);
}

static int on_event(void *ctx, void *data, size_t len)
{
	const struct esf4j_event *e = data;
	(void)ctx;
	if (len != sizeof(*e)) {
		seen_other++;
		return 0;
	}
	if (e->type == ESF4J_CONNECT && e->family == AF_INET && e->port == 9) {
		printf("event: connect pid=%u addr=%u.%u.%u.%u port=%u type=%u verdict=%u\n", e->pid, e->addr[0], e->addr[1],
		       e->addr[2], e->addr[3], e->port, e->sock_type, e->verdict);
		if (e->verdict == ESF4J_DENIED_POLICY && e->addr[0] == 127 && e->addr[3] == 1)
			seen_connect++;
		return 0;
	}
	if (e->type == ESF4J_EXEC && e->pid == (__u32)exec_child) {
		seen_exec++;
		memcpy(exec_interp, e->interp + (e->interp_off & 0xff), e->interp_len & 0xff);
		exec_interp[e->interp_len & 0xff] = 0;
		printf("event: exec pid=%u path=%s interp=%s\n", e->pid, e->path, exec_interp);
		return 0;
	}
	if (e->type != ESF4J_OPEN || e->ino != want_ino) {
		seen_other++;
		return 0;
	}
	printf("event: open pid=%u comm=%s path=%s exe=%s verdict=%u dev=%llu ino=%llu start=%llu parent_start=%llu\n",
	       e->pid, e->comm, e->path, e->exe, e->verdict, (unsigned long long)e->dev, (unsigned long long)e->ino,
	       (unsigned long long)e->start_ns / 10000000, (unsigned long long)e->parent_start_ns / 10000000);
	if (e->verdict == ESF4J_DENIED_POLICY) {
		seen_denied++;
		if (e->pid != (__u32)open_child || e->start_ns / 10000000 != child_start
		    || e->parent_start_ns / 10000000 != self_start)
			bad_times++;
	} else {
		seen_allowed++;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: bpf_smoke OBJECT FILE\n");
		return 2;
	}
	struct bpf_object *obj = bpf_object__open_file(argv[1], NULL);
	if (!obj || bpf_object__load(obj)) {
		fprintf(stderr, "load failed: %s\n", strerror(errno));
		return 1;
	}
	struct bpf_program *p;
	bpf_object__for_each_program(p, obj) {
		if (!bpf_program__attach(p)) {
			fprintf(stderr, "attach %s failed: %s\n", bpf_program__name(p), strerror(errno));
			return 1;
		}
	}
	struct stat st;
	if (stat(argv[2], &st)) {
		perror("stat");
		return 1;
	}
	want_ino = st.st_ino;
	self_start = start_ticks(getpid());
	int cfg = bpf_object__find_map_fd_by_name(obj, "config");
	int deny = bpf_object__find_map_fd_by_name(obj, "deny_open");
	int deny_connect = bpf_object__find_map_fd_by_name(obj, "deny_connect");
	int mute = bpf_object__find_map_fd_by_name(obj, "mute_pid");
	__u32 type = ESF4J_OPEN, mode = ESF4J_AUTH, self = getpid(), all = ~0u;
	__u8 one = 1;
	struct esf4j_file_key key = {.dev = st.st_dev, .ino = st.st_ino};
	bpf_map_update_elem(mute, &self, &all, BPF_ANY); /* this process's own operations are not events */
	bpf_map_update_elem(cfg, &type, &mode, BPF_ANY);
	type = ESF4J_CONNECT;
	bpf_map_update_elem(cfg, &type, &mode, BPF_ANY);
	type = ESF4J_EXEC;
	mode = ESF4J_NOTIFY;
	bpf_map_update_elem(cfg, &type, &mode, BPF_ANY);
	bpf_map_update_elem(deny, &key, &one, BPF_ANY);
	struct esf4j_connect_rule rule = {.family = AF_INET, .low = 9, .high = 9, .used = 1,
					  .addr = {htonl(0x7f000000)}, .mask = {htonl(0xff000000)}};
	__u32 zero = 0;
	bpf_map_update_elem(deny_connect, &zero, &rule, BPF_ANY);
	struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_event, NULL, NULL);

	/* "another process": a child that is not muted; its start time read while it is a zombie */
	int status;
	pid_t c = fork();
	if (c == 0) {
		int fd = open(argv[2], O_RDONLY);
		_exit(fd < 0 ? (errno == EPERM ? 10 : 11) : 0);
	}
	open_child = c;
	waitid(P_PID, c, NULL, WEXITED | WNOWAIT);
	child_start = start_ticks(c);
	waitpid(c, &status, 0);
	int denied_open = WIFEXITED(status) && WEXITSTATUS(status) == 10;
	bpf_map_delete_elem(deny, &key);
	c = fork();
	if (c == 0) {
		int fd = open(argv[2], O_RDONLY);
		_exit(fd < 0 ? 11 : 0);
	}
	waitpid(c, &status, 0);
	int allowed_open = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	c = fork();
	if (c == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(9), .sin_addr = {htonl(0x7f000001)}};
		int s = socket(AF_INET, SOCK_STREAM, 0);
		_exit(connect(s, (struct sockaddr *)&a, sizeof a) < 0 && errno == EPERM ? 10 : 11);
	}
	waitpid(c, &status, 0);
	int denied_connect = WIFEXITED(status) && WEXITSTATUS(status) == 10;

	/* a script next to FILE: one exec event, with the interpreter its #! line names */
	char script[4096];
	snprintf(script, sizeof script, "%s/smoke-script", dirname(strdup(argv[2])));
	FILE *f = fopen(script, "w");
	fprintf(f, "#!\t/bin/true ignored\n");
	fclose(f);
	chmod(script, 0755);
	c = fork();
	if (c == 0) {
		execl(script, script, (char *)NULL);
		_exit(12);
	}
	exec_child = c;
	waitpid(c, &status, 0);
	int exec_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;

	ring_buffer__poll(rb, 100);
	__u64 drops[256] = {0};
	__u32 k = ESF4J_OPEN;
	bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "drops"), &k, drops);
	printf("denied open: %s, allowed open after rule removal: %s, events denied=%d allowed=%d other=%d, drops(cpu0)=%llu,"
	       " start times %s\n", denied_open ? "EPERM" : "NO", allowed_open ? "ok" : "NO", seen_denied, seen_allowed,
	       seen_other, (unsigned long long)drops[0], bad_times ? "WRONG" : "right");
	printf("denied connect: %s, events=%d; script exec: %s, events=%d, interpreter=%s\n", denied_connect ? "EPERM" : "NO",
	       seen_connect, exec_ok ? "ok" : "NO", seen_exec, exec_interp);
	return denied_open && allowed_open && seen_denied == 1 && seen_allowed >= 1 && !bad_times && denied_connect
			       && seen_connect == 1 && exec_ok && seen_exec == 1 && strcmp(exec_interp, "/bin/true") == 0
		       ? 0
		       : 1;
}
