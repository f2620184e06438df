package org.esf4j.spi.nativeio;

/**
 * Size and field offsets of {@code struct epoll_event} for the running architecture, chosen once
 * at class initialisation from {@code os.arch}.
 *
 * <pre>
 * struct epoll_event { uint32_t events; epoll_data_t data; }   (data is a 64-bit union)
 *
 * x86-64: __attribute__((packed)), 12 bytes
 *  0            4                            12
 *  +------------+----------------------------+
 *  | events u32 | data u64 (unaligned)       |
 *  +------------+----------------------------+
 *
 * aarch64 (and every other LP64 ABI): natural alignment, 16 bytes
 *  0            4            8                            16
 *  +------------+------------+----------------------------+
 *  | events u32 | (padding)  | data u64                   |
 *  +------------+------------+----------------------------+
 * </pre>
 *
 * An array of events for {@code epoll_wait(2)} has {@link #SIZE} bytes per element. Read
 * {@link #DATA} with an unaligned access on x86-64. Not API, may change without notice.
 *
 * @since 0.1
 */
public final class EpollEvent {

    /** {@code sizeof(struct epoll_event)}: 12 on x86-64, 16 on aarch64. */
    public static final int SIZE;
    /** {@code offsetof(events)}: 0. */
    public static final int EVENTS = 0;
    /** {@code offsetof(data)}: 4 on x86-64, 8 on aarch64. */
    public static final int DATA;

    static {
        boolean packed = !Arch.AARCH64;
        SIZE = packed ? 12 : 16;
        DATA = packed ? 4 : 8;
    }

    private EpollEvent() {
    }
}
