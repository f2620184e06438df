package org.esf4j.spi.engine;

/**
 * The engine's verdict cache (Apple ES semantics): a cached verdict answers later events of the
 * same type, from the same executable, on the same file — identified by device, inode and change
 * time, so a file that was written (new ctime) or replaced (new inode) misses. Fixed size
 * (4-way set-associative, round-robin replacement), no allocation after construction. Deadline
 * verdicts are never cached.
 *
 * <p>Limit: the change time has the file system's timestamp granularity. Linux 6.13+ gives a
 * fine-grained ctime to any file whose ctime was queried (multigrain timestamps), which the cache
 * does at every look-up; on older kernels two changes within one clock tick could look alike.
 */
final class VerdictCache {

    static final int MISS = -1;
    private static final int WAYS = 4;
    private static final int SETS = 1024;
    private static final int FIELDS = 5; // tag (type+1), device, inode, ctime, executable hash

    private final long[] keys = new long[SETS * WAYS * FIELDS];
    private final boolean[] allow = new boolean[SETS * WAYS];
    private final byte[] victim = new byte[SETS];
    private volatile int entries;

    /** @return true when nothing was ever stored (look-ups can be skipped) */
    boolean isEmpty() {
        return entries == 0;
    }

    private static int set(int type, long dev, long ino, long exe) {
        long h = ino * 0x9E3779B97F4A7C15L ^ dev * 31 ^ exe ^ type;
        return (int) ((h ^ (h >>> 29)) & (SETS - 1));
    }

    /** @return 1 allow, 0 deny, {@link #MISS} */
    synchronized int lookup(int type, long dev, long ino, long ctime, long exe) {
        int s = set(type, dev, ino, exe);
        for (int w = 0; w < WAYS; w++) {
            int slot = s * WAYS + w;
            int k = slot * FIELDS;
            if (keys[k] == type + 1 && keys[k + 2] == ino && keys[k + 1] == dev && keys[k + 4] == exe) {
                if (keys[k + 3] == ctime) {
                    return allow[slot] ? 1 : 0;
                }
                keys[k] = 0; // the file changed: the entry is stale for good
                return MISS;
            }
        }
        return MISS;
    }

    synchronized void put(int type, long dev, long ino, long ctime, long exe, boolean allowed) {
        if (ino == 0) {
            return; // identity unknown: never cache
        }
        int s = set(type, dev, ino, exe);
        int slot = -1;
        for (int w = 0; w < WAYS; w++) {
            int k = (s * WAYS + w) * FIELDS;
            if (keys[k] == 0 || (keys[k] == type + 1 && keys[k + 2] == ino && keys[k + 1] == dev && keys[k + 4] == exe)) {
                slot = s * WAYS + w;
                break;
            }
        }
        if (slot < 0) {
            slot = s * WAYS + victim[s];
            victim[s] = (byte) ((victim[s] + 1) % WAYS);
        }
        int k = slot * FIELDS;
        keys[k] = type + 1;
        keys[k + 1] = dev;
        keys[k + 2] = ino;
        keys[k + 3] = ctime;
        keys[k + 4] = exe;
        allow[slot] = allowed;
        entries++;
    }

    synchronized void clear() {
        java.util.Arrays.fill(keys, 0);
        entries = 0;
    }
}
