package org.esf4j.backend.audit.record;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;

/**
 * Fuzzes the allocating helpers: {@link AuditEvent#argv()}, {@link AuditEvent#proctitle()},
 * {@link AuditEvent#sockaddr()} and {@link SockAddr}. Property: nothing throws or loops, and argv is
 * consistent with what it reports.
 *
 * <p>Input: lines, each the fields of one record of the same event ({@code audit(1.000:1): } is
 * prefixed); a line starting with {@code P } is a PROCTITLE record, {@code S } a SOCKADDR record,
 * anything else an EXECVE record; an EOE record ends the event. The input's raw bytes also go to
 * {@link SockAddr} directly. Seeds: {@code AuditEventFuzzTestInputs/helpers/}.
 */
class AuditEventFuzzTest {
    private static final byte[] HEADER = "audit(1.000:1): ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    @FuzzTest
    void helpers(byte[] data) {
        for (int len = 0; len <= Math.min(data.length, 40); len++) {
            int family = SockAddr.family(data, len);
            int port = SockAddr.port(data, len);
            String address = SockAddr.address(data, len);
            if (family == 0) {
                assertEquals(-1, port);
                assertEquals("", address);
            }
        }
        byte[] buf = new byte[HEADER.length + data.length];
        System.arraycopy(HEADER, 0, buf, 0, HEADER.length);
        int[] seen = {0};
        Reassembler r = new Reassembler(2, 1000, new Reassembler.Listener() {
            @Override
            public void onEvent(AuditEvent e) {
                seen[0]++;
                List<String> argv = e.argv();
                AuditRecord execve = e.first(AuditType.EXECVE);
                if (execve != null && !e.argvTruncated()) {
                    long argc = execve.number(execve.indexOf("argc"), 10, -1);
                    if (argc >= 0) {
                        assertEquals(argc, argv.size());
                    }
                }
                if (execve == null) {
                    assertTrue(argv.isEmpty());
                }
                e.proctitle();
                byte[] sa = e.sockaddr();
                if (sa != null) {
                    SockAddr.address(sa, sa.length);
                    SockAddr.port(sa, sa.length);
                }
            }

            @Override
            public void onLost(long events, String reason) {
            }

            @Override
            public void onMalformed(int type, byte[] b, int off, int len) {
                throw new AssertionError("the header is always well-formed");
            }
        });
        int p = 0;
        while (p <= data.length) {
            int nl = p;
            while (nl < data.length && data[nl] != '\n') {
                nl++;
            }
            int type = AuditType.EXECVE;
            int s = p;
            if (nl - p >= 2 && data[p + 1] == ' ' && (data[p] == 'P' || data[p] == 'S')) {
                type = data[p] == 'P' ? AuditType.PROCTITLE : AuditType.SOCKADDR;
                s = p + 2;
            }
            // the fields go right after the header, in a buffer of their own
            System.arraycopy(data, s, buf, HEADER.length, nl - s);
            r.add(type, buf, 0, HEADER.length + nl - s, 0);
            p = nl + 1;
        }
        r.add(AuditType.EOE, HEADER, 0, HEADER.length, 0);
        assertEquals(1, seen[0]);
    }
}
