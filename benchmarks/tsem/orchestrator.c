/*
 * SPDX-License-Identifier: Apache-2.0
 *
 * The C baseline of the TSEM hook-to-decision benchmark: the reads and writes an orchestrator must
 * make, nothing more. It starts CMD in a new external (or, with --export, export) modeling
 * namespace — the child opens id and control before it writes the command, reports the id over a
 * pipe and execs CMD — then reads the namespace's queue as the ABI says (poll; read one record per
 * read() into a 64 KiB buffer, lseek(0), until ENODATA) and releases every blocked task with
 * "trusted pid=P tnum=N" written at offset 0. For each event record it hashes the record three
 * times with SHA-256 (OpenSSL), the cost of the three digests of a coefficient, so that both sides
 * do comparable work; it does not parse the JSON beyond pid, tnum and export.type.
 *
 *   orchestrator ROOT [--export] -- CMD [ARGS...]
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *field(const char *rec, const char *key, char *out, size_t size)
{
	const char *p = strstr(rec, key);
	if (!p)
		return NULL;
	p += strlen(key);
	size_t i = 0;
	while (*p && *p != '"' && i + 1 < size)
		out[i++] = *p++;
	out[i] = 0;
	return out;
}

int main(int argc, char **argv)
{
	int export_only = 0, at = 2;
	if (argc > 2 && !strcmp(argv[2], "--export")) {
		export_only = 1;
		at = 3;
	}
	if (argc < at + 2 || strcmp(argv[at], "--")) {
		fprintf(stderr, "usage: orchestrator ROOT [--export] -- CMD [ARGS...]\n");
		return 64;
	}
	const char *root = argv[1];
	char path[4096];
	int pfd[2];
	if (pipe(pfd) < 0)
		return 1;
	pid_t child = fork();
	if (child == 0) {
		close(pfd[0]);
		snprintf(path, sizeof(path), "%s/id", root);
		int idfd = open(path, O_RDONLY);
		snprintf(path, sizeof(path), "%s/control", root);
		int cfd = open(path, O_WRONLY);
		const char *cmd = export_only ? "export digest=sha256\n" : "external digest=sha256\n";
		if (idfd < 0 || cfd < 0 || write(cfd, cmd, strlen(cmd)) < 0) {
			perror("orchestrator child");
			_exit(125);
		}
		close(cfd);
		char id[32] = {0};
		if (pread(idfd, id, sizeof(id) - 1, 0) <= 0)
			_exit(125);
		close(idfd);
		if (write(pfd[1], id, strlen(id)) < 0)
			_exit(125);
		close(pfd[1]);
		execvp(argv[at + 1], argv + at + 1);
		perror("exec");
		_exit(127);
	}
	close(pfd[1]);
	char id[32] = {0};
	if (read(pfd[0], id, sizeof(id) - 1) <= 0) {
		fprintf(stderr, "orchestrator: the child reported no namespace\n");
		return 1;
	}
	id[strcspn(id, "\n")] = 0;
	snprintf(path, sizeof(path), "%s/external_tma/%s", root, id);
	int q = open(path, O_RDONLY | O_NONBLOCK);
	snprintf(path, sizeof(path), "%s/control", root);
	int ctl = -1;
	for (int i = 0; i < 1000 && ctl < 0; i++) {
		ctl = open(path, O_WRONLY);
		if (ctl < 0 && errno == EBUSY)
			usleep(1000);
	}
	if (q < 0 || ctl < 0) {
		perror("orchestrator: open");
		return 1;
	}
	static char buf[65536];
	char pid[32], tnum[32], cmd[128];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;
	long records = 0, released = 0;
	int status = 0;
	for (;;) {
		struct pollfd p = {.fd = q, .events = POLLIN};
		poll(&p, 1, 100);
		for (;;) {
			ssize_t n = read(q, buf, sizeof(buf) - 1);
			if (n < 0)
				break; /* ENODATA: empty */
			lseek(q, 0, SEEK_SET);
			if (n == 0)
				continue;
			buf[n] = 0;
			records++;
			if (!strstr(buf, "\"type\": \"event\"") && !strstr(buf, "\"type\": \"async_event\""))
				continue;
			for (int h = 0; h < 3; h++)
				EVP_Digest(buf, (size_t)n, md, &mdlen, EVP_sha256(), NULL);
			if (export_only || !strstr(buf, "\"type\": \"event\"}"))
				continue;
			if (!field(buf, "\"pid\": \"", pid, sizeof(pid)) || !field(buf, "\"tnum\": \"", tnum, sizeof(tnum)))
				continue;
			int len = snprintf(cmd, sizeof(cmd), "trusted pid=%s tnum=%s\n", pid, tnum);
			if (pwrite(ctl, cmd, (size_t)len, 0) == len)
				released++;
		}
		if (waitpid(child, &status, WNOHANG) == child)
			break;
	}
	fprintf(stderr, "orchestrator: %ld records, %ld releases\n", records, released);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}
