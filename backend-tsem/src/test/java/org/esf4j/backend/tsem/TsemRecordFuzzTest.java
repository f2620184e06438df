/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Fuzzes {@link TsemRecord#decode}, the CELL flattening and the coefficient over whatever decodes.
 * Property: nothing but {@link TsemRecord.Malformed} is thrown, nothing loops, every range stays
 * inside the record. Seeds: {@code TsemRecordFuzzTestInputs/decode/} (records of every shape of
 * the ABI and edge cases); run as a regression test by {@code mvn test}, fuzzed by
 * {@code backend-tsem/fuzz}.
 */
class TsemRecordFuzzTest {

    private final TsemRecord record = new TsemRecord();
    private final TsemModel model = TsemModel.learning("sha256");
    private final byte[] out = new byte[1 << 16];

    @FuzzTest
    void decode(byte[] data) {
        try {
            record.decode(data, data.length);
        } catch (TsemRecord.Malformed expected) {
            return;
        }
        int n = data.length;
        assertTrue(record.processLen >= 0 && record.processOff + record.processLen <= n);
        assertTrue(record.typeLen >= 0 && record.typeOff + record.typeLen <= n);
        assertTrue(record.cellEnd <= n && record.cellOff <= record.cellEnd);
        if (record.pathnameLen > 0) {
            assertTrue(record.pathnameOff + record.pathnameLen <= n);
            assertTrue(record.unescape(record.pathnameOff, record.pathnameLen, out) <= out.length);
        }
        record.cellFields();
        record.eventType();
        if ((record.exportType == TsemRecord.EVENT || record.exportType == TsemRecord.ASYNC_EVENT)
                && record.taskIdLen == 64 && record.pTaskIdLen == 64) {
            model.observe(record);
        }
    }
}
