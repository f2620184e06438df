package org.esf4j.spi.nativeio;

import java.nio.ByteBuffer;

/**
 * Native memory owned by one object: a stable address for system calls and a little-endian
 * {@link ByteBuffer} view over the same bytes for decoding. Allocated once at setup; never on
 * the hot path. Not API, may change without notice.
 */
public interface NativeBuffer extends AutoCloseable {

    /** Address of the first byte. */
    long address();

    /** Size in bytes. */
    int size();

    /**
     * A little-endian view over the whole buffer. The same instance is returned on every call;
     * callers use absolute get/put methods.
     */
    ByteBuffer buffer();

    /**
     * Writes {@code s} as UTF-8 followed by NUL at {@code offset}.
     *
     * @return the address of the string
     * @throws IllegalArgumentException if it does not fit
     */
    default long putCString(int offset, String s) {
        byte[] b = s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (offset + b.length + 1 > size()) {
            throw new IllegalArgumentException("string of " + b.length + " bytes does not fit at " + offset);
        }
        ByteBuffer bb = buffer();
        for (int i = 0; i < b.length; i++) {
            bb.put(offset + i, b[i]);
        }
        bb.put(offset + b.length, (byte) 0);
        return address() + offset;
    }

    /** Frees the memory; idempotent. */
    @Override
    void close();
}
