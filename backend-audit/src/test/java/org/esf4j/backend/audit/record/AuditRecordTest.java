package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuditRecordTest {

    private static AuditRecord parse(AuditLog.Rec r) {
        AuditRecord rec = new AuditRecord();
        assertTrue(rec.parse(r.type(), r.payload(), 0, r.payload().length), r.text());
        return rec;
    }

    private static AuditRecord parse(int type, String text) {
        return parse(AuditLog.rec(type, text));
    }

    private static AuditLog.Rec first(String resource, int type) {
        return AuditLog.resource(resource).stream().filter(r -> r.type() == type).findFirst().orElseThrow();
    }

    @Test
    void syscallRecordFromTheKernel() {
        AuditRecord r = parse(first("open.log", AuditType.SYSCALL));
        assertEquals(AuditType.SYSCALL, r.type());
        assertEquals(1795404601L, r.seconds());
        assertEquals(121, r.millis());
        assertEquals(19577L, r.serial());
        assertEquals(25, r.fieldCount());
        assertFalse(r.truncated());
        assertEquals(0xc000003eL, r.number(r.indexOf("arch"), 16, -1));
        assertEquals(257, r.number(r.indexOf("syscall"), 10, -1));
        assertEquals("yes", r.string(r.indexOf("success")));
        assertEquals(6, r.number(r.indexOf("exit"), 10, -1));
        assertEquals(0xffffff9cL, r.number(r.indexOf("a0"), 16, -1));
        assertEquals(0x559a113e744fL, r.number(r.indexOf("a1"), 16, -1));
        assertEquals(0x80041, r.number(r.indexOf("a2"), 16, -1));
        assertEquals(2, r.number(r.indexOf("items"), 10, -1));
        assertEquals(4294967295L, r.number(r.indexOf("auid"), 10, -1));
        assertEquals("(none)", r.string(r.indexOf("tty")));
        assertFalse(r.isNull(r.indexOf("tty")));
        assertEquals("capture", r.string(r.indexOf("comm")));
        assertEquals("/usr/local/bin/capture", r.string(r.indexOf("exe")));
        assertEquals("esf4j_bench", r.string(r.indexOf("key")));
        assertEquals(-1, r.indexOf("nope"));
        assertEquals(-1, r.indexOf("ke"));
        assertEquals("arch", r.key(0));
        assertTrue(r.keyEquals(1, "syscall"));
        // SYSCALL a0..a3 are numbers, never decoded as hex strings even when they look like it
        AuditRecord s = parse(AuditType.SYSCALL, "audit(1.000:1): a0=10 a1=AB");
        assertEquals("10", s.string(0));
        assertEquals("AB", s.string(1));
    }

    @Test
    void pathRecordsWithOctalModeDeviceAndEncodedNames() {
        List<AuditLog.Rec> recs = AuditLog.resource("open.log");
        AuditRecord plain = parse(recs.get(3));
        assertEquals(AuditType.PATH, plain.type());
        assertEquals("plain.txt", plain.string(plain.indexOf("name")));
        assertEquals(0100644, plain.number(plain.indexOf("mode"), 8, -1));
        assertEquals(2154514L, plain.number(plain.indexOf("inode"), 10, -1));
        assertEquals("fe:00", plain.string(plain.indexOf("dev")));
        assertEquals(-1, plain.number(plain.indexOf("dev"), 16, -1));
        assertEquals("CREATE", plain.string(plain.indexOf("nametype")));

        AuditRecord space = parse(recs.get(9));
        int name = space.indexOf("name");
        assertFalse(space.isQuoted(name));
        assertEquals("776974682073706163652E747874", new String(space.buffer(), space.valueOffset(name),
                space.valueLength(name), StandardCharsets.US_ASCII));
        assertEquals("with space.txt", space.string(name));

        AuditRecord unicode = parse(recs.get(14));
        assertEquals("\u00fcnic\u00f6de-\u30d5\u30a1\u30a4\u30eb.txt", unicode.string(unicode.indexOf("name")));
        byte[] dst = new byte[64];
        int n = unicode.decode(unicode.indexOf("name"), dst, 0);
        assertEquals(26, n);
        assertEquals((byte) 0xc3, dst[0]);
    }

    @Test
    void proctitleAndCwdAndOpenat2() {
        List<AuditLog.Rec> recs = AuditLog.resource("open.log");
        AuditRecord cwd = parse(recs.get(1));
        assertEquals("/tmp/x", cwd.string(cwd.indexOf("cwd")));
        AuditRecord pt = parse(recs.get(4));
        assertArrayEquals("capture\0-o\0/tmp/x/audit.log".getBytes(StandardCharsets.US_ASCII),
                pt.bytes(pt.indexOf("proctitle")));
        AuditRecord how = parse(recs.stream().filter(r -> r.type() == AuditType.OPENAT2).findFirst().orElseThrow());
        assertEquals(02000000, how.number(how.indexOf("oflag"), 8, -1));
        assertEquals(4, how.number(how.indexOf("resolve"), 16, -1));
        assertEquals(0, how.number(how.indexOf("mode"), 8, -1));
    }

    @Test
    void eoeHasNoFields() {
        AuditRecord r = parse(first("open.log", AuditType.EOE));
        assertEquals(0, r.fieldCount());
        assertEquals(19577L, r.serial());
    }

    @Test
    void quotedValuesWithBlanksAndNestedUserMessages() {
        // The form PAM and sshd send as USER_START (auditd's audit.log, user-space message)
        AuditRecord r = parse(1105, "audit(1795404700.123:20000): pid=1234 uid=0 auid=0 ses=1 "
                + "subj=system_u:system_r:sshd_t:s0-s0:c0.c1023 msg='op=PAM:session_open "
                + "grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'");
        assertEquals(6, r.fieldCount());
        assertEquals("system_u:system_r:sshd_t:s0-s0:c0.c1023", r.string(r.indexOf("subj")));
        int msg = r.indexOf("msg");
        assertTrue(r.isQuoted(msg));
        assertEquals("op=PAM:session_open grantors=pam_unix acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? "
                + "addr=? terminal=ssh res=success", r.string(msg));
        assertEquals(-1, r.indexOf("res"));

        AuditRecord q = parse(AuditType.PATH, "audit(1.001:2): a=\"b c\" d=e name=\"x y\"");
        assertEquals(3, q.fieldCount());
        assertEquals("b c", q.string(0));
        assertEquals("e", q.string(1));
        assertEquals("x y", q.string(2));
        assertEquals("\"x y\"", new String(q.buffer(), q.valueOffset(2), q.valueLength(2), StandardCharsets.UTF_8));
    }

    @Test
    void nullsAndQuestionMarks() {
        AuditRecord r = parse(AuditType.SYSCALL, "audit(1.000:1): key=(null) hostname=? addr=(none) x=\"(null)\"");
        assertTrue(r.isNull(0));
        assertTrue(r.isNull(1));
        assertFalse(r.isNull(2));
        assertFalse(r.isNull(3));
        assertFalse(r.isNull(-1));
        assertFalse(r.isNull(4));
        // (null) is not hex: decoded raw even for an encoded key
        assertEquals("(null)", r.string(0));
    }

    @Test
    void numbers() {
        AuditRecord r = parse(AuditType.SYSCALL, "audit(1.000:1): exit=-2 big=18446744073709551615 hex=ffffffffffffffff "
                + "x=0x1F neg=-9223372036854775808 over=9223372036854775808 oct=0777 bad=12a empty= q=\"5\" "
                + "over16=1ffffffffffffffff");
        assertEquals(-2, r.number(0, 10, 7));
        assertEquals(7, r.number(1, 10, 7)); // beyond a signed long
        assertEquals(7, r.number(1, 16, 7)); // 20 digits overflow 64 bits
        assertEquals(-1L, r.number(2, 16, 7));
        assertEquals(0x1f, r.number(3, 16, 7));
        assertEquals(Long.MIN_VALUE, r.number(4, 10, 7));
        assertEquals(7, r.number(5, 10, 7));
        assertEquals(0777, r.number(6, 8, 7));
        assertEquals(7, r.number(6, 2, 7));
        assertEquals(7, r.number(7, 10, 7));
        assertEquals(0x12a, r.number(7, 16, 7));
        assertEquals(7, r.number(8, 10, 7));
        assertEquals(7, r.number(9, 10, 7));
        assertEquals(7, r.number(10, 16, 7));
        assertEquals(7, r.number(0, 1, 7));
        assertEquals(7, r.number(0, 37, 7));
        assertEquals(7, r.number(99, 10, 7));
    }

    @Test
    void trailingNulAndNewlineAreIgnored() {
        byte[] text = "audit(1.500:77): a=1 b=\"x\"\n\0\0".getBytes(StandardCharsets.US_ASCII);
        byte[] buf = new byte[text.length + 10];
        System.arraycopy(text, 0, buf, 5, text.length);
        AuditRecord r = new AuditRecord();
        assertTrue(r.parse(AuditType.CWD, buf, 5, text.length));
        assertEquals(2, r.fieldCount());
        assertEquals("x", r.string(1));
        assertEquals(500, r.millis());
        assertEquals(77, r.serial());
        assertEquals(text.length - 3, r.length());
        assertEquals(5, r.offset());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "audit", "audit(", "audit(1.000:1)", "audit(1.000:1", "audit(.000:1): a=1",
        "audit(1.:1): a=1", "audit(1.0000:1): a=1", "audit(1.000:): a=1", "audit(1.000:4294967296): a=1",
        "audit(1.000:1)x a=1", "Audit(1.000:1): a=1", " audit(1.000:1): a=1", "audit(1,000:1): a=1",
        "audit(99999999999999999999.000:1): a=1", "type=SYSCALL msg=audit(1.000:1): a=1", "audit(-1.000:1): a=1"})
    void malformedHeaders(String text) {
        AuditRecord r = new AuditRecord();
        byte[] b = text.getBytes(StandardCharsets.US_ASCII);
        assertFalse(r.parse(AuditType.SYSCALL, b, 0, b.length));
        assertFalse(r.valid());
        assertEquals(0, r.fieldCount());
        assertEquals(-1, r.indexOf("a"));
        assertNull(r.string(0));
    }

    @Test
    void wellFormedEdgeHeaders() {
        AuditRecord r = parse(AuditType.EOE, "audit(0.0:4294967295):");
        assertEquals(0, r.seconds());
        assertEquals(4294967295L, r.serial());
        assertEquals(0, r.fieldCount());
        r = parse(AuditType.EOE, "audit(1.5:0): ");
        assertEquals(5, r.millis());
    }

    @Test
    void badRangesAndNullBuffers() {
        AuditRecord r = new AuditRecord();
        assertFalse(r.parse(1300, null, 0, 0));
        byte[] b = "audit(1.000:1): a=1".getBytes(StandardCharsets.US_ASCII);
        assertFalse(r.parse(1300, b, -1, 3));
        assertFalse(r.parse(1300, b, 0, b.length + 1));
        assertFalse(r.parse(1300, b, 5, Integer.MAX_VALUE));
        assertFalse(r.parse(1300, b, 0, -1));
        assertTrue(r.parse(1300, b, 0, b.length));
        assertEquals(-1, r.decode(0, null, 0));
        assertEquals(-1, r.decode(0, new byte[2], 3));
        assertEquals(-1, r.decode(1, new byte[2], 0));
        assertEquals(0, r.decode(0, new byte[2], 2));
    }

    @Test
    void decodeIsBoundedByTheDestination() {
        AuditRecord r = parse(AuditType.PATH, "audit(1.000:1): name=776974682073706163652E747874 q=\"abcdef\" raw=abcdef");
        byte[] dst = new byte[4];
        assertEquals(4, r.decode(0, dst, 0));
        assertArrayEquals("with".getBytes(StandardCharsets.US_ASCII), dst);
        assertEquals(2, r.decode(1, dst, 2));
        assertEquals('a', dst[2]);
        assertEquals(3, r.decode(2, new byte[3], 0));
    }

    @Test
    void oddOrLowerCaseHexIsRaw() {
        AuditRecord r = parse(AuditType.PATH, "audit(1.000:1): name=ABC name=6162 name=6a6b name=");
        assertEquals("ABC", r.string(0));
        assertEquals("ab", r.string(1));
        assertEquals("6a6b", r.string(2));
        assertEquals("", r.string(3));
    }

    @Test
    void unterminatedQuotesRunToTheEnd() {
        AuditRecord r = parse(AuditType.PATH, "audit(1.000:1): a=1 name=\"no end b=2");
        assertEquals(2, r.fieldCount());
        assertEquals("no end b=2", r.string(1));
        r = parse(AuditType.PATH, "audit(1.000:1): name=\"");
        assertEquals("", r.string(0));
    }

    @Test
    void tokensWithoutEqualsAreSkipped() {
        // SELinux AVC records start with "avc:  denied  { read } for"
        AuditRecord r = parse(1400, "audit(1.000:9): avc:  denied  { read } for  pid=1 comm=\"cat\" name=\"shadow\" "
                + "scontext=u:r:t:s0 tclass=file permissive=0");
        assertEquals(6, r.fieldCount());
        assertEquals(1, r.number(r.indexOf("pid"), 10, -1));
        assertEquals("shadow", r.string(r.indexOf("name")));
    }

    @Test
    void fieldsBeyondTheLimitAreCountedAsTruncation() {
        StringBuilder sb = new StringBuilder("audit(1.000:1):");
        for (int i = 0; i < AuditRecord.MAX_FIELDS + 10; i++) {
            sb.append(" k").append(i).append('=').append(i);
        }
        AuditRecord r = parse(AuditType.SYSCALL, sb.toString());
        assertEquals(AuditRecord.MAX_FIELDS, r.fieldCount());
        assertTrue(r.truncated());
        assertEquals(AuditRecord.MAX_FIELDS - 1, r.number(r.indexOf("k" + (AuditRecord.MAX_FIELDS - 1)), 10, -1));
        assertEquals(-1, r.indexOf("k" + AuditRecord.MAX_FIELDS));
    }

    @Test
    void execveArgumentsAndChunksAreDecoded() {
        AuditLog.Rec rec = AuditLog.resource("exec.log").stream().filter(r -> r.type() == AuditType.EXECVE).findFirst()
                .orElseThrow();
        AuditRecord r = parse(rec);
        assertEquals(5, r.number(r.indexOf("argc"), 10, -1));
        assertEquals("/bin/true", r.string(r.indexOf("a0")));
        assertEquals("--iteration=0", r.string(r.indexOf("a1")));
        assertEquals("two words", r.string(r.indexOf("a2")));
        assertEquals(7400, r.number(r.indexOf("a3_len"), 10, -1));
        assertEquals(7400, r.string(r.indexOf("a3[0]")).length());
        // the same keys outside EXECVE are not arguments
        AuditRecord s = parse(AuditType.SYSCALL, "audit(1.000:1): a3[0]=6162 a2=6162");
        assertEquals("6162", s.string(0));
        assertEquals("6162", s.string(1));
    }

    @Test
    void reparsingReusesTheRecord() {
        AuditRecord r = new AuditRecord();
        byte[] a = "audit(1.000:1): a=1 b=2".getBytes(StandardCharsets.US_ASCII);
        byte[] b = "audit(2.000:2): c=3".getBytes(StandardCharsets.US_ASCII);
        assertTrue(r.parse(AuditType.CWD, a, 0, a.length));
        assertTrue(r.parse(AuditType.PATH, b, 0, b.length));
        assertEquals(1, r.fieldCount());
        assertEquals(AuditType.PATH, r.type());
        assertEquals(-1, r.indexOf("a"));
        assertFalse(r.parse(AuditType.PATH, a, 1, a.length - 1));
        assertEquals(0, r.fieldCount());
    }

    @Test
    void typeNames() {
        assertEquals("SYSCALL", AuditType.name(1300));
        assertEquals("URINGOP", AuditType.name(1336));
        assertEquals("OPENAT2", AuditType.name(1337));
        assertEquals("UNKNOWN[1399]", AuditType.name(1399));
        assertEquals("UNKNOWN[-5]", AuditType.name(-5));
        assertEquals(1336, AuditType.forName("URINGOP"));
        assertEquals(1399, AuditType.forName("UNKNOWN[1399]"));
        assertEquals(-1, AuditType.forName("UNKNOWN[x]"));
        assertEquals(-1, AuditType.forName("NOPE"));
        assertTrue(AuditType.isKernelEvent(AuditType.SYSCALL));
        assertTrue(AuditType.isKernelEvent(AuditType.EOE));
        assertFalse(AuditType.isKernelEvent(AuditType.AVC));
        assertFalse(AuditType.isKernelEvent(1105));
        assertFalse(AuditType.isKernelEvent(2100));
    }
}
