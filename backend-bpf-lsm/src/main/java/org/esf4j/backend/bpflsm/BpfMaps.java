package org.esf4j.backend.bpflsm;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.esf4j.api.DenyConnect;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.MuteRule;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.Rule;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.StructStat;

/**
 * Typed access to the object's maps, with the key and value layouts of {@code esf4j.h}. Rules
 * name files by path; the kernel matches by (device, inode), so paths are resolved with
 * {@code stat(2)} when a rule is pushed (a file replaced later under the same path is another
 * inode: push the rules again).
 *
 * <p>Thread-safe: every method is synchronized; {@link #cache} and {@link #drops} are called
 * from the engine's threads, the rest at setup or on a policy update.
 */
final class BpfMaps implements AutoCloseable {

    /** {@code enum esf4j_mode}. */
    static final int OFF = 0;
    static final int NOTIFY = 1;
    static final int AUTH = 2;
    /** Verdict cache values. */
    static final byte CACHE_ALLOW = 1;
    static final byte CACHE_DENY = 2;
    static final int MAX_BIND_RULES = 16;
    static final int MAX_CONNECT_RULES = 32;
    static final int ANY_OP = 0xffffffff;
    /** Entries of the maps indexed by type ({@code ESF4J_TYPES}: the kind ids 1 to 5, and 0). */
    static final int TYPES = 6;

    private static final int FILE_KEY = 16;
    private static final int CACHE_KEY = 48;
    private static final int URING_KEY = 24;

    private final LibBpf bpf;
    private final NativeOps ops;
    private final int cpus;
    private final int config;
    private final int drops;
    private final int denyExec;
    private final int denyOpen;
    private final int denyBind;
    private final int denyConnect;
    private final int denyUring;
    private final int mutePid;
    private final int muteExe;
    private final int verdictCache;
    /** key at 0 (64 bytes), next key at 64 (64 bytes), value at 128, per-CPU values at 256, stat at 1024, path at 2048. */
    private final NativeBuffer scratch;
    private final ByteBuffer b;

    BpfMaps(LibBpf bpf, NativeOps ops, BpfObject obj) {
        this.bpf = bpf;
        this.ops = ops;
        int n = bpf.numPossibleCpus();
        if (n <= 0) {
            throw new Esf4jException("libbpf_num_possible_cpus failed: " + n);
        }
        this.cpus = n;
        config = obj.mapFd("config");
        drops = obj.mapFd("drops");
        denyExec = obj.mapFd("deny_exec");
        denyOpen = obj.mapFd("deny_open");
        denyBind = obj.mapFd("deny_bind");
        denyConnect = obj.mapFd("deny_connect");
        denyUring = obj.mapFd("deny_uring");
        mutePid = obj.mapFd("mute_pid");
        muteExe = obj.mapFd("mute_exe");
        verdictCache = obj.mapFd("verdict_cache");
        scratch = ops.allocate(2048 + 4096 + 8 * cpus);
        b = scratch.buffer();
    }

    private long key() {
        return scratch.address();
    }

    private long next() {
        return scratch.address() + 64;
    }

    private long value() {
        return scratch.address() + 128;
    }

    private void check(int rc, String what) {
        if (rc < 0) {
            throw new Esf4jException("BPF map " + what + " failed: " + Errno.describe(-rc));
        }
    }

    /** Sets the mode of one kind of event: {@link #OFF}, {@link #NOTIFY} or {@link #AUTH}. */
    synchronized void mode(EventKind kind, int mode) {
        b.putInt(0, kind.id());
        b.putInt(128, mode);
        check(bpf.mapUpdate(config, key(), value(), LibBpf.BPF_ANY), "update of config");
    }


    private static final int S_IFMT = 0xf000;
    private static final int S_IFDIR = 0x4000;

