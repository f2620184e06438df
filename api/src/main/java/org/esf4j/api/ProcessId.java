package org.esf4j.api;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Objects;

/**
 * The identity of a process that survives pid reuse: the boot, the pid and the start time. Two
 * processes with equal ids are the same process; a reused pid has another start time.
 *
 * @param bootId the kernel's boot id ({@code /proc/sys/kernel/random/boot_id}, 36 characters)
 * @param pid the process id (thread-group id) in the initial pid namespace
 * @param startTimeTicks when the process started, in clock ticks since boot
 *                       ({@code /proc/PID/stat} field 22; 100 per second on Linux)
 * @since 0.1
 */
public record ProcessId(String bootId, int pid, long startTimeTicks) {

    /**
     * Validates.
     *
     * @param bootId boot id
     * @param pid pid
     * @param startTimeTicks start time
     */
    public ProcessId {
        Objects.requireNonNull(bootId, "bootId");
        if (pid <= 0 || startTimeTicks < 0) {
            throw new IllegalArgumentException("a process id needs pid > 0 and a start time >= 0, got " + pid + "/"
                    + startTimeTicks);
        }
    }

    /**
     * A compact string form for logs and stores, unique across boots: base64 (URL alphabet, no
     * padding) of the first 8 bytes of the boot id's hex digits, the pid (4 bytes) and the start
     * time (8 bytes), little-endian; 27 characters.
     *
     * @return the entity id
     */
    public String entityId() {
        ByteBuffer b = ByteBuffer.allocate(20).order(ByteOrder.LITTLE_ENDIAN);
        byte[] boot = bootId.replace("-", "").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 8; i++) {
            b.put(i < boot.length / 2 ? (byte) Integer.parseInt(new String(boot, 2 * i, 2, StandardCharsets.US_ASCII), 16)
                    : 0);
        }
        b.putInt(pid).putLong(startTimeTicks);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b.array());
    }

    @Override
    public String toString() {
        return pid + "@" + startTimeTicks;
    }
}
