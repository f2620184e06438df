package org.esf4j.benchmarks.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.esf4j.backend.audit.record.AuditType;

/**
 * Audit records in audit.log text form ({@code type=<NAME> msg=<payload>}, one per line, as
 * {@code benchmarks/audit/capture} writes them and libauparse reads them), loaded into what a
 * netlink reader hands to the reassembler: per record the type ({@code nlmsg_type}) and the payload
 * bytes, here packed into one array.
 */
public final class AuditLogFile {
    /** Record types. */
    public final int[] types;
    /** Payload offsets in {@link #data}. */
    public final int[] offsets;
    /** Payload lengths. */
    public final int[] lengths;
    /** All payloads, back to back. */
    public final byte[] data;

    private AuditLogFile(int[] types, int[] offsets, int[] lengths, byte[] data) {
        this.types = types;
        this.offsets = offsets;
        this.lengths = lengths;
        this.data = data;
    }

    /** @return the number of records */
    public int size() {
        return types.length;
    }

    /**
     * Reads a file.
     *
     * @param file the audit.log-format file
     * @return its records
     * @throws IOException when it cannot be read, or a line is not {@code type=<NAME> msg=...} with a
     *         name {@link AuditType#forName} knows
     */
    public static AuditLogFile read(Path file) throws IOException {
        byte[] in = Files.readAllBytes(file);
        int n = 0;
        for (byte b : in) {
            n += b == '\n' ? 1 : 0;
        }
        n += in.length > 0 && in[in.length - 1] != '\n' ? 1 : 0;
        int[] types = new int[n];
        int[] offsets = new int[n];
        int[] lengths = new int[n];
        byte[] data = new byte[in.length];
        int count = 0;
        int w = 0;
        int p = 0;
        int lineNo = 0;
        while (p < in.length) {
            int nl = p;
            while (nl < in.length && in[nl] != '\n') {
                nl++;
            }
            lineNo++;
            if (nl > p) {
                int sp = p;
                while (sp < nl && in[sp] != ' ') {
                    sp++;
                }
                boolean ok = sp - p > 5 && nl - sp >= 5 && startsWith(in, p, "type=") && startsWith(in, sp, " msg=");
                int type = ok ? AuditType.forName(new String(in, p + 5, sp - p - 5, StandardCharsets.US_ASCII)) : -1;
                if (type < 0) {
                    throw new IOException(file + ":" + lineNo + ": not an audit.log record line of a known type");
                }
                int len = nl - sp - 5;
                System.arraycopy(in, sp + 5, data, w, len);
                types[count] = type;
                offsets[count] = w;
                lengths[count] = len;
                w += len;
                count++;
            }
            p = nl + 1;
        }
        return new AuditLogFile(Arrays.copyOf(types, count), Arrays.copyOf(offsets, count),
                Arrays.copyOf(lengths, count), Arrays.copyOf(data, w));
    }

    private static boolean startsWith(byte[] b, int at, String s) {
        if (at + s.length() > b.length) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            if (b[at + i] != s.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A copy whose serials are increased by {@code delta} (the text of each header is rewritten).
     *
     * @param delta added to every serial (the result must stay below 2^32)
     * @return the shifted records
     */
    public AuditLogFile shiftSerials(long delta) {
        byte[] out = new byte[data.length + types.length * 12];
        int[] offs = new int[types.length];
        int[] lens = new int[types.length];
        int w = 0;
        for (int i = 0; i < types.length; i++) {
            int s = offsets[i];
            int e = s + lengths[i];
            int colon = indexOf(data, s, e, (byte) ':');
            int close = colon < 0 ? -1 : indexOf(data, colon, e, (byte) ')');
            offs[i] = w;
            if (close < 0) { // not a record header: copied as it is
                System.arraycopy(data, s, out, w, e - s);
                w += e - s;
            } else {
                long serial = Long.parseLong(new String(data, colon + 1, close - colon - 1, StandardCharsets.US_ASCII));
                byte[] digits = Long.toString(serial + delta).getBytes(StandardCharsets.US_ASCII);
                System.arraycopy(data, s, out, w, colon + 1 - s);
                w += colon + 1 - s;
                System.arraycopy(digits, 0, out, w, digits.length);
                w += digits.length;
                System.arraycopy(data, close, out, w, e - close);
                w += e - close;
            }
            lens[i] = w - offs[i];
        }
        return new AuditLogFile(types.clone(), offs, lens, Arrays.copyOf(out, w));
    }

    private static int indexOf(byte[] b, int from, int to, byte c) {
        for (int i = from; i < to; i++) {
            if (b[i] == c) {
                return i;
            }
        }
        return -1;
    }
}
