package org.esf4j.spi.engine;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;

/**
 * A read-only channel on a descriptor of an event's own file ({@code Authorization.file()}): a
 * duplicate of the descriptor the source opened for the event, read with {@code pread}, so reading
 * makes no open and raises no event of its own. Owns the duplicate; thread-safe.
 */
final class EventFileChannel implements SeekableByteChannel {

    private static final int CHUNK = 64 * 1024;
    /** {@code st_size} in {@code struct stat} (x86-64 and the generic layout of aarch64). */
    private static final int ST_SIZE = 48;
    private static final int STAT_SIZE = 144;

    private final NativeOps ops;
    private int fd;
    private long position;
    private NativeBuffer buffer;

    EventFileChannel(NativeOps ops, int fd) {
        this.ops = ops;
        this.fd = fd;
    }

    @Override
    public synchronized int read(ByteBuffer dst) throws IOException {
        ensureOpen();
        if (!dst.hasRemaining()) {
            return 0;
        }
        NativeBuffer b = buffer();
        int want = Math.min(dst.remaining(), CHUNK);
        long n = ops.pread(fd, b.address(), want, position);
        if (n < 0) {
            throw new IOException("read of the event's file: " + Errno.describe((int) -n));
        }
        if (n == 0) {
            return -1;
        }
        ByteBuffer src = b.buffer().duplicate();
        src.limit((int) n).position(0);
        dst.put(src);
        position += n;
        return (int) n;
    }

    @Override
    public int write(ByteBuffer src) {
        throw new NonWritableChannelException();
    }

    @Override
    public synchronized long position() throws IOException {
        ensureOpen();
        return position;
    }

    @Override
    public synchronized SeekableByteChannel position(long newPosition) throws IOException {
        ensureOpen();
        if (newPosition < 0) {
            throw new IllegalArgumentException("negative position " + newPosition);
        }
        position = newPosition;
        return this;
    }

    @Override
    public synchronized long size() throws IOException {
        ensureOpen();
        NativeBuffer b = buffer();
        int r = ops.fstat(fd, b.address());
        if (r != 0) {
            throw new IOException("fstat of the event's file: " + Errno.describe(-r));
        }
        return b.buffer().order(java.nio.ByteOrder.nativeOrder()).getLong(ST_SIZE);
    }

    @Override
    public SeekableByteChannel truncate(long size) {
        throw new NonWritableChannelException();
    }

    @Override
    public synchronized boolean isOpen() {
        return fd >= 0;
    }

    @Override
    public synchronized void close() {
        if (fd >= 0) {
            ops.close(fd);
            fd = -1;
        }
        if (buffer != null) {
            buffer.close();
            buffer = null;
        }
    }

    private void ensureOpen() throws ClosedChannelException {
        if (fd < 0) {
            throw new ClosedChannelException();
        }
    }

    private NativeBuffer buffer() {
        if (buffer == null) {
            buffer = ops.allocate(Math.max(CHUNK, STAT_SIZE));
        }
        return buffer;
    }
}
