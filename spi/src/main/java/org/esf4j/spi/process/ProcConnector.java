package org.esf4j.spi.process;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.NetlinkSocket;

/**
 * The kernel's process connector ({@code NETLINK_CONNECTOR}, group {@code CN_IDX_PROC}): fork,
 * exec, exit, uid/gid and comm changes of every process, as they happen. Multicast, so any number
 * of listeners coexist; the kernel sends each event synchronously from the task that causes it,
 * so when a call such as {@code execve} has returned, its event is already queued on this socket.
 *
 * <pre>
 * datagram: nlmsghdr (16) | cn_msg (20) | proc_event (40)                          76 bytes
 * struct cn_msg:     0 id.idx u32 | 4 id.val u32 | 8 seq u32 | 12 ack u32 | 16 len u16 | 18 flags u16
 * struct proc_event: 0 what u32 | 4 cpu u32 | 8 timestamp_ns u64 (CLOCK_MONOTONIC) | 16 event_data
 *   FORK  16 parent_pid | 20 parent_tgid | 24 child_pid | 28 child_tgid
 *   EXEC  16 process_pid | 20 process_tgid
 *   UID   16 pid | 20 tgid | 24 ruid | 28 euid        (GID alike with rgid, egid)
 *   COMM  16 pid | 20 tgid | 24 comm[16]
 *   EXIT  16 pid | 20 tgid | 24 exit_code | 28 exit_signal | 32 parent_pid | 36 parent_tgid
 * </pre>
 * The {@code proc_event} starts at byte 36 of the datagram, so its u64 timestamp is at 44: read
 * with unaligned access (a little-endian {@link ByteBuffer} does that).
 *
 * <p>Needs the initial user, pid and network namespaces, and before Linux 6.6 CAP_NET_ADMIN.
 * Losses show only as {@code ENOBUFS} on a receive; there is no replay, so the listener resyncs
 * from {@code /proc}. Not thread-safe.
 */
final class ProcConnector implements AutoCloseable {

    static final int NETLINK_CONNECTOR = 11;
    static final int CN_IDX_PROC = 1;
    static final int CN_VAL_PROC = 1;
    static final int PROC_CN_MCAST_LISTEN = 1;

    static final int PROC_EVENT_NONE = 0;
    static final int PROC_EVENT_FORK = 0x1;
    static final int PROC_EVENT_EXEC = 0x2;
    static final int PROC_EVENT_UID = 0x4;
    static final int PROC_EVENT_GID = 0x40;
    static final int PROC_EVENT_COMM = 0x200;
    static final int PROC_EVENT_EXIT = 0x80000000;

    static final int CN_MSG = NetlinkSocket.NLMSG_HDRLEN;
    static final int CN_MSG_SIZE = 20;
    static final int EVENT = CN_MSG + CN_MSG_SIZE;
    static final int EVENT_SIZE = 40;
    static final int DATAGRAM = EVENT + EVENT_SIZE;

    private static final int RX_CAP = 16 * 1024;
    private static final int RECEIVE_BUFFER = 4 << 20;

    /** What the connector reports, on the reading thread. */
    interface Listener {
        void fork(long nanos, int parentTgid, int childPid, int childTgid);

        void exec(long nanos, int pid, int tgid);

        void credentials(long nanos, int pid, int tgid, boolean uid, int real, int effective);

        void comm(long nanos, int pid, int tgid, byte[] comm, int length);

        void exit(long nanos, int pid, int tgid, int exitCode, int parentTgid);

        /** The kernel dropped events for this socket (ENOBUFS); the listener must resync. */
        void lost();
    }

    private final NativeOps ops;
    private final NetlinkSocket socket;
    private final NativeBuffer rx;
    private final ByteBuffer b;
    private final byte[] comm = new byte[16];
    private long events;
    private long losses;
    private volatile int ackError;

    private ProcConnector(NativeOps ops, NetlinkSocket socket, NativeBuffer rx) {
        this.ops = ops;
        this.socket = socket;
        this.rx = rx;
        this.b = rx.buffer();
    }

