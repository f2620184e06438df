package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link AuditRecord#parse} and every field accessor. Property: nothing throws, nothing loops,
 * results stay inside the buffer. Input: two bytes of record type (big-endian), then the record text.
 * Seeds: {@code AuditRecordFuzzTestInputs/parse/} (real records, one per type, and edge cases); run
 * as a regression test by {@code mvn test}, fuzzed by {@code backend-audit/fuzz}.
 */
class AuditRecordFuzzTest {
    private static final String[] KEYS = {"a0", "a1", "argc", "a0_len", "a0[0]", "name", "proctitle", "saddr", "exe",
        "comm", "cwd", "key", "msg", "exit", "pid", "mode", "dev", "", "uring_op"};

    private final AuditRecord record = new AuditRecord();
    private final byte[] small = new byte[7];
    private final byte[] large = new byte[1 << 16];

    @FuzzTest
    void parse(byte[] data) {
        if (data.length < 2) {
            return;
        }
        int type = (data[0] & 0xff) << 8 | (data[1] & 0xff);
        int len = data.length - 2;
        boolean ok = record.parse(type, data, 2, len);
        assertEquals(ok, record.valid());
        if (!ok) {
            assertEquals(0, record.fieldCount());
            return;
        }
        assertTrue(record.serial() >= 0 && record.serial() <= 0xffff_ffffL);
        assertTrue(record.millis() >= 0 && record.millis() <= 999);
        assertTrue(record.seconds() >= 0);
        assertTrue(record.fieldCount() <= AuditRecord.MAX_FIELDS);
        assertTrue(record.length() <= len);
        for (int i = -1; i <= record.fieldCount(); i++) {
            touch(i, len);
        }
        for (String k : KEYS) {
            int i = record.indexOf(k);
            assertTrue(i >= -1 && i < record.fieldCount());
            if (i >= 0) {
                assertTrue(record.keyEquals(i, k));
                assertTrue(record.indexOf(k, i + 1) == -1 || record.indexOf(k, i + 1) > i);
            }
        }
        record.toString();
    }

    private void touch(int i, int len) {
        boolean in = i >= 0 && i < record.fieldCount();
        int vo = record.valueOffset(i);
        int vl = record.valueLength(i);
        int ko = record.keyOffset(i);
        int kl = record.keyLength(i);
        if (!in) {
            assertEquals(-1, vo);
            assertEquals(-1, record.decode(i, small, 0));
            return;
        }
        assertTrue(ko >= 2 && kl >= 0 && ko + kl <= 2 + len, "key inside the record");
        assertTrue(vo >= ko + kl && vl >= 0 && vo + vl <= 2 + len, "value inside the record");
        record.number(i, 10, 0);
        record.number(i, 16, 0);
        record.number(i, 8, 0);
        record.isNull(i);
        record.isQuoted(i);
        record.key(i);
        int n = record.decode(i, small, 3);
        assertTrue(n >= 0 && n <= small.length - 3);
        n = record.decode(i, large, 0);
        assertTrue(n >= 0 && n <= vl);
        assertEquals(n, record.bytes(i).length);
        record.string(i);
    }
}
