package org.esf4j.backend.audit.record;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** A listener that keeps a copy of what it is told (events are pooled, so they are copied). */
class Collector implements Reassembler.Listener {
    /** A copy of an event, taken during onEvent. */
    record Ev(long seconds, int millis, long serial, boolean complete, List<Integer> types, List<String> texts,
            List<String> argv, boolean argvTruncated, byte[] proctitle, byte[] sockaddr) {
        AuditRecord parsed(int i) {
            AuditRecord r = new AuditRecord();
            byte[] b = texts.get(i).getBytes(StandardCharsets.UTF_8);
            r.parse(types.get(i), b, 0, b.length);
            return r;
        }
    }

    final List<Ev> events = new ArrayList<>();
    final List<Long> lost = new ArrayList<>();
    final List<String> malformed = new ArrayList<>();
    long lostTotal;

    @Override
    public void onEvent(AuditEvent e) {
        List<Integer> types = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < e.recordCount(); i++) {
            AuditRecord r = e.record(i);
            types.add(e.recordType(i));
            texts.add(new String(r.buffer(), r.offset(), r.length(), StandardCharsets.UTF_8));
        }
        List<String> argv = e.argv();
        events.add(new Ev(e.seconds(), e.millis(), e.serial(), e.complete(), types, texts, argv, e.argvTruncated(),
                e.proctitle(), e.sockaddr()));
    }

    @Override
    public void onLost(long n, String reason) {
        if (!Reassembler.LOST_SERIAL_GAP.equals(reason)) {
            throw new AssertionError(reason);
        }
        lost.add(n);
        lostTotal += n;
    }

    @Override
    public void onMalformed(int type, byte[] buf, int off, int len) {
        malformed.add(type + ":" + new String(buf, off, len, StandardCharsets.UTF_8));
    }

    Ev bySerial(long serial) {
        return events.stream().filter(e -> e.serial() == serial).findFirst().orElseThrow(
                () -> new AssertionError("no event " + serial + " in " + events.stream().map(Ev::serial).toList()));
    }
}
