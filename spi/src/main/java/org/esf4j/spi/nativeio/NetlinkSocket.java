package org.esf4j.spi.nativeio;

import java.nio.ByteBuffer;

/**
 * One {@code AF_NETLINK} socket through the native layer: created, bound to a set of multicast
 * groups, given a receive buffer, and read without blocking. The audit backend's control and
 * reader sockets and the process model's proc connector are such sockets. Not thread-safe;
 * not API, may change without notice.
 *
 * <pre>
 * struct sockaddr_nl (12 bytes): 0 nl_family u16 | 2 nl_pad u16 | 4 nl_pid u32 | 8 nl_groups u32
 * struct nlmsghdr (16 bytes):    0 nlmsg_len u32 | 4 nlmsg_type u16 | 6 nlmsg_flags u16
 *                                8 nlmsg_seq u32 | 12 nlmsg_pid u32
 * </pre>
 *
 * @since 0.1
 */
public final class NetlinkSocket implements AutoCloseable {

    /** {@code AF_NETLINK}. */
    public static final int AF_NETLINK = 16;
    /** {@code SOCK_RAW}. */
    public static final int SOCK_RAW = 3;
    /** {@code SOCK_DGRAM}. */
    public static final int SOCK_DGRAM = 2;
    /** {@code SOCK_CLOEXEC}. */
    public static final int SOCK_CLOEXEC = 0x80000;
    /** {@code SOL_SOCKET}. */
    public static final int SOL_SOCKET = 1;
    /** {@code SO_RCVBUF}. */
    public static final int SO_RCVBUF = 8;
    /** {@code SO_RCVTIMEO}. */
    public static final int SO_RCVTIMEO = 20;
    /** {@code SO_RCVBUFFORCE} (needs CAP_NET_ADMIN, ignores {@code net.core.rmem_max}). */
    public static final int SO_RCVBUFFORCE = 33;
    /** {@code MSG_DONTWAIT}. */
    public static final int MSG_DONTWAIT = 0x40;
    /** {@code sizeof(struct nlmsghdr)}. */
    public static final int NLMSG_HDRLEN = 16;
    /** {@code NLMSG_ERROR}. */
    public static final int NLMSG_ERROR = 2;
    /** {@code NLMSG_DONE}. */
    public static final int NLMSG_DONE = 3;
    /** {@code NLM_F_REQUEST}. */
    public static final int NLM_F_REQUEST = 0x1;
    /** {@code NLM_F_ACK}. */
    public static final int NLM_F_ACK = 0x4;
    /** {@code sizeof(struct sockaddr_nl)}. */
    public static final int SOCKADDR_NL_SIZE = 12;

    private final NativeOps ops;
    private final int fd;
    private final NativeBuffer scratch;

    private NetlinkSocket(NativeOps ops, int fd, NativeBuffer scratch) {
        this.ops = ops;
        this.fd = fd;
        this.scratch = scratch;
    }

    /**
     * Creates and binds a socket.
     *
     * @param ops the native layer
     * @param type {@link #SOCK_RAW} or {@link #SOCK_DGRAM}
     * @param protocol e.g. {@code NETLINK_AUDIT} (9), {@code NETLINK_CONNECTOR} (11)
     * @param groups the multicast groups to join, as a mask
     * @param receiveTimeoutSeconds a receive timeout for blocking reads ({@code SO_RCVTIMEO}), or 0
     * @return the socket
     * @throws NativeException when a call fails; nothing is left open
     */
    public static NetlinkSocket open(NativeOps ops, int type, int protocol, int groups, int receiveTimeoutSeconds)
            throws NativeException {
        int fd = ops.socket(AF_NETLINK, type | SOCK_CLOEXEC, protocol);
        if (fd < 0) {
            throw new NativeException("socket(AF_NETLINK, " + protocol + ")", -fd);
        }
        NativeBuffer scratch = null;
        try {
            scratch = ops.allocate(64);
            ByteBuffer a = scratch.buffer();
            a.putShort(0, (short) AF_NETLINK).putShort(2, (short) 0).putInt(4, 0).putInt(8, groups);
            int rc = ops.bind(fd, scratch.address(), SOCKADDR_NL_SIZE);
            if (rc < 0) {
                throw new NativeException(groups != 0 ? "bind to netlink multicast group mask " + groups : "bind", -rc);
            }
            if (receiveTimeoutSeconds > 0) {
                a.putLong(0, receiveTimeoutSeconds).putLong(8, 0); // struct timeval
                rc = ops.setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, scratch.address(), 16);
                if (rc < 0) {
                    throw new NativeException("setsockopt(SO_RCVTIMEO)", -rc);
                }
            }
            return new NetlinkSocket(ops, fd, scratch);
        } catch (NativeException | RuntimeException e) {
            ops.close(fd);
            if (scratch != null) {
                scratch.close();
            }
            throw e;
        }
    }

    /** @return the descriptor */
    public int fd() {
        return fd;
    }

    /**
     * Sets the receive buffer, first with {@code SO_RCVBUFFORCE} (CAP_NET_ADMIN, above
     * {@code net.core.rmem_max}), else with {@code SO_RCVBUF}.
     *
     * @param bytes wanted size
     * @return the size the kernel reports (twice what was granted, as the kernel books overhead)
     */
    public int receiveBuffer(int bytes) {
        ByteBuffer b = scratch.buffer();
        b.putInt(0, bytes);
        if (ops.setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, scratch.address(), 4) < 0) {
            ops.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, scratch.address(), 4);
        }
        b.putInt(0, 0).putInt(8, 4);
        return ops.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, scratch.address(), scratch.address() + 8) < 0 ? -1
                : b.getInt(0);
    }

    /**
     * Sends {@code length} bytes at {@code address} to the kernel (port 0).
     *
     * @param address the message
     * @param length its length
     * @return bytes sent, or {@code -errno}
     */
    public long sendToKernel(long address, int length) {
        ByteBuffer a = scratch.buffer();
        a.putShort(32, (short) AF_NETLINK).putShort(34, (short) 0).putInt(36, 0).putInt(40, 0);
        return ops.sendto(fd, address, length, 0, scratch.address() + 32, SOCKADDR_NL_SIZE);
    }

    /**
     * Receives one datagram.
     *
     * @param address where to
     * @param capacity how much fits
     * @param flags {@link #MSG_DONTWAIT} or 0
     * @return its length, or {@code -errno} ({@code -EAGAIN} when nothing is queued,
     *         {@code -ENOBUFS} once after the kernel dropped messages for this socket)
     */
    public long receive(long address, int capacity, int flags) {
        return ops.recvfrom(fd, address, capacity, flags, 0, 0);
    }

    @Override
    public void close() {
        ops.close(fd);
        scratch.close();
    }

    /** A failed system call, with its errno. */
    public static final class NativeException extends Exception {
        private static final long serialVersionUID = 1L;
        /** The errno. */
        public final int errno;

        /**
         * @param what the call
         * @param errno its errno
         */
        public NativeException(String what, int errno) {
            super(what + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
            this.errno = errno;
        }
    }
}
