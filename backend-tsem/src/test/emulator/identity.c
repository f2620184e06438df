/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSEM emulator: the TASK_ID of a task after a committed exec, in the layout
 * the kernel hashes (see backend-tsem/README.md, "The userspace model"):
 *
 *   TASK_ID = HF("bprm_committed_creds" || p_task_id || zero bytes ||
 *                HF(COE, capeff 0) || HF(file CELL of the executed file))
 *
 * COE: uid, euid, suid, gid, egid, sgid, fsuid, fsgid as u32, capeff as u64,
 * little-endian. File CELL: flags (0x8020, the kernel's open of a program),
 * inode uid, gid, mode, s_magic as u32, s_id as 32 bytes NUL padded, s_uuid as
 * 16 bytes, major and minor as u32 when the file system is on a block device,
 * the length-prefixed path type ("root", in the tnum syntax only, as the
 * records carry it), the length-prefixed pathname, and the content digest as
 * the record gives it (all zeros for pseudo file systems). The backend computes
 * the same from the exec's open record and holds the records' task_id to it.
 */
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "emu.h"

static size_t put32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
	return 4;
}

int tsem_task_id(struct ns *ns, pid_t tid, int exe_fd, const char *pathname, const unsigned char *p_task_id,
		 const struct coe *coe, unsigned char *out)
{
	const EVP_MD *md = ns->md;
	unsigned dlen = ns->dlen;
	unsigned char coe_d[MAX_DIGEST], cell_d[MAX_DIGEST];

	unsigned char cb[40];
	const uint32_t ids[8] = {coe->uid, coe->euid, coe->suid, coe->gid, coe->egid, coe->sgid, coe->fsuid, coe->fsgid};
	size_t n = 0;
	for (int i = 0; i < 8; i++)
		n += put32(cb + n, ids[i]);
	n += put32(cb + n, 0); /* capeff: the credentials being committed have none yet */
	n += put32(cb + n, 0);
	digest_buf(md, cb, n, coe_d);

	struct stat st;
	unsigned long magic;
	char s_id[256];
	int mnt_id;
	if (fstat(exe_fd, &st) < 0 || fs_of(exe_fd, tid, &magic, s_id, sizeof(s_id), &mnt_id) < 0)
		return -1;
	size_t plen = strlen(pathname);
	unsigned char *buf = malloc(128 + plen + MAX_DIGEST);
	if (!buf)
		return -1;
	n = 0;
	n += put32(buf + n, 0x8020);
	n += put32(buf + n, (uint32_t)st.st_uid);
	n += put32(buf + n, (uint32_t)st.st_gid);
	n += put32(buf + n, (uint32_t)st.st_mode);
	n += put32(buf + n, (uint32_t)magic);
	memset(buf + n, 0, 32);
	memcpy(buf + n, s_id, strnlen(s_id, 31));
	n += 32;
	memset(buf + n, 0, 16); /* s_uuid: the records' zeros */
	n += 16;
	if (major(st.st_dev) != 0) {
		n += put32(buf + n, major(st.st_dev));
		n += put32(buf + n, minor(st.st_dev));
	}
	if (cfg.syntax == SYN_TNUM) {
		n += put32(buf + n, 4);
		memcpy(buf + n, "root", 4);
		n += 4;
	}
	n += put32(buf + n, (uint32_t)plen);
	memcpy(buf + n, pathname, plen);
	n += plen;
	if (S_ISREG(st.st_mode) && !pseudo_fs(magic) && file_digest(md, exe_fd, &st, buf + n) == 0)
		n += dlen;
	else {
		memset(buf + n, 0, dlen);
		n += dlen;
	}
	digest_buf(md, buf, n, cell_d);
	free(buf);

	static const char event[] = "bprm_committed_creds";
	unsigned char all[sizeof(event) + 4 * MAX_DIGEST];
	n = 0;
	memcpy(all, event, sizeof(event) - 1);
	n += sizeof(event) - 1;
	memcpy(all + n, p_task_id, dlen);
	n += dlen;
	memset(all + n, 0, dlen);
	n += dlen;
	memcpy(all + n, coe_d, dlen);
	n += dlen;
	memcpy(all + n, cell_d, dlen);
	n += dlen;
	digest_buf(md, all, n, out);
	return 0;
}