    /**
     * The file identity of a path, as the BPF programs see it: the user-space {@code st_dev}
     * and the inode, following symbolic links.
     *
     * @throws Esf4jException when the path cannot be resolved
     */
    synchronized long[] fileKey(String path) {
        long addr = scratch.putCString(2048, path);
        int rc = ops.stat(addr, scratch.address() + 1024);
        if (rc < 0) {
            throw new Esf4jException("cannot resolve " + path + " for a BPF rule: " + Errno.describe(-rc));
        }
        return new long[] {b.getLong(1024 + StructStat.ST_DEV), b.getLong(1024 + StructStat.ST_INO)};
    }

    /**
     * Every identity under which the hooks may see the file at {@code path}: the one stat(2)
     * shows, and, for a file (not a directory) on an overlay whose layers are on several file
     * systems without {@code xino}, the overlay's own device with the same inode number. There
     * stat shows a file under its layer's device, while the hooks see the overlay's inode, whose
     * number is the layer's and whose device is the overlay's (the one its directories stat
     * with). On an overlay of one file system, or with {@code xino}, both are the same.
     *
     * @throws Esf4jException when the path cannot be resolved
     */
    synchronized List<long[]> fileKeys(String path) {
        long[] own = fileKey(path);
        int mode = b.getInt(1024 + StructStat.ST_MODE);
        List<long[]> keys = new ArrayList<>(2);
        keys.add(own);
        if ((mode & S_IFMT) == S_IFDIR) {
            return keys;
        }
        java.nio.file.Path p = java.nio.file.Path.of(path);
        try {
            java.nio.file.Path real = p.toRealPath();
            java.nio.file.Path parent = real.getParent();
            if (parent != null && "overlay".equals(java.nio.file.Files.getFileStore(real).type())) {
                long[] dir = fileKey(parent.toString());
                if (dir[0] != own[0]) {
                    keys.add(new long[] {dir[0], own[1]});
                }
            }
        } catch (java.io.IOException e) {
            // no file system path behind it (a socket or pipe named by /proc/PID/fd/N): no overlay
        }
        return keys;
    }

    /** All keys of a map (setup only). */
    private List<byte[]> keys(int fd, int keySize) {
        List<byte[]> out = new ArrayList<>();
        long prev = 0;
        while (true) {
            int rc = bpf.mapGetNextKey(fd, prev, next());
            if (rc == -Errno.ENOENT) {
                return out;
            }
            check(rc, "key iteration");
            byte[] k = new byte[keySize];
            b.get(64, k);
            out.add(k);
            b.put(0, k);
            prev = key();
        }
    }

    private void putKey(byte[] k) {
        b.put(0, k);
    }

    private static byte[] fileKeyBytes(long dev, long ino) {
        ByteBuffer k = ByteBuffer.allocate(FILE_KEY).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        k.putLong(0, dev).putLong(8, ino);
        return k.array();
    }

    private static byte[] uringKeyBytes(long dev, long ino, int op) {
        ByteBuffer k = ByteBuffer.allocate(URING_KEY).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        k.putLong(0, dev).putLong(8, ino).putInt(16, op).putInt(20, 0);
        return k.array();
    }

    /** Replaces a hash map's keys: adds the new ones first, then removes the stale ones (no gap). */
    private void replace(int fd, String name, int keySize, Set<ByteBufferKey> wanted) {
        for (ByteBufferKey k : wanted) {
            putKey(k.bytes);
            b.put(128, (byte) 1);
            check(bpf.mapUpdate(fd, key(), value(), LibBpf.BPF_ANY), "update of " + name);
        }
        for (byte[] k : keys(fd, keySize)) {
            if (!wanted.contains(new ByteBufferKey(k))) {
                putKey(k);
                int rc = bpf.mapDelete(fd, key());
                if (rc != -Errno.ENOENT) {
                    check(rc, "delete in " + name);
                }
            }
        }
    }

    /** A byte[] with value semantics, for key sets. */
    private record ByteBufferKey(byte[] bytes) {
        @Override
        public boolean equals(Object o) {
            return o instanceof ByteBufferKey k && java.util.Arrays.equals(bytes, k.bytes);
        }

        @Override
        public int hashCode() {
            return java.util.Arrays.hashCode(bytes);
        }
    }