    /**
     * Opens the socket, joins the group and asks for events (the 4-byte {@code LISTEN} every
     * kernel takes). Events flow once this returns.
     *
     * @throws NetlinkSocket.NativeException when the socket cannot be created or bound, or the
     *         kernel refuses the request (EPERM before 6.6 without CAP_NET_ADMIN)
     */
    static ProcConnector open(NativeOps ops) throws NetlinkSocket.NativeException {
        NetlinkSocket s = NetlinkSocket.open(ops, NetlinkSocket.SOCK_DGRAM, NETLINK_CONNECTOR, CN_IDX_PROC, 0);
        NativeBuffer rx = null;
        try {
            s.receiveBuffer(RECEIVE_BUFFER);
            rx = ops.allocate(RX_CAP);
            ProcConnector c = new ProcConnector(ops, s, rx);
            c.listen();
            return c;
        } catch (NetlinkSocket.NativeException | RuntimeException e) {
            s.close();
            if (rx != null) {
                rx.close();
            }
            throw e;
        }
    }

    private void listen() throws NetlinkSocket.NativeException {
        int len = NetlinkSocket.NLMSG_HDRLEN + CN_MSG_SIZE + 4;
        b.putInt(0, len).putShort(4, (short) NetlinkSocket.NLMSG_DONE).putShort(6, (short) 0).putInt(8, 1)
         .putInt(12, ops.getpid());
        b.putInt(CN_MSG, CN_IDX_PROC).putInt(CN_MSG + 4, CN_VAL_PROC).putInt(CN_MSG + 8, 1).putInt(CN_MSG + 12, 0)
         .putShort(CN_MSG + 16, (short) 4).putShort(CN_MSG + 18, (short) 0);
        b.putInt(EVENT, PROC_CN_MCAST_LISTEN);
        long rc = socket.sendToKernel(rx.address(), len);
        if (rc < 0) {
            throw new NetlinkSocket.NativeException("send PROC_CN_MCAST_LISTEN", (int) -rc);
        }
    }

    /** @return the socket's descriptor (for the reader's epoll) */
    int fd() {
        return socket.fd();
    }

    /** @return events read so far */
    long events() {
        return events;
    }

    /** @return the error the kernel answered the listen request with (EPERM without the capability), or 0 */
    int ackError() {
        return ackError;
    }

    /** @return ENOBUFS seen so far */
    long losses() {
        return losses;
    }

    /**
     * Reads every queued datagram and reports its event.
     *
     * @return how many datagrams were read
     */
    int drain(Listener l) {
        int n = 0;
        while (true) {
            long r = socket.receive(rx.address(), RX_CAP, NetlinkSocket.MSG_DONTWAIT);
            if (r == -Errno.EAGAIN) {
                return n;
            }
            if (r == -Errno.EINTR) {
                continue;
            }
            if (r == -Errno.ENOBUFS) {
                losses++;
                l.lost();
                continue;
            }
            if (r < 0) {
                return n;
            }
            n++;
            if (r >= DATAGRAM && b.getInt(CN_MSG) == CN_IDX_PROC) {
                events++;
                dispatch(l);
            }
        }
    }

    private void dispatch(Listener l) {
        int what = b.getInt(EVENT);
        long nanos = b.getLong(EVENT + 8);
        int d = EVENT + 16;
        switch (what) {
            case PROC_EVENT_FORK -> l.fork(nanos, b.getInt(d + 4), b.getInt(d + 8), b.getInt(d + 12));
            case PROC_EVENT_EXEC -> l.exec(nanos, b.getInt(d), b.getInt(d + 4));
            case PROC_EVENT_UID -> l.credentials(nanos, b.getInt(d), b.getInt(d + 4), true, b.getInt(d + 8),
                    b.getInt(d + 12));
            case PROC_EVENT_GID -> l.credentials(nanos, b.getInt(d), b.getInt(d + 4), false, b.getInt(d + 8),
                    b.getInt(d + 12));
            case PROC_EVENT_COMM -> {
                int len = 0;
                while (len < 16 && b.get(d + 8 + len) != 0) {
                    comm[len] = b.get(d + 8 + len);
                    len++;
                }
                l.comm(nanos, b.getInt(d), b.getInt(d + 4), comm, len);
            }
            case PROC_EVENT_EXIT -> l.exit(nanos, b.getInt(d), b.getInt(d + 4), b.getInt(d + 8), b.getInt(d + 20));
            case PROC_EVENT_NONE -> ackError = b.getInt(d);
            default -> { } // SID, PTRACE, COREDUMP: nothing the model keeps
        }
    }

    static String comm(byte[] c, int len) {
        return new String(c, 0, len, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        socket.close();
        rx.close();
    }
}
