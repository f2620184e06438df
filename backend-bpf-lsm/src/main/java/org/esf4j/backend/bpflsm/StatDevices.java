package org.esf4j.backend.bpflsm;

import java.util.Arrays;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.process.ProcFiles;

/**
 * Whether the device number the hooks read from a file's superblock is the one {@code stat(2)}
 * shows for the files of that file system, where the record says it may not be (overlayfs, btrfs;
 * elsewhere it is). Not so on an overlay whose layers are different file systems (without
 * {@code xino}), where stat gives a regular file the device of its layer (or one overlayfs made up
 * for the layer) while the hooks see the overlay's own superblock, nor on btrfs, where stat gives
 * every subvolume a device of its own. An event's file identity is given only where it is the one
 * stat shows: elsewhere it is absent, never a number no program on the machine can match.
 *
 * <p>Learned once per device, from the first regular file an event names by an exact path: that
 * path is stat'ed and, when it is still the event's inode, the device stat shows decides. Until a
 * device is learned its files' identities are absent; a device that never shows a regular file
 * under its own name is given up on after {@value #TRIES} tries. Reader thread only; allocates only
 * when the table grows.
 */
final class StatDevices implements AutoCloseable {

    /** A device not learned yet. */
    static final int UNKNOWN = 0;
    /** A device whose files stat with the superblock's device. */
    static final int SAME = 1;
    /** A device whose files stat with another device, or one given up on. */
    static final int DIFFERENT = 2;
    private static final int TRIES = 16;
    private static final int S_IFMT = 0xf000;
    private static final int S_IFREG = 0x8000;

    private final ProcFiles proc;
    private long[] devices = new long[16];
    private byte[] states = new byte[16];
    private byte[] tries = new byte[16];
    private int count;

    StatDevices(NativeOps ops) {
        this.proc = new ProcFiles(ops);
    }

    /**
     * What is known of a device.
     *
     * @param device the superblock's device, as the hook read it (user space's encoding)
     * @return {@link #UNKNOWN}, {@link #SAME} or {@link #DIFFERENT}
     */
    int known(long device) {
        return states[index(device)];
    }

    /**
     * Learns a device from an event of a device still {@link #UNKNOWN}.
     *
     * @param device the superblock's device, as the hook read it
     * @param inode the file's inode
     * @param path the file's path as the hook resolved it (0 length when it is not exact)
     * @param length the path's length
     * @return true when the device's files stat with the device the hook read
     */
    boolean learn(long device, long inode, byte[] path, int length) {
        int i = index(device);
        if (states[i] != UNKNOWN) {
            return states[i] == SAME;
        }
        if (length > 0 && path[0] == '/' && proc.stat(path, length) == 0
                && (proc.statMode() & S_IFMT) == S_IFREG && proc.statInode() == inode) {
            states[i] = (byte) (proc.statDevice() == device ? SAME : DIFFERENT);
            return states[i] == SAME;
        }
        if (++tries[i] >= TRIES) {
            states[i] = (byte) DIFFERENT;
        }
        return false;
    }

    private int index(long device) {
        for (int i = 0; i < count; i++) {
            if (devices[i] == device) {
                return i;
            }
        }
        if (count == devices.length) {
            devices = Arrays.copyOf(devices, count * 2);
            states = Arrays.copyOf(states, count * 2);
            tries = Arrays.copyOf(tries, count * 2);
        }
        devices[count] = device;
        return count++;
    }

    @Override
    public void close() {
        proc.close();
    }
}