    /**
     * Makes the kernel's rules exactly {@code rules}, in place: programs keep running, and no
     * rule that stays is ever absent. Paths are resolved first, so a bad path changes nothing.
     *
     * @param rules the rules of the kinds the object decides (others are ignored)
     * @throws Esf4jException when a path cannot be resolved (nothing changed), there are more
     *         than {@value #MAX_BIND_RULES} bind rules or {@value #MAX_CONNECT_RULES} connect
     *         rules, or a map update fails
     */
    synchronized void rules(List<? extends Rule> rules) {
        Set<ByteBufferKey> exec = new HashSet<>();
        Set<ByteBufferKey> open = new HashSet<>();
        Set<ByteBufferKey> uring = new HashSet<>();
        List<PolicyRule.DenyBindPorts> bind = new ArrayList<>();
        List<DenyConnect> connect = new ArrayList<>();
        for (Rule r : rules) {
            if (r instanceof PolicyRule.DenyExecPath p) {
                for (long[] f : fileKeys(p.path())) {
                    exec.add(new ByteBufferKey(fileKeyBytes(f[0], f[1])));
                }
            } else if (r instanceof PolicyRule.DenyExecInode p) {
                exec.add(new ByteBufferKey(fileKeyBytes(p.device(), p.inode())));
            } else if (r instanceof PolicyRule.DenyOpenPrefix p) {
                for (long[] f : fileKeys(p.pathPrefix())) {
                    open.add(new ByteBufferKey(fileKeyBytes(f[0], f[1])));
                }
            } else if (r instanceof PolicyRule.DenyBindPorts p) {
                bind.add(p);
            } else if (r instanceof PolicyRule.DenyUringCmd p) {
                for (long[] f : fileKeys(p.path())) {
                    uring.add(new ByteBufferKey(uringKeyBytes(f[0], f[1], p.op() == -1 ? ANY_OP : p.op())));
                }
            } else if (r instanceof DenyConnect p) {
                connect.add(p);
            }
        }
        if (bind.size() > MAX_BIND_RULES) {
            throw new Esf4jException("the BPF LSM backend holds at most " + MAX_BIND_RULES + " bind rules, got "
                    + bind.size());
        }
        if (connect.size() > MAX_CONNECT_RULES) {
            throw new Esf4jException("the BPF LSM backend holds at most " + MAX_CONNECT_RULES + " connect rules, got "
                    + connect.size());
        }
        replace(denyExec, "deny_exec", FILE_KEY, exec);
        replace(denyOpen, "deny_open", FILE_KEY, open);
        replace(denyUring, "deny_uring", URING_KEY, uring);
        for (int i = 0; i < MAX_BIND_RULES; i++) {
            b.putInt(0, i);
            boolean used = i < bind.size();
            PolicyRule.DenyBindPorts p = used ? bind.get(i) : null;
            b.putShort(128, (short) (used ? p.family() : 0));
            b.putShort(130, (short) (used ? p.low() : 0));
            b.putShort(132, (short) (used ? p.high() : 0));
            b.putShort(134, (short) (used ? 1 : 0));
            check(bpf.mapUpdate(denyBind, key(), value(), LibBpf.BPF_ANY), "update of deny_bind");
        }
        for (int i = 0; i < MAX_CONNECT_RULES; i++) {
            b.putInt(0, i);
            connectRule(i < connect.size() ? connect.get(i) : null);
            check(bpf.mapUpdate(denyConnect, key(), value(), LibBpf.BPF_ANY), "update of deny_connect");
        }
    }

    /**
     * Writes a {@code struct esf4j_connect_rule} at the value offset: family, ports, used, then
     * the network and its prefix mask as 16 bytes each in network order (IPv4 in the first 4).
     */
    private void connectRule(DenyConnect r) {
        for (int i = 0; i < 40; i++) {
            b.put(128 + i, (byte) 0);
        }
        if (r == null) {
            return;
        }
        byte[] a = r.addressBytes();
        int prefix = r.prefixLength();
        b.putShort(128, (short) r.family());
        b.putShort(130, (short) r.lowPort());
        b.putShort(132, (short) r.highPort());
        b.putShort(134, (short) 1);
        for (int i = 0; i < a.length; i++) {
            int bits = Math.max(0, Math.min(8, prefix - 8 * i));
            byte mask = (byte) (0xff00 >>> bits);
            b.put(136 + i, (byte) (a[i] & mask));
            b.put(152 + i, mask);
        }
    }

