package org.esf4j.backend.bpflsm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.esf4j.api.Esf4jException;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * A zero-copy consumer of a BPF ring buffer map ({@code BPF_MAP_TYPE_RINGBUF}), written against
 * the kernel's memory layout rather than libbpf's callback API, so that records are decoded in
 * place from Java and no native code calls back into Java.
 *
 * <h2>Layout (kernel/bpf/ringbuf.c)</h2>
 * The map fd is mapped twice: offset 0, one page, read-write: the consumer position; offset one
 * page, read-only: the producer position page followed by the data area of {@code size} bytes
 * mapped twice in a row, so a record that wraps is still contiguous. Each record starts with an
 * 8-byte header whose first 32 bits are its length with two flags: {@code BUSY} (reserved, not
 * yet submitted) and {@code DISCARD}. Records are 8-byte aligned. The consumer reads the
 * producer position with acquire semantics, the header with acquire semantics, and publishes
 * its position with release semantics, exactly as libbpf's {@code ringbuf_process_ring} does.
 *
 * <h2>Wake-ups</h2>
 * Waiting is the reader's ({@link org.esf4j.spi.ReaderLoop}): the map fd is pollable
 * ({@code EPOLLIN} when records are ready). The kernel only wakes the consumer when it has caught
 * up, so a consumer must drain with {@link #poll} after every wake-up.
 *
 * <p>One consumer thread; {@link #close()} once it has stopped. Allocates nothing per record.
 */
final class RingBuffer implements AutoCloseable {

    /** Record header flags and size ({@code include/uapi/linux/bpf.h}). */
    static final int BUSY_BIT = 1 << 31;
    static final int DISCARD_BIT = 1 << 30;
    static final int HDR_SZ = 8;

    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;

    private static final VarHandle LONG = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteBufferViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Receives one record, valid only during the call. */
    interface RecordHandler {
        /**
         * @param data the data view (little-endian)
         * @param offset where the record's payload starts
         * @param length the payload's length
         */
        void onRecord(ByteBuffer data, int offset, int length);
    }

    private final NativeOps ops;
    private final int pageSize;
    private final long size;
    private final long mask;
    private final long consumerAddr;
    private final long producerAddr;
    private final long producerLength;
    private final ByteBuffer consumer;
    private final ByteBuffer data;
    private boolean closed;

    /**
     * Maps the ring buffer.
     *
     * @param ops the native layer
     * @param mapFd the ring buffer map's fd
     * @param size its {@code max_entries} (a power of two, a multiple of the page size)
     * @throws Esf4jException when a mapping cannot be created
     */
    RingBuffer(NativeOps ops, int mapFd, int size) {
        this.ops = ops;
        this.pageSize = ops.pageSize();
        if (Integer.bitCount(size) != 1 || size < pageSize) {
            throw new IllegalArgumentException("ring buffer size must be a power of two >= " + pageSize + ": " + size);
        }
        if (2L * size + pageSize > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("ring buffer too large for one view: " + size);
        }
        this.size = size;
        this.mask = size - 1L;
        this.producerLength = pageSize + 2L * size;
        long c = ops.mmap(0, pageSize, PROT_READ | PROT_WRITE, MAP_SHARED, mapFd, 0);
        if (c < 0) {
            throw fail("mmap of the ring buffer's consumer page", c);
        }
        long p = ops.mmap(0, producerLength, PROT_READ, MAP_SHARED, mapFd, pageSize);
        if (p < 0) {
            ops.munmap(c, pageSize);
            throw fail("mmap of the ring buffer's data pages", p);
        }
        consumerAddr = c;
        producerAddr = p;
        consumer = ops.view(c, pageSize);
        data = ops.view(p, (int) producerLength);
    }

    private Esf4jException fail(String what, long errno) {
        int e = (int) -errno;
        return new Esf4jException(what + " failed: " + Errno.describe(e));
    }

    /** @return the data area's size in bytes */
    long size() {
        return size;
    }

    /**
     * Consumes the records that are ready, up to {@code max}, handing each to {@code handler} in
     * place and releasing it to the kernel right after. Never blocks.
     *
     * @param handler receives the records
     * @param max upper bound on the records consumed by this call
     * @return the number of records handed to {@code handler}
     */
    int poll(RecordHandler handler, int max) {
        long cons = (long) LONG.getAcquire(consumer, 0);
        int n = 0;
        while (n < max) {
            long prod = (long) LONG.getAcquire(data, 0);
            if (cons >= prod) {
                break;
            }
            int hdr = pageSize + (int) (cons & mask);
            int len = (int) INT.getAcquire(data, hdr);
            if ((len & BUSY_BIT) != 0) {
                break; // reserved, not yet submitted: records are consumed in order
            }
            int payload = len & ~(BUSY_BIT | DISCARD_BIT);
            cons += (payload + HDR_SZ + 7) & ~7L;
            if ((len & DISCARD_BIT) == 0) {
                try {
                    handler.onRecord(data, hdr + HDR_SZ, payload);
                } finally {
                    LONG.setRelease(consumer, 0, cons);
                }
                n++;
            } else {
                LONG.setRelease(consumer, 0, cons);
            }
        }
        return n;
    }

    /** Unmaps; the consumer thread must have stopped. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        ops.munmap(consumerAddr, pageSize);
        ops.munmap(producerAddr, producerLength);
    }
}
