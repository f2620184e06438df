package org.esf4j.backend.audit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An audit rule in the kernel's wire form, {@code struct audit_rule_data}: a 1040-byte header
 * (flags, action, field count, the 64-word syscall or io_uring opcode bitmap, and the field,
 * value and operator arrays) followed by the string values. Built by esf4j or read back from
 * {@code AUDIT_LIST_RULES}, where {@link #key} finds the rule's filter key.
 */
final class AuditRule {

    static final int HEADER = 1040;
    static final int MAX_FIELDS = 64;
    static final int MAX_KEY = 256;

    // filter lists ("flags")
    static final int LIST_EXIT = 4;
    static final int LIST_URING_EXIT = 7;
    static final int FILTER_PREPEND = 0x10;
    // actions
    static final int NEVER = 0;
    static final int ALWAYS = 2;
    // fields
    static final int F_PID = 0;
    static final int F_UID = 1;
    static final int F_ARCH = 11;
    static final int F_SUCCESS = 104;
    static final int F_WATCH = 105;
    static final int F_DIR = 107;
    static final int F_EXE = 112;
    static final int F_FILTERKEY = 210;
    // operators
    static final int OP_EQUAL = 0x4000_0000;
    static final int OP_NOT_EQUAL = 0x3000_0000;

    static final int ARCH_X86_64 = 0xC000_003E;
    static final int ARCH_I386 = 0x4000_0003;
    static final int ARCH_AARCH64 = 0xC000_00B7;

    private final int list;
    private final int action;
    private final int[] mask = new int[64];
    private final List<int[]> fields = new ArrayList<>(); // {field, op, value}
    private final List<byte[]> strings = new ArrayList<>(); // per field, null for numbers

    AuditRule(int list, int action) {
        this.list = list;
        this.action = action;
    }

    /** Sets the bits of these syscall numbers (or io_uring opcodes on the io_uring list). */
    AuditRule syscalls(int... numbers) {
        for (int nr : numbers) {
            mask[nr / 32] |= 1 << (nr % 32);
        }
        return this;
    }

    /** Sets every bit ("-S all"). */
    AuditRule allSyscalls() {
        java.util.Arrays.fill(mask, 0xffff_ffff);
        return this;
    }

    AuditRule field(int field, int op, int value) {
        checkRoom();
        fields.add(new int[] {field, op, value});
        strings.add(null);
        return this;
    }

    AuditRule field(int field, int op, String value) {
        checkRoom();
        byte[] v = value.getBytes(StandardCharsets.UTF_8);
        if (field == F_FILTERKEY && v.length > MAX_KEY) {
            throw new IllegalArgumentException("audit key longer than " + MAX_KEY + " bytes: " + value);
        }
        fields.add(new int[] {field, op, v.length});
        strings.add(v);
        return this;
    }

    private void checkRoom() {
        if (fields.size() == MAX_FIELDS) {
            throw new IllegalArgumentException("an audit rule holds at most " + MAX_FIELDS + " fields");
        }
    }

    /** @return the {@code audit_rule_data} bytes, padded to 4 */
    byte[] toBytes() {
        int buflen = 0;
        for (byte[] s : strings) {
            buflen += s == null ? 0 : s.length;
        }
        ByteBuffer b = ByteBuffer.allocate((HEADER + buflen + 3) & ~3).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, list).putInt(4, action).putInt(8, fields.size());
        for (int i = 0; i < 64; i++) {
            b.putInt(12 + 4 * i, mask[i]);
        }
        int at = HEADER;
        for (int i = 0; i < fields.size(); i++) {
            int[] f = fields.get(i);
            b.putInt(268 + 4 * i, f[0]).putInt(524 + 4 * i, f[2]).putInt(780 + 4 * i, f[1]);
            byte[] s = strings.get(i);
            if (s != null) {
                b.put(at, s);
                at += s.length;
            }
        }
        b.putInt(1036, buflen);
        return b.array();
    }

    /** Whether the field type carries a string in the buffer (include/uapi/linux/audit.h). */
    static boolean isStringField(int field) {
        return switch (field) {
            case 13, 14, 15, 16, 17, // AUDIT_SUBJ_USER .. AUDIT_SUBJ_CLR
                 19, 20, 21, 22, 23, // AUDIT_OBJ_USER .. AUDIT_OBJ_LEV_HIGH
                 F_WATCH, F_DIR, F_EXE, F_FILTERKEY -> true;
            default -> false;
        };
    }

    /**
     * The filter key of a rule in wire form, or null when it has none or the bytes are not a
     * well-formed rule.
     */
    static String key(byte[] rule) {
        if (rule.length < HEADER) {
            return null;
        }
        ByteBuffer b = ByteBuffer.wrap(rule).order(ByteOrder.LITTLE_ENDIAN);
        int count = b.getInt(8);
        int buflen = b.getInt(1036);
        if (count < 0 || count > MAX_FIELDS || buflen < 0 || HEADER + (long) buflen > rule.length) {
            return null;
        }
        int at = HEADER;
        for (int i = 0; i < count; i++) {
            int field = b.getInt(268 + 4 * i);
            if (!isStringField(field)) {
                continue;
            }
            int len = b.getInt(524 + 4 * i);
            if (len < 0 || at + (long) len > HEADER + (long) buflen) {
                return null;
            }
            if (field == F_FILTERKEY) {
                return new String(rule, at, len, StandardCharsets.UTF_8);
            }
            at += len;
        }
        return null;
    }
}
