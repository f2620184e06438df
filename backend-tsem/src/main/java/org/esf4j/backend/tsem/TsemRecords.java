/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

/**
 * Streams of TSEM export records, one per line (a saved run, a benchmark's input).
 *
 * @since 0.2
 */
public final class TsemRecords {

    private final TsemRecord record = new TsemRecord();

    /** A decoder for one thread. */
    public TsemRecords() {
    }

    /**
     * Decodes every record of a stream, as the backend's reader does (in place, nothing allocated
     * per record), and checks each is a TSEM record.
     *
     * @param stream the records
     * @param offset where the first starts
     * @param length the stream's length
     * @return how many records there were
     * @throws IllegalArgumentException at the first that is not a TSEM record, with its offset
     */
    public long decodeAll(byte[] stream, int offset, int length) {
        return each(record, stream, offset, length, r -> { });
    }

    /**
     * Decodes each record of a stream (one per line) into {@code r} and hands it over.
     *
     * @return how many records there were
     * @throws IllegalArgumentException at the first that is not a TSEM record, with its offset
     */
    static long each(TsemRecord r, byte[] stream, int offset, int length, java.util.function.Consumer<TsemRecord> then) {
        long n = 0;
        int end = offset + length;
        int at = offset;
        while (at < end) {
            int nl = at;
            while (nl < end && stream[nl] != '\n') {
                nl++;
            }
            if (nl > at) {
                try {
                    r.decode(stream, at, Math.min(nl + 1, end) - at);
                } catch (TsemRecord.Malformed m) {
                    throw new IllegalArgumentException("record at byte " + at + ": " + m.getMessage(), m);
                }
                then.accept(r);
                n++;
            }
            at = nl + 1;
        }
        return n;
    }
}
