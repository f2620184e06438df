/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * TSEM's security state coefficient of an event record, computed the way the kernel's own
 * modeling agent does, so that a model learnt here and one the kernel generates agree:
 *
 * <pre>
 * coefficient = HF(event name ‖ p_task_id ‖ task_id ‖ HF(COE) ‖ HF(CELL))
 * </pre>
 *
 * with the event name as plain ASCII (not hashed first, whatever the documentation's formula
 * says), the task ids as raw digest bytes, and the COE and CELL as the kernel lays their fields
 * out in memory on a little-endian machine (the encodings are written out in the backend's
 * README). The CELLs encoded field by field are those of {@code file_open}, {@code file_receive},
 * {@code mmap_file}, {@code file_ioctl}/{@code file_lock}/{@code file_fcntl},
 * {@code socket_bind}/{@code socket_connect}, {@code socket_create}, {@code task_kill} and
 * {@code capable}; any other CELL is hashed as its JSON text, an esf4j rule that is stable for one
 * kernel but is not the kernel's (such a coefficient is esf4j's own, and {@link #kernelExact()}
 * says so).
 *
 * <p>Allocates nothing per event. Not thread-safe.
 */
final class TsemCoefficients {

    static final long TMPFS_MAGIC = 0x01021994L;
    /** HASH_MAX_DIGESTSIZE: a socket's owner is hashed padded to it. */
    static final int OWNER_PADDED = 64;

    private static final byte[] T_FILE_OPEN = ascii("file_open");
    private static final byte[] T_FILE_RECEIVE = ascii("file_receive");
    private static final byte[] T_MMAP_FILE = ascii("mmap_file");
    private static final byte[] T_FILE_IOCTL = ascii("file_ioctl");
    private static final byte[] T_FILE_LOCK = ascii("file_lock");
    private static final byte[] T_FILE_FCNTL = ascii("file_fcntl");
    private static final byte[] T_SOCKET_BIND = ascii("socket_bind");
    private static final byte[] T_SOCKET_CONNECT = ascii("socket_connect");
    private static final byte[] T_SOCKET_CREATE = ascii("socket_create");
    private static final byte[] T_TASK_KILL = ascii("task_kill");
    private static final byte[] T_CAPABLE = ascii("capable");

    private final TsemDigest hf;
    private final int ds;
    private final byte[] zeroDigest;
    private final byte[] scratch = new byte[16 * 1024];
    private final byte[] coeDigest;
    private final byte[] cellDigest;
    private final byte[] path = new byte[8192];
    private byte[][] pseudonyms = new byte[0][];
    private final byte[] pseudonymProbe;
    private boolean kernelExact;
    private int n;