    /**
     * Pushes the muting rules the kernel can apply: by process, and by executable path
     * (literal). Kinds whose muting is inverted, prefixes and target paths stay in the engine.
     *
     * @param rules the client's rules
     * @param inverted the inverted kinds
     * @return how many rules went into the kernel
     */
    synchronized int mute(List<MuteRule> rules, Set<MuteRule.Kind> inverted) {
        int pushed = 0;
        for (MuteRule r : rules) {
            int mask = 0;
            for (EventKind k : EventKind.known()) {
                if (BpfObject.program(k) != null && r.appliesTo(k)) {
                    mask |= 1 << k.id();
                }
            }
            if (r.kind() == MuteRule.Kind.PROCESS && !inverted.contains(r.kind())) {
                mutePid(r.pid(), mask);
                pushed++;
            } else if (r.kind() == MuteRule.Kind.EXECUTABLE_PATH && !r.prefix() && !inverted.contains(r.kind())) {
                for (long[] f : fileKeys(r.path())) {
                    putKey(fileKeyBytes(f[0], f[1]));
                    b.putInt(128, mask | lookupMask(muteExe));
                    check(bpf.mapUpdate(muteExe, key(), value(), LibBpf.BPF_ANY), "update of mute_exe");
                }
                pushed++;
            }
        }
        return pushed;
    }

    /** Mutes a process (tgid) for the event types in {@code mask} (added to what is muted). */
    synchronized void mutePid(int pid, int mask) {
        b.putInt(0, pid);
        b.putInt(128, mask | lookupMask(mutePid));
        check(bpf.mapUpdate(mutePid, key(), value(), LibBpf.BPF_ANY), "update of mute_pid");
    }

    /** Removes a process's muting. */
    synchronized void unmutePid(int pid) {
        b.putInt(0, pid);
        int rc = bpf.mapDelete(mutePid, key());
        if (rc != -Errno.ENOENT) {
            check(rc, "delete in mute_pid");
        }
    }

    /** The mask stored for the key in scratch, or 0; leaves the key in place. */
    private int lookupMask(int fd) {
        int rc = bpf.mapLookup(fd, key(), value());
        return rc == 0 ? b.getInt(128) : 0;
    }

    /**
     * Stores a cached verdict. No allocation.
     *
     * @return false when the map update failed (counted by the caller)
     */
    synchronized boolean cache(int type, long dev, long ino, long ctimeNs, long exeDev, long exeIno, boolean allow) {
        b.putInt(0, type).putInt(4, 0).putLong(8, dev).putLong(16, ino).putLong(24, ctimeNs)
                .putLong(32, exeDev).putLong(40, exeIno);
        b.put(128, allow ? CACHE_ALLOW : CACHE_DENY);
        return bpf.mapUpdate(verdictCache, key(), value(), LibBpf.BPF_ANY) == 0;
    }


    /**
     * Reservation failures per event type, summed over CPUs, since the maps were created. No
     * allocation.
     *
     * @param out receives one count per {@link EventKind#id()}, {@value #TYPES} entries
     */
    synchronized void drops(long[] out) {
        for (int t = 0; t < out.length; t++) {
            b.putInt(0, t);
            int rc = bpf.mapLookup(drops, key(), scratch.address() + 2048 + 4096);
            long sum = 0;
            if (rc == 0) {
                for (int c = 0; c < cpus; c++) {
                    sum += b.getLong(2048 + 4096 + 8 * c);
                }
            }
            out[t] = sum;
        }
    }

    @Override
    public synchronized void close() {
        scratch.close();
    }
}
