package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The eight-bytes-at-a-time scans agree with byte-by-byte loops, at every offset and length. */
class RecordScannerTest {
    private static int naiveBlank(byte[] b, int p, int end) {
        while (p < end && !(b[p] >= 0 && b[p] <= 0x20)) {
            p++;
        }
        return p;
    }

    private static int naiveIndexOf(byte[] b, int p, int end, byte c) {
        while (p < end && b[p] != c) {
            p++;
        }
        return p;
    }

    @Test
    void swarScansMatchByteLoops() {
        SplittableRandom rnd = new SplittableRandom(42);
        byte[] alphabet = {' ', 0, '\t', '\n', 0x1f, 0x20, 0x21, '"', '\'', 'A', 'z', '=', (byte) 0x80, (byte) 0xa0,
            (byte) 0xc3, (byte) 0xff, 0x7f, '0'};
        for (int round = 0; round < 2000; round++) {
            byte[] b = new byte[rnd.nextInt(1, 40)];
            int density = rnd.nextInt(1, 30);
            for (int i = 0; i < b.length; i++) {
                b[i] = rnd.nextInt(density) == 0 ? alphabet[rnd.nextInt(alphabet.length)] : (byte) rnd.nextInt(0x21, 0x7f);
            }
            for (int p = 0; p <= b.length; p++) {
                for (int end = p; end <= b.length; end++) {
                    assertEquals(naiveBlank(b, p, end), RecordScanner.blank(b, p, end));
                    for (byte c : new byte[] {'"', '\'', 0, (byte) 0xff}) {
                        assertEquals(naiveIndexOf(b, p, end, c), RecordScanner.indexOf(b, p, end, c));
                    }
                }
            }
        }
    }

    @Test
    void controlBytesSeparateFieldsOutsideQuotes() {
        AuditRecord r = new AuditRecord();
        byte[] b = "audit(1.000:1): a=1\tb=2\u0001c=\"x\u0001y\" d=\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        r.parse(AuditType.PATH, b, 0, b.length);
        assertEquals(4, r.fieldCount());
        assertEquals("2", r.string(1));
        assertEquals("x\u0001y", r.string(2));
        assertEquals("\u00e9", r.string(3));
    }
}
