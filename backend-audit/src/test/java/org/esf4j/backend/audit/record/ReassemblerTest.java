package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReassemblerTest {
    private static final long SECOND = 1_000_000_000L;

    private final Collector c = new Collector();

    private Reassembler reassembler() {
        return new Reassembler(64, 2 * SECOND, c);
    }

    private static void feed(Reassembler r, List<AuditLog.Rec> recs, long now) {
        for (AuditLog.Rec rec : recs) {
            r.add(rec.type(), rec.payload(), 0, rec.payload().length, now);
        }
    }

    private static void add(Reassembler r, int type, String text, long now) {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        r.add(type, b, 0, b.length, now);
    }

    /** Records grouped by serial, in file order. */
    private static List<List<AuditLog.Rec>> events(String resource) {
        Map<Long, List<AuditLog.Rec>> m = new LinkedHashMap<>();
        for (AuditLog.Rec r : AuditLog.resource(resource)) {
            m.computeIfAbsent(r.serial(), k -> new ArrayList<>()).add(r);
        }
        return new ArrayList<>(m.values());
    }

    private static List<Integer> types(int... t) {
        List<Integer> l = new ArrayList<>();
        for (int x : t) {
            l.add(x);
        }
        return l;
    }

    @Test
    void openEvents() {
        Reassembler r = reassembler();
        feed(r, AuditLog.resource("open.log"), 0);
        assertEquals(4, c.events.size());
        assertEquals(4, r.events());
        assertEquals(0, r.incomplete());
        assertEquals(0, r.inFlight());
        assertEquals(23, r.records());
        Collector.Ev creat = c.events.get(0);
        assertTrue(creat.complete());
        assertEquals(19577, creat.serial());
        assertEquals(1795404601L, creat.seconds());
        assertEquals(121, creat.millis());
        assertEquals(types(AuditType.SYSCALL, AuditType.CWD, AuditType.PATH, AuditType.PATH, AuditType.PROCTITLE,
                AuditType.EOE), creat.types());
        assertArrayEquals("capture\0-o\0/tmp/x/audit.log".getBytes(StandardCharsets.US_ASCII), creat.proctitle());
        assertNull(creat.sockaddr());
        assertEquals(List.of(), creat.argv());
        assertEquals("with space.txt", c.events.get(1).parsed(3).string("name"));
        Collector.Ev openat2 = c.events.get(3);
        assertEquals(types(AuditType.SYSCALL, AuditType.OPENAT2, AuditType.CWD, AuditType.PATH, AuditType.PROCTITLE,
                AuditType.EOE), openat2.types());
        assertEquals(437, openat2.parsed(0).number(openat2.parsed(0).indexOf("syscall"), 10, -1));
    }

    @Test
    void eventViewsAreIndexedAndIndependent() {
        List<AuditEvent> seen = new ArrayList<>();
        Reassembler r = new Reassembler(8, SECOND, new Collector() {
            @Override
            public void onEvent(AuditEvent e) {
                AuditRecord syscall = e.first(AuditType.SYSCALL);
                AuditRecord path = e.first(AuditType.PATH);
                AuditRecord cwd = e.record(1);
                assertEquals("capture", syscall.string("comm"));
                assertEquals("/tmp/x", cwd.string("cwd"));
                assertEquals("/tmp/x", path.string("name"));
                assertEquals(19577, path.serial());
                assertEquals(AuditType.PATH, path.type());
                assertEquals(0, e.indexOf(AuditType.SYSCALL));
                assertEquals(-1, e.indexOf(AuditType.SOCKADDR));
                assertNull(e.first(AuditType.SOCKADDR));
                assertNull(e.record(-1));
                assertNull(e.record(e.recordCount()));
                assertEquals(-1, e.recordType(99));
                assertTrue(e.toString().startsWith("audit(1795404601.121:19577)[SYSCALL CWD PATH"));
                seen.add(e);
            }
        });
        feed(r, events("open.log").get(0), 0);
        assertEquals(1, seen.size());
    }

    @Test
    void execArgumentsIncludingLongArgumentsSplitOverRecords() {
        Reassembler r = reassembler();
        feed(r, AuditLog.resource("exec.log"), 0);
        assertEquals(3, c.events.size());
        String plain7400 = longArg(7400, false);
        Collector.Ev quoted = c.events.get(0);
        assertTrue(quoted.complete());
        assertEquals(List.of("/bin/true", "--iteration=0", "two words", plain7400, "last"), quoted.argv());
        assertFalse(quoted.argvTruncated());
        Collector.Ev hex7400 = c.events.get(1);
        assertEquals(List.of("/bin/true", "--iteration=1", "two words", longArg(7400, true), "last"), hex7400.argv());
        assertFalse(hex7400.argvTruncated());
        Collector.Ev hex20000 = c.events.get(2);
        assertEquals(6, hex20000.types().stream().filter(t -> t == AuditType.EXECVE).count());
        assertEquals(List.of("/bin/true", "--iteration=1", "two words", longArg(20000, true), "last"), hex20000.argv());
        assertFalse(hex20000.argvTruncated());
        // PROCTITLE: the first 128 bytes of the NUL-separated command line, hex-decoded, NULs kept
        byte[] pt = hex20000.proctitle();
        assertEquals(128, pt.length);
        assertEquals("/bin/true\0--iteration=1\0two words\0abc", new String(pt, 0, 37, StandardCharsets.US_ASCII));
    }

    /** The long argument benchmarks/audit/capture passes: a-z repeated, with a blank every 64 bytes when asked. */
    static String longArg(int n, boolean blanks) {
        StringBuilder sb = new StringBuilder(n);
        for (int k = 0; k < n; k++) {
            sb.append(blanks && k % 64 == 63 ? ' ' : (char) ('a' + k % 26));
        }
        return sb.toString();
    }

    private Collector.Ev execWith(java.util.function.UnaryOperator<List<AuditLog.Rec>> edit) {
        Collector own = new Collector();
        Reassembler r = new Reassembler(8, SECOND, own);
        feed(r, edit.apply(new ArrayList<>(events("exec.log").get(2))), 0);
        assertEquals(1, own.events.size());
        return own.events.get(0);
    }

    private static int execveIndex(List<AuditLog.Rec> recs, String needle) {
        for (int i = 0; i < recs.size(); i++) {
            if (recs.get(i).type() == AuditType.EXECVE && recs.get(i).text().contains(needle)) {
                return i;
            }
        }
        throw new AssertionError(needle);
    }

    @Test
    void inconsistentArgumentChunksGiveWhatIsConsistent() {
        String full = longArg(20000, true);
        // a chunk record missing: a3 from the chunks before it, then stop
        Collector.Ev missing = execWith(recs -> {
            recs.remove(execveIndex(recs, " a3[2]="));
            return recs;
        });
        assertTrue(missing.argvTruncated());
        assertEquals(4, missing.argv().size());
        assertEquals(List.of("/bin/true", "--iteration=1", "two words"), missing.argv().subList(0, 3));
        String partial = missing.argv().get(3);
        assertTrue(partial.length() > 0 && partial.length() < 20000 && full.startsWith(partial), partial.length() + "");

        // chunks out of order
        Collector.Ev swapped = execWith(recs -> {
            int i = execveIndex(recs, " a3[1]=");
            int j = execveIndex(recs, " a3[2]=");
            AuditLog.Rec t = recs.get(i);
            recs.set(i, recs.get(j));
            recs.set(j, t);
            return recs;
        });
        assertTrue(swapped.argvTruncated());
        assertEquals(4, swapped.argv().size());
        assertTrue(full.startsWith(swapped.argv().get(3)));

        // aN_len larger than the chunks: the argument never completes
        Collector.Ev longer = execWith(recs -> {
            int i = execveIndex(recs, "a3_len=40000");
            recs.set(i, AuditLog.rec(AuditType.EXECVE, recs.get(i).text().replace("a3_len=40000", "a3_len=40002")));
            return recs;
        });
        assertTrue(longer.argvTruncated());
        assertEquals(full, longer.argv().get(3));
        assertEquals(4, longer.argv().size());

        // aN_len smaller: the argument ends early and nothing after it is trusted
        Collector.Ev shorter = execWith(recs -> {
            int i = execveIndex(recs, "a3_len=40000");
            recs.set(i, AuditLog.rec(AuditType.EXECVE, recs.get(i).text().replace("a3_len=40000", "a3_len=100")));
            return recs;
        });
        assertTrue(shorter.argvTruncated());
        assertEquals(4, shorter.argv().size());

        // argc larger than the arguments present
        Collector.Ev fewer = execWith(recs -> {
            int i = execveIndex(recs, "argc=5");
            recs.set(i, AuditLog.rec(AuditType.EXECVE, recs.get(i).text().replace("argc=5", "argc=7")));
            return recs;
        });
        assertTrue(fewer.argvTruncated());
        assertEquals(5, fewer.argv().size());

        // argc smaller: only argc arguments
        Collector.Ev more = execWith(recs -> {
            int i = execveIndex(recs, "argc=5");
            recs.set(i, AuditLog.rec(AuditType.EXECVE, recs.get(i).text().replace("argc=5", "argc=2")));
            return recs;
        });
        assertTrue(more.argvTruncated());
        assertEquals(List.of("/bin/true", "--iteration=1"), more.argv());
    }

    @Test
    void argvEdgeCases() {
        Reassembler r = reassembler();
        add(r, AuditType.SYSCALL, "audit(1.000:1): syscall=59", 0);
        add(r, AuditType.EXECVE, "audit(1.000:1): argc=3 a0=\"x\" a2=\"z\"", 0);
        add(r, AuditType.EOE, "audit(1.000:1): ", 0);
        assertEquals(List.of("x"), c.events.get(0).argv());
        assertTrue(c.events.get(0).argvTruncated());

        add(r, AuditType.EXECVE, "audit(1.000:2): a0=\"x\" a1=7920 a1[0]=\"q\"", 0);
        add(r, AuditType.EOE, "audit(1.000:2):", 0);
        assertEquals(List.of("x", "y "), c.events.get(1).argv());
        assertTrue(c.events.get(1).argvTruncated());

        add(r, AuditType.EXECVE, "audit(1.000:3): argc=1 a0_len=-4", 0);
        add(r, AuditType.EOE, "audit(1.000:3):", 0);
        assertEquals(List.of(), c.events.get(2).argv());
        assertTrue(c.events.get(2).argvTruncated());

        add(r, AuditType.EXECVE, "audit(1.000:4): argc=0", 0);
        add(r, AuditType.EOE, "audit(1.000:4):", 0);
        assertEquals(List.of(), c.events.get(3).argv());
        assertFalse(c.events.get(3).argvTruncated());
    }

    @Test
    void socketAddresses() {
        Reassembler r = reassembler();
        feed(r, AuditLog.resource("bind.log"), 0);
        assertEquals(4, c.events.size());
        byte[] v4 = c.events.get(0).sockaddr();
        assertEquals(16, v4.length);
        assertEquals(SockAddr.AF_INET, SockAddr.family(v4, v4.length));
        assertEquals(0, SockAddr.port(v4, v4.length));
        assertEquals("127.0.0.1", SockAddr.address(v4, v4.length));
        byte[] v6 = c.events.get(1).sockaddr();
        assertEquals(28, v6.length);
        assertEquals(SockAddr.AF_INET6, SockAddr.family(v6, v6.length));
        assertEquals("0:0:0:0:0:0:0:1", SockAddr.address(v6, v6.length));
        byte[] unix = c.events.get(2).sockaddr();
        assertEquals(110, unix.length);
        assertEquals(SockAddr.AF_UNIX, SockAddr.family(unix, unix.length));
        assertEquals(-1, SockAddr.port(unix, unix.length));
        assertEquals("/tmp/x/sock-0", SockAddr.address(unix, unix.length));
        byte[] abs = c.events.get(3).sockaddr();
        assertEquals("@esf4j-bench-582-0", SockAddr.address(abs, abs.length));
        assertEquals(types(AuditType.SYSCALL, AuditType.SOCKADDR, AuditType.CWD, AuditType.PATH, AuditType.PATH,
                AuditType.PROCTITLE, AuditType.EOE), c.events.get(2).types());
    }

    @Test
    void uringOpEvents() {
        Reassembler r = reassembler();
        feed(r, AuditLog.resource("uring.log"), 0);
        assertEquals(2, c.events.size());
        // submitted inline by io_uring_enter: shares the syscall's event
        assertEquals(types(AuditType.URINGOP, AuditType.SYSCALL, AuditType.PROCTITLE, AuditType.EOE),
                c.events.get(0).types());
        // run by an io_uring worker (IOSQE_ASYNC): no SYSCALL, no PROCTITLE
        Collector.Ev async = c.events.get(1);
        assertTrue(async.complete());
        assertEquals(types(AuditType.URINGOP, AuditType.EOE), async.types());
        assertNull(async.proctitle());
        AuditRecord op = async.parsed(0);
        assertEquals(46, op.number(op.indexOf("uring_op"), 10, -1));
        assertEquals("yes", op.string("success"));
        assertEquals(0, op.number(op.indexOf("exit"), 10, -1));
        assertEquals("esf4j_bench", op.string("key"));
    }

    @Test
    void interleavedEventsAreGroupedById() {
        List<List<AuditLog.Rec>> evs = events("open.log");
        evs.addAll(events("bind.log"));
        List<AuditLog.Rec> mixed = new ArrayList<>();
        for (int i = 0; mixed.size() < evs.stream().mapToInt(List::size).sum(); i++) {
            for (List<AuditLog.Rec> e : evs) {
                if (i < e.size()) {
                    mixed.add(e.get(i));
                }
            }
        }
        Reassembler r = reassembler();
        feed(r, mixed, 0);
        assertEquals(8, c.events.size());
        assertEquals(0, r.incomplete());
        for (List<AuditLog.Rec> e : evs) {
            Collector.Ev got = c.bySerial(e.get(0).serial());
            assertTrue(got.complete());
            assertEquals(e.stream().map(AuditLog.Rec::text).toList(), got.texts());
        }
        // completion order follows the EOEs, not the first records: the 4-record bind events first
        assertEquals(List.of(19587L, 19588L, 19590L), c.events.subList(0, 3).stream().map(Collector.Ev::serial).toList());
    }

    @Test
    void timeoutDeliversIncompleteEvents() {
        Reassembler r = new Reassembler(16, 1000, c);
        add(r, AuditType.SYSCALL, "audit(1.000:1): a=1", 0);
        add(r, AuditType.CWD, "audit(1.000:1): cwd=\"/\"", 100);
        add(r, AuditType.SYSCALL, "audit(1.000:2): a=2", 500);
        r.expire(999);
        assertEquals(0, c.events.size());
        r.expire(1000);
        assertEquals(1, c.events.size());
        assertFalse(c.events.get(0).complete());
        assertEquals(types(AuditType.SYSCALL, AuditType.CWD), c.events.get(0).types());
        // add() expires too
        add(r, AuditType.SYSCALL, "audit(1.000:3): a=3", 1600);
        assertEquals(2, c.events.size());
        assertEquals(2, c.events.get(1).serial());
        assertEquals(2, r.incomplete());
        assertEquals(1, r.inFlight());
        // a late EOE of an expired event is dropped
        add(r, AuditType.EOE, "audit(1.000:1): ", 1700);
        assertEquals(1, r.orphans());
        assertEquals(2, c.events.size());
        r.flush();
        assertEquals(3, c.events.size());
        assertEquals(0, r.inFlight());
        assertEquals(3, r.incomplete());
    }

    @Test
    void aLoneEoeIsAnEventWhoseOtherRecordsWereLost() {
        Reassembler r = new Reassembler(16, SECOND, c);
        add(r, AuditType.SYSCALL, "audit(1.000:20): a=1", 0);
        add(r, AuditType.EOE, "audit(1.000:20): ", 1);
        // serial 21: SYSCALL, SOCKADDR and PROCTITLE dropped by a full socket, only the EOE arrives
        add(r, AuditType.EOE, "audit(1.000:21): ", 2);
        add(r, AuditType.SYSCALL, "audit(1.000:22): a=1", 3);
        add(r, AuditType.EOE, "audit(1.000:22): ", 4);
        assertEquals(3, c.events.size());
        assertEquals(21, c.events.get(1).serial());
        assertEquals(types(AuditType.EOE), c.events.get(1).types(), "delivered, so the loss is seen");
        assertEquals(0, r.orphans());
        assertEquals(0, r.lostBySerialGap(), "serial 21 arrived: it is no gap");
        // a second EOE of a delivered event is an orphan, not another event
        add(r, AuditType.EOE, "audit(1.000:21): ", 5);
        add(r, AuditType.EOE, "audit(1.000:20): ", 6);
        assertEquals(3, c.events.size());
        assertEquals(2, r.orphans());
    }

    @Test
    void theOldestEventIsEvictedBeyondMaxInFlight() {
        Reassembler r = new Reassembler(2, SECOND, c);
        add(r, AuditType.SYSCALL, "audit(1.000:10): a=1", 0);
        add(r, AuditType.SYSCALL, "audit(1.000:11): a=1", 1);
        add(r, AuditType.PATH, "audit(1.000:10): item=0", 2);
        assertEquals(0, c.events.size());
        add(r, AuditType.SYSCALL, "audit(1.000:12): a=1", 3);
        assertEquals(1, c.events.size());
        assertEquals(10, c.events.get(0).serial());
        assertFalse(c.events.get(0).complete());
        assertEquals(types(AuditType.SYSCALL, AuditType.PATH), c.events.get(0).types());
        add(r, AuditType.EOE, "audit(1.000:12): ", 4);
        add(r, AuditType.EOE, "audit(1.000:11): ", 5);
        assertEquals(3, c.events.size());
        assertTrue(c.events.get(1).complete());
        assertEquals(12, c.events.get(1).serial());
        assertEquals(11, c.events.get(2).serial());
        assertEquals(0, r.inFlight());
        // reuse from the pool keeps working
        for (int i = 0; i < 100; i++) {
            add(r, AuditType.SYSCALL, "audit(2.000:" + (100 + i) + "): a=1", 10 + i);
        }
        assertEquals(2, r.inFlight());
        assertEquals(101, c.events.size());
    }

    @Test
    void singleRecordEventsCompleteAtOnceOrJoinAKernelEventWithTheirId() {
        Reassembler r = reassembler();
        add(r, 1105, "audit(5.000:40): pid=1 msg='op=PAM:session_open acct=\"root\" res=success'", 0);
        assertEquals(1, c.events.size());
        assertTrue(c.events.get(0).complete());
        assertEquals(types(1105), c.events.get(0).types());
        // an AVC logged during a syscall shares the syscall's id
        add(r, AuditType.SYSCALL, "audit(5.000:41): syscall=257", 0);
        add(r, AuditType.AVC, "audit(5.000:41): avc:  denied  { read } for pid=1", 0);
        add(r, AuditType.EOE, "audit(5.000:41): ", 0);
        assertEquals(2, c.events.size());
        assertEquals(types(AuditType.SYSCALL, AuditType.AVC, AuditType.EOE), c.events.get(1).types());
        // same serial, another time: another event
        add(r, AuditType.SYSCALL, "audit(5.004:42): syscall=257", 0);
        add(r, 1105, "audit(5.000:42): pid=1", 0);
        assertEquals(3, c.events.size());
        assertEquals(1, r.inFlight());
    }

    @Test
    void kernelRecordsWithoutEoeWaitForTheTimeout() {
        // CONFIG_CHANGE records logged outside an audited syscall carry their own serial and no EOE
        Reassembler r = new Reassembler(16, 1000, c);
        feed(r, AuditLog.resource("config.log"), 0);
        assertEquals(0, c.events.size());
        assertEquals(5, r.inFlight());
        r.expire(1000);
        assertEquals(5, c.events.size());
        assertTrue(c.events.stream().noneMatch(Collector.Ev::complete));
        assertEquals("add_rule", c.events.get(0).parsed(0).string("op"));
    }

    @Test
    void malformedRecords() {
        Reassembler r = reassembler();
        add(r, AuditType.SYSCALL, "audit(1.000): a=1", 0);
        add(r, AuditType.SYSCALL, "", 0);
        r.add(AuditType.SYSCALL, null, 0, 0, 0);
        r.add(AuditType.SYSCALL, new byte[4], 2, 4, 0);
        assertEquals(4, r.malformed());
        assertEquals(4, c.malformed.size());
        assertEquals("1300:audit(1.000): a=1", c.malformed.get(0));
        assertEquals(0, r.events());
        assertEquals(4, r.records());
    }

    @Test
    void eventSizeLimits() {
        Reassembler r = new Reassembler(4, SECOND, 1024, 3, c);
        add(r, AuditType.SYSCALL, "audit(1.000:1): a=1", 0);
        add(r, AuditType.PATH, "audit(1.000:1): item=0", 0);
        add(r, AuditType.PATH, "audit(1.000:1): item=1", 0);
        add(r, AuditType.PATH, "audit(1.000:1): item=2", 0);
        add(r, AuditType.EOE, "audit(1.000:1): ", 0);
        assertEquals(2, r.droppedRecords());
        assertEquals(1, c.events.size());
        assertFalse(c.events.get(0).complete());
        assertEquals(3, c.events.get(0).types().size());
        String big = "audit(1.000:2): x=" + "a".repeat(2000);
        add(r, AuditType.SYSCALL, big, 0);
        add(r, AuditType.EOE, "audit(1.000:2): ", 0);
        assertEquals(3, r.droppedRecords());
        assertFalse(c.events.get(1).complete());
        assertEquals(types(AuditType.EOE), c.events.get(1).types());
        assertThrows(IllegalArgumentException.class, () -> new Reassembler(0, 1, c));
        assertThrows(IllegalArgumentException.class, () -> new Reassembler(1, 0, c));
        assertThrows(IllegalArgumentException.class, () -> new Reassembler(1, 1, 100, 1, c));
        assertThrows(NullPointerException.class, () -> new Reassembler(1, 1, null));
    }

    @Test
    void truncatedRecordsAreCounted() {
        Reassembler r = reassembler();
        StringBuilder sb = new StringBuilder("audit(1.000:1):");
        for (int i = 0; i < AuditRecord.MAX_FIELDS + 1; i++) {
            sb.append(" k=").append(i);
        }
        add(r, AuditType.PATH, sb.toString(), 0);
        add(r, AuditType.EOE, "audit(1.000:1):", 0);
        assertEquals(1, r.truncatedRecords());
        assertEquals(AuditRecord.MAX_FIELDS, c.events.get(0).parsed(0).fieldCount());
    }

    @Test
    void aThrowingListenerLeavesTheReassemblerConsistent() {
        int[] calls = {0};
        Reassembler r = new Reassembler(2, SECOND, new Collector() {
            @Override
            public void onEvent(AuditEvent e) {
                if (calls[0]++ == 0) {
                    throw new IllegalStateException("listener");
                }
                super.onEvent(e);
            }
        });
        add(r, AuditType.SYSCALL, "audit(1.000:1): a=1", 0);
        assertThrows(IllegalStateException.class, () -> add(r, AuditType.EOE, "audit(1.000:1):", 0));
        assertEquals(0, r.inFlight());
        for (int i = 2; i < 50; i++) {
            add(r, AuditType.SYSCALL, "audit(1.000:" + i + "): a=1", 0);
            add(r, AuditType.EOE, "audit(1.000:" + i + "):", 0);
        }
        assertEquals(49, r.events());
    }

    // ---- serial gaps ---------------------------------------------------------------------------

    private static void serial(Reassembler r, long serial, long now) {
        add(r, 1105, "audit(1.000:" + serial + "): x=1", now);
    }

    @Test
    void aGapIsCountedOnFlush() {
        Reassembler r = reassembler();
        for (long s : new long[] {1, 2, 4, 5}) {
            serial(r, s, 0);
        }
        assertEquals(0, r.lostBySerialGap());
        r.flush();
        assertEquals(1, r.lostBySerialGap());
        assertEquals(List.of(1L), c.lost);
        r.flush();
        assertEquals(1, r.lostBySerialGap());
    }

    @Test
    void outOfOrderCompletionIsNoLoss() {
        Reassembler r = reassembler();
        add(r, AuditType.SYSCALL, "audit(1.000:1): a=1", 0);
        add(r, AuditType.SYSCALL, "audit(1.000:3): a=1", 0);
        add(r, AuditType.EOE, "audit(1.000:3):", 0);
        add(r, AuditType.SYSCALL, "audit(1.000:2): a=1", 0);
        add(r, AuditType.EOE, "audit(1.000:2):", 0);
        add(r, AuditType.EOE, "audit(1.000:1):", 0);
        r.flush();
        assertEquals(0, r.lostBySerialGap());
        assertEquals(List.of(3L, 2L, 1L), c.events.stream().map(Collector.Ev::serial).toList());
    }

    @Test
    void serialsThatLeaveTheWindowAreLost() {
        Reassembler r = reassembler();
        int w = Reassembler.SERIAL_WINDOW;
        serial(r, 1, 0);
        serial(r, 1 + w + 4, 0);
        assertEquals(4, r.lostBySerialGap()); // 2..5 left the window
        serial(r, 3, 0); // late, already counted: neither counted again nor undone
        assertEquals(4, r.lostBySerialGap());
        r.flush();
        assertEquals(w + 3, r.lostBySerialGap()); // everything between 1 and 1 + w + 4
        assertEquals(List.of(4L, (long) w - 1), c.lost);
    }

    @Test
    void aWrapIsNoLoss() {
        Reassembler r = reassembler();
        for (long s = 4294967290L; s <= 4294967295L; s++) {
            serial(r, s, 0);
        }
        serial(r, 0, 0);
        serial(r, 1, 0);
        serial(r, 3, 0);
        r.flush();
        assertEquals(1, r.lostBySerialGap()); // 2; nothing across the wrap
        // a late record from before the wrap: a jump forwards, no loss either
        serial(r, 4294967294L, 0);
        serial(r, 5, 0);
        r.flush();
        assertEquals(1, r.lostBySerialGap());
    }

    @Test
    void theFirstSerialStartsTheWindow() {
        Reassembler r = reassembler();
        serial(r, 100, 0);
        serial(r, 99, 0);
        serial(r, 101, 0);
        r.flush();
        assertEquals(0, r.lostBySerialGap());
    }

    @Test
    void serialsMissingLongerThanTheTimeoutAreLost() {
        Reassembler r = new Reassembler(16, 1000, c);
        serial(r, 1, 0);
        serial(r, 3, 0);
        r.expire(500);
        assertEquals(0, r.lostBySerialGap());
        r.expire(1000);
        assertEquals(0, r.lostBySerialGap());
        r.expire(1500);
        assertEquals(1, r.lostBySerialGap());
        serial(r, 2, 1600); // late: not undone
        r.flush();
        assertEquals(1, r.lostBySerialGap());
    }

    @Test
    void realCaptureHasNoGapsAndNoIncompleteEvents() {
        Reassembler r = reassembler();
        List<AuditLog.Rec> recs = AuditLog.resource("workload.log");
        feed(r, recs, 0);
        r.flush();
        assertEquals(0, r.lostBySerialGap());
        assertEquals(0, r.malformed());
        // the five CONFIG_CHANGE records of the rules being added have no EOE
        assertEquals(5, r.incomplete());
        assertEquals(recs.stream().map(AuditLog.Rec::serial).distinct().count(), r.events());
        long execs = c.events.stream().filter(e -> e.types().contains(AuditType.EXECVE)).count();
        assertEquals(2, execs);
    }
}
