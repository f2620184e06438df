/* SPDX-License-Identifier: Apache-2.0 */
/*
 * TSEM emulator: the TASK_ID of a task after a committed exec.
 *
 * generative function: see backend-tsem/README.md
 *
 * TSEM computes TASK_ID at bprm_committed_creds as the coefficient of a
 * "bprm_committed_creds" event with a NULL parent task id and a NULL task id:
 *
 *   TASK_ID = HF(HF("bprm_committed_creds") || ZERO || ZERO || HF(COE) || HF(CELL))
 *
 * HF is the namespace's digest, ZERO the all-zero digest of that size.
 * The byte encodings below are the emulator's own (the kernel hashes its
 * internal structures, which user space cannot reproduce):
 *   COE  = uid, euid, suid, gid, egid, sgid, fsuid, fsgid as u32 little-endian,
 *          then capeff as u64 little-endian (40 bytes);
 *   CELL = the text of the record's "file" object exactly as emitted.
 * Keep this function small and self-contained: it is meant to be replaced.
 */
#include <string.h>

#include "emu.h"

static void put_le32(unsigned char *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

void tsem_task_id(const EVP_MD *md, const char *file_object, const struct coe *coe,
		  unsigned char *out)
{
	unsigned dlen = (unsigned)EVP_MD_get_size(md);
	unsigned char buf[5 * MAX_DIGEST];
	unsigned char *p = buf;
	unsigned char coe_bytes[40];
	static const char event[] = "bprm_committed_creds";

	digest_buf(md, event, sizeof(event) - 1, p);
	p += dlen;
	memset(p, 0, 2 * dlen); /* parent task id, task id: NULL */
	p += 2 * dlen;

	const uint32_t ids[8] = {coe->uid, coe->euid, coe->suid, coe->gid,
				 coe->egid, coe->sgid, coe->fsuid, coe->fsgid};
	for (int i = 0; i < 8; i++)
		put_le32(coe_bytes + 4 * i, ids[i]);
	put_le32(coe_bytes + 32, (uint32_t)coe->capeff);
	put_le32(coe_bytes + 36, (uint32_t)(coe->capeff >> 32));
	digest_buf(md, coe_bytes, sizeof(coe_bytes), p);
	p += dlen;

	digest_buf(md, file_object, strlen(file_object), p);
	p += dlen;

	digest_buf(md, buf, (size_t)(p - buf), out);
}
