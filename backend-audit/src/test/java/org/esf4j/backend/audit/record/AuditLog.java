package org.esf4j.backend.audit.record;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Records in audit.log text form ({@code type=<NAME> msg=<payload>}, one per line), as
 * benchmarks/audit/capture writes them, turned back into what the netlink socket delivers: the type
 * ({@code nlmsg_type}) and the payload bytes.
 */
final class AuditLog {
    /** One record: its type and payload (the text after {@code msg=}). */
    record Rec(int type, byte[] payload) {
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        long serial() {
            AuditRecord r = new AuditRecord();
            return r.parse(type, payload, 0, payload.length) ? r.serial() : -1;
        }
    }

    private AuditLog() {
    }

    static List<Rec> resource(String name) {
        try (InputStream in = AuditLog.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalArgumentException("no resource " + name);
            }
            return parse(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Rec> parse(byte[] file) {
        List<Rec> out = new ArrayList<>();
        int p = 0;
        while (p < file.length) {
            int nl = p;
            while (nl < file.length && file[nl] != '\n') {
                nl++;
            }
            if (nl > p) {
                out.add(line(file, p, nl));
            }
            p = nl + 1;
        }
        return out;
    }

    private static Rec line(byte[] b, int s, int e) {
        int sp = s;
        while (sp < e && b[sp] != ' ') {
            sp++;
        }
        String name = new String(b, s + 5, sp - s - 5, StandardCharsets.US_ASCII); // after "type="
        int type = AuditType.forName(name);
        if (type < 0 || sp + 5 > e) {
            throw new IllegalArgumentException("not an audit.log line: " + new String(b, s, e - s, StandardCharsets.UTF_8));
        }
        return new Rec(type, Arrays.copyOfRange(b, sp + 5, e)); // after " msg="
    }

    /** A record made from text, as the kernel would send it. */
    static Rec rec(int type, String payload) {
        return new Rec(type, payload.getBytes(StandardCharsets.UTF_8));
    }
}
