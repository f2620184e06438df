/*
 * Smoke test of the BPF object with plain libbpf (no Java): load, attach every program, deny the
 * open of one file by inode, check that open() fails with EPERM and that the ring buffer
 * delivered the decided event; then the same file allowed after the rule is removed.
 *
 *   bpf_smoke OBJECT FILE      exit 0 when everything held; prints what it saw
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "../../main/bpf/esf4j.h"

static int seen_denied, seen_allowed, seen_other;
static __u64 want_ino;

static int on_event(void *ctx, void *data, size_t len)
{
	const struct esf4j_event *e = data;
	(void)ctx;
	if (len < sizeof(*e) || e->type != ESF4J_OPEN || e->ino != want_ino) {
		seen_other++;
		return 0;
	}
	printf("event: open pid=%u comm=%s path=%s exe=%s verdict=%u dev=%llu ino=%llu\n", e->pid, e->comm,
	       e->path, e->exe, e->verdict, (unsigned long long)e->dev, (unsigned long long)e->ino);
	if (e->verdict == ESF4J_DENIED_POLICY)
		seen_denied++;
	else
		seen_allowed++;
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
	int cfg = bpf_object__find_map_fd_by_name(obj, "config");
	int deny = bpf_object__find_map_fd_by_name(obj, "deny_open");
	int mute = bpf_object__find_map_fd_by_name(obj, "mute_pid");
	__u32 type = ESF4J_OPEN, mode = ESF4J_AUTH, self = getpid(), all = ~0u;
	__u8 one = 1;
	struct esf4j_file_key key = {.dev = st.st_dev, .ino = st.st_ino};
	bpf_map_update_elem(mute, &self, &all, BPF_ANY); /* this process's own opens are not events */
	bpf_map_update_elem(cfg, &type, &mode, BPF_ANY);
	bpf_map_update_elem(deny, &key, &one, BPF_ANY);
	struct ring_buffer *rb = ring_buffer__new(bpf_object__find_map_fd_by_name(obj, "events"), on_event, NULL, NULL);

	/* "another process": a child that is not muted */
	int status;
	pid_t c = fork();
	if (c == 0) {
		int fd = open(argv[2], O_RDONLY);
		_exit(fd < 0 ? (errno == EPERM ? 10 : 11) : 0);
	}
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
	ring_buffer__poll(rb, 100);
	__u64 drops[256] = {0};
	__u32 k = ESF4J_OPEN;
	bpf_map_lookup_elem(bpf_object__find_map_fd_by_name(obj, "drops"), &k, drops);
	printf("denied open: %s, allowed open after rule removal: %s, events denied=%d allowed=%d other=%d, drops(cpu0)=%llu\n",
	       denied_open ? "EPERM" : "NO", allowed_open ? "ok" : "NO", seen_denied, seen_allowed, seen_other,
	       (unsigned long long)drops[0]);
	return denied_open && allowed_open && seen_denied == 1 && seen_allowed >= 1 ? 0 : 1;
}