    TsemCoefficients(String digest) {
        this.hf = TsemDigest.of(digest);
        this.ds = hf.size();
        this.zeroDigest = hf.finish(); // HF of nothing: TSEM's "zero digest"
        this.coeDigest = new byte[ds];
        this.cellDigest = new byte[ds];
        this.pseudonymProbe = new byte[ds];
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** @return the digest size in bytes */
    int size() {
        return ds;
    }

    /** @return the digest function */
    TsemDigest digest() {
        return hf;
    }

    /** Files whose pathname digest {@code HF(u32 length ‖ pathname)} is listed get the zero digest as content. */
    void pseudonyms(byte[][] list) {
        this.pseudonyms = list.clone();
    }

    /** @return whether the last coefficient used the kernel's encoding of its CELL (else esf4j's fallback) */
    boolean kernelExact() {
        return kernelExact;
    }

    /**
     * Computes the coefficient of an {@code event}/{@code async_event} record.
     *
     * @param r a decoded record
     * @param out receives {@link #size()} bytes
     * @throws IllegalArgumentException when the record's digests are not of this function's size
     */
    void coefficient(TsemRecord r, byte[] out) {
        if (r.taskIdLen != 2 * ds || r.pTaskIdLen != 2 * ds) {
            throw new IllegalArgumentException("task ids of " + r.taskIdLen / 2 + " bytes in a namespace hashed with "
                    + hf.name() + " (" + ds + " bytes)");
        }
        // HF(COE)
        n = 0;
        for (int i = 0; i < TsemRecord.CAPEFF; i++) {
            u32(r.coe[i]);
        }
        u64(r.coe[TsemRecord.CAPEFF]);
        hf.update(scratch, 0, n);
        hf.finish(coeDigest, 0);
        // HF(CELL)
        n = 0;
        kernelExact = cell(r);
        if (!kernelExact) {
            fallback(r); // a CELL esf4j does not encode, or one missing a field its encoding needs
        }
        hf.update(scratch, 0, n);
        hf.finish(cellDigest, 0);
        // the coefficient
        byte[] b = r.buffer();
        hf.update(b, r.typeOff, r.typeLen);
        n = 0;
        hexBytes(b, r.pTaskIdOff, ds);
        hexBytes(b, r.taskIdOff, ds);
        hf.update(scratch, 0, n);
        hf.update(coeDigest, 0, ds);
        hf.update(cellDigest, 0, ds);
        hf.finish(out, 0);
    }

    private static final byte[] BPRM_COMMITTED_CREDS = ascii("bprm_committed_creds");
    /** The f_flags of the kernel's open of a program it executes: O_LARGEFILE | __FMODE_EXEC. */
    static final long EXEC_OPEN_FLAGS = 0x8020;

    /**
     * The TASK_ID a task gets when it executes the file of {@code execOpen} (the kernel's open of
     * the program, a {@code file_open} with {@code __FMODE_EXEC}):
     * {@code HF("bprm_committed_creds" ‖ p_task_id ‖ zero bytes ‖ HF(COE with no capabilities) ‖ HF(file CELL))},
     * computed at {@code bprm_committed_creds} from the task's parent identity and the program's CELL.
     *
     * @param execOpen the record of the program's open
     * @param out receives {@link #size()} bytes
     * @return false when the record is not such an open
     */
    boolean taskId(TsemRecord execOpen, byte[] out) {
        TsemRecord r = execOpen;
        if (!r.hasFile || r.pTaskIdLen != 2 * ds || r.fileFlags < 0 || (r.fileFlags & 0x20) == 0) {
            return false;
        }
        n = 0;
        for (int i = 0; i < TsemRecord.CAPEFF; i++) {
            u32(r.coe[i]);
        }
        u64(0); // the credentials being committed: no capabilities yet
        hf.update(scratch, 0, n);
        hf.finish(coeDigest, 0);
        n = 0;
        long flags = r.fileFlags;
        r.fileFlags = EXEC_OPEN_FLAGS;
        boolean ok;
        try {
            ok = file(r);
        } finally {
            r.fileFlags = flags;
        }
        if (!ok) {
            return false;
        }
        hf.update(scratch, 0, n);
        hf.finish(cellDigest, 0);
        hf.update(BPRM_COMMITTED_CREDS);
        n = 0;
        hexBytes(r.buffer(), r.pTaskIdOff, ds);
        java.util.Arrays.fill(scratch, n, n + ds, (byte) 0);
        n += ds;
        hf.update(scratch, 0, n);
        hf.update(coeDigest, 0, ds);
        hf.update(cellDigest, 0, ds);
        hf.finish(out, 0);
        return true;
    }

    private boolean cell(TsemRecord r) {
        if (r.typeIs(T_FILE_OPEN) || r.typeIs(T_FILE_RECEIVE)) {
            return r.hasFile && file(r);
        }
        if (r.typeIs(T_MMAP_FILE)) {
            if (r.hasFile && !file(r)) {
                return false;
            }
            u32(r.prot);
            u32(r.cellFlags);
            return r.prot >= 0 && r.cellFlags >= 0;
        }
        if (r.typeIs(T_FILE_IOCTL) || r.typeIs(T_FILE_LOCK) || r.typeIs(T_FILE_FCNTL)) {
            if (!r.hasFile || !file(r)) {
                return false;
            }
            u32(r.cmd);
            return r.cmd >= 0;
        }
        if (r.typeIs(T_SOCKET_BIND) || r.typeIs(T_SOCKET_CONNECT)) {
            return r.hasSock && sock(r) && addr(r);
        }
        if (r.typeIs(T_SOCKET_CREATE)) {
            u32(r.cellFamily);
            u32(r.cellType);
            u32(r.cellProtocol);
            u32(r.kern);
            return r.cellFamily >= 0 && r.cellType >= 0 && r.cellProtocol >= 0 && r.kern >= 0;
        }
        if (r.typeIs(T_TASK_KILL)) {
            if (r.targetLen != 2 * ds) {
                return fallback(r);
            }
            hexBytes(r.buffer(), r.targetOff, ds);
            u32(r.sig);
            u32(r.crossNs);
            return true;
        }
        if (r.typeIs(T_CAPABLE)) {
            u32(r.cap);
            u32(r.opts);
            return r.cap >= 0 && r.opts >= 0;
        }
        return fallback(r);
    }

    /** esf4j's rule for a CELL it does not encode field by field: its JSON text as received. */
    private boolean fallback(TsemRecord r) {
        n = 0;
        int len = Math.max(0, r.cellEnd - r.cellOff);
        if (len > scratch.length) {
            hf.update(r.buffer(), r.cellOff, len);
        } else {
            System.arraycopy(r.buffer(), r.cellOff, scratch, 0, len);
            n = len;
        }
        return false;
    }

    private boolean file(TsemRecord r) {
        byte[] b = r.buffer();
        u32(r.fileFlags);
        u32(r.inodeUid);
        u32(r.inodeGid);
        u32(r.inodeMode);
        u32(r.sMagic);
        // s_id: char[32], NUL padded
        int idLen = r.sIdLen > 0 ? TsemRecord.unescape(b, r.sIdOff, r.sIdLen, path) : 0;
        int at = n;
        Arrays.fill(scratch, at, at + 32, (byte) 0);
        if (idLen > 0) {
            System.arraycopy(path, 0, scratch, at, Math.min(31, idLen));
        }
        n += 32;
        // s_uuid: 16 bytes, zero on tmpfs
        if (r.sMagic == TMPFS_MAGIC || r.sUuidLen != 32) {
            Arrays.fill(scratch, n, n + 16, (byte) 0);
            n += 16;
        } else {
            hexBytes(b, r.sUuidOff, 16);
        }
        if (r.devMajor >= 0 && r.devMinor >= 0) {
            u32(r.devMajor);
            u32(r.devMinor);
        }
        if (r.pathTypeLen > 0) {
            u32(r.pathTypeLen);
            System.arraycopy(b, r.pathTypeOff, scratch, n, r.pathTypeLen);
            n += r.pathTypeLen;
        }
        int pl = r.pathnameLen > 0 ? TsemRecord.unescape(b, r.pathnameOff, r.pathnameLen, path) : 0;
        if (pl < 0) {
            return false;
        }
        boolean created = r.instance >= 0 && r.pathOwnerLen == 2 * ds;
        if (created) {
            // an inode created in the namespace: its directory, the instance and the creator
            int slash = pl - 1;
            while (slash >= 0 && path[slash] != '/') {
                slash--;
            }
            int dl = slash + 1;
            u32(dl);
            System.arraycopy(path, 0, scratch, n, dl);
            n += dl;
            u64(r.instance);
            hexBytes(b, r.pathOwnerOff, ds);
        } else {
            u32(pl);
            System.arraycopy(path, 0, scratch, n, pl);
            n += pl;
        }
        if (r.digestLen != 2 * ds) {
            return false;
        }
        if (pseudonyms.length > 0 && pseudonym(pl)) {
            System.arraycopy(zeroDigest, 0, scratch, n, ds);
            n += ds;
        } else {
            hexBytes(b, r.digestOff, ds);
        }
        return true;
    }

    private boolean pseudonym(int pathLength) {
        byte[] len = {(byte) pathLength, (byte) (pathLength >>> 8), (byte) (pathLength >>> 16), (byte) (pathLength >>> 24)};
        hf.update(len, 0, 4);
        hf.update(path, 0, pathLength);
        hf.finish(pseudonymProbe, 0);
        for (byte[] p : pseudonyms) {
            if (Arrays.equals(p, pseudonymProbe)) {
                return true;
            }
        }
        return false;
    }

    private boolean sock(TsemRecord r) {
        u32(r.sockFamily);
        u32(r.sockType);
        u32(r.sockProtocol);
        int at = n;
        Arrays.fill(scratch, at, at + Math.max(OWNER_PADDED, ds), (byte) 0);
        if (r.sockOwnerLen == 2 * ds) {
            hexBytes(r.buffer(), r.sockOwnerOff, ds);
        }
        n = at + Math.max(OWNER_PADDED, ds);
        return r.sockFamily >= 0 && r.sockType >= 0 && r.sockProtocol >= 0 && r.sockOwnerLen == 2 * ds;
    }

    private boolean addr(TsemRecord r) {
        byte[] b = r.buffer();
        switch (r.addrKind) {
            case TsemRecord.ADDR_INET -> {
                u16(r.port); // the raw sin_port, as the record prints it
                u32(r.inetAddress);
                return r.port >= 0 && r.inetAddress >= 0;
            }
            case TsemRecord.ADDR_INET6 -> {
                u16(r.port);
                hexBytes(b, r.addrTextOff, 16);
                u32(r.flow < 0 ? 0 : r.flow);
                u32(r.scope < 0 ? 0 : r.scope);
                return r.port >= 0 && r.flow >= 0 && r.scope >= 0;
            }
            case TsemRecord.ADDR_UNIX -> {
                int pl = TsemRecord.unescape(b, r.addrTextOff, r.addrTextLen, path);
                if (pl < 0) {
                    return false;
                }
                System.arraycopy(path, 0, scratch, n, pl);
                n += pl;
                return true;
            }
            case TsemRecord.ADDR_OTHER -> {
                if (r.addrTextLen != 2 * ds) {
                    return false;
                }
                hexBytes(b, r.addrTextOff, ds);
                return true;
            }
            default -> {
                return false;
            }
        }
    }

    private void u16(long v) {
        scratch[n++] = (byte) v;
        scratch[n++] = (byte) (v >>> 8);
    }

    private void u32(long v) {
        scratch[n++] = (byte) v;
        scratch[n++] = (byte) (v >>> 8);
        scratch[n++] = (byte) (v >>> 16);
        scratch[n++] = (byte) (v >>> 24);
    }

    private void u64(long v) {
        u32(v);
        u32(v >>> 32);
    }

    private void hexBytes(byte[] b, int off, int bytes) {
        for (int i = 0; i < bytes; i++) {
            scratch[n++] = (byte) (Character.digit(b[off + 2 * i], 16) << 4 | Character.digit(b[off + 2 * i + 1], 16));
        }
    }
}
