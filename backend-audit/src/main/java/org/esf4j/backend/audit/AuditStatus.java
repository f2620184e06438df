package org.esf4j.backend.audit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code struct audit_status} (11 × u32, 44 bytes; older kernels send at least 32).
 *
 * @param enabled 0 off, 1 on, 2 locked (rules cannot change until reboot)
 * @param failure 0 silent, 1 printk, 2 panic
 * @param pid the registered unicast daemon, 0 when none
 * @param rateLimit records/s, 0 = none
 * @param backlogLimit kernel queue length limit
 * @param lost records the kernel dropped since boot (or the last reset)
 * @param backlog current queue length
 * @param features feature bitmap
 * @param backlogWaitTime jiffies an audited task may wait for queue room (unicast daemon only)
 */
record AuditStatus(int enabled, int failure, int pid, int rateLimit, int backlogLimit, long lost, int backlog,
                   int features, int backlogWaitTime) {

    static final int SIZE = 44;
    static final int MASK_ENABLED = 0x1;
    static final int MASK_PID = 0x4;
    static final int MASK_BACKLOG_WAIT_TIME = 0x20;

    static final int ENABLED_OFF = 0;
    static final int ENABLED_ON = 1;
    static final int ENABLED_LOCKED = 2;

    /** Parses a reply, or returns null when it is shorter than 32 bytes. */
    static AuditStatus parse(byte[] m, int off, int len) {
        if (len < 32) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(m, off, len).slice().order(ByteOrder.LITTLE_ENDIAN);
        return new AuditStatus(b.getInt(4), b.getInt(8), b.getInt(12), b.getInt(16), b.getInt(20),
                b.getInt(24) & 0xffff_ffffL, b.getInt(28), len >= 36 ? b.getInt(32) : 0, len >= 40 ? b.getInt(36) : 0);
    }

    static AuditStatus of(int enabled, int pid, int backlogWaitTime) {
        return new AuditStatus(enabled, 0, pid, 0, 0, 0, 0, 0, backlogWaitTime);
    }

    byte[] toBytes(int mask) {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, mask).putInt(4, enabled).putInt(8, failure).putInt(12, pid).putInt(16, rateLimit)
                .putInt(20, backlogLimit).putInt(24, (int) lost).putInt(28, backlog).putInt(32, features)
                .putInt(36, backlogWaitTime);
        return b.array();
    }
}
