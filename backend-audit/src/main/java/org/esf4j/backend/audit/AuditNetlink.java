package org.esf4j.backend.audit;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.NetlinkSocket;

/**
 * One {@code NETLINK_AUDIT} socket ({@link NetlinkSocket}) and the control requests esf4j sends
 * on it: {@code AUDIT_GET}, {@code AUDIT_SET}, {@code AUDIT_ADD_RULE}, {@code AUDIT_DEL_RULE} and
 * {@code AUDIT_LIST_RULES}. Every request carries {@code NLM_F_ACK} and waits for the kernel's
 * {@code NLMSG_ERROR} with its sequence number; a receive timeout ({@code SO_RCVTIMEO}, 2 s) makes
 * sure a request never hangs. Messages that are not the awaited reply (records on a socket that is
 * also the unicast daemon, stale replies) are skipped. Requests are serialized on the socket (the
 * reader thread polls the status while the opening or closing thread changes rules); reading
 * records ({@link #receive}) is for one thread, and never on a socket that requests are made on
 * at the same time.
 */
final class AuditNetlink implements AutoCloseable {

    static final int NETLINK_AUDIT = 9;
    static final int MSG_DONTWAIT = NetlinkSocket.MSG_DONTWAIT;
    static final int EPROTONOSUPPORT = 93;

    static final int NLMSG_HDRLEN = NetlinkSocket.NLMSG_HDRLEN;
    static final int NLMSG_ERROR = NetlinkSocket.NLMSG_ERROR;
    static final int NLMSG_DONE = NetlinkSocket.NLMSG_DONE;
    static final int NLM_F_REQUEST = NetlinkSocket.NLM_F_REQUEST;
    static final int NLM_F_ACK = NetlinkSocket.NLM_F_ACK;

    static final int AUDIT_GET = 1000;
    static final int AUDIT_SET = 1001;
    static final int AUDIT_ADD_RULE = 1011;
    static final int AUDIT_DEL_RULE = 1012;
    static final int AUDIT_LIST_RULES = 1013;

    /** {@code AUDIT_NLGRP_READLOG} as a group mask. */
    static final int GROUP_READLOG = 1;
    /** Largest message the kernel sends on this socket, with headroom ({@code MAX_AUDIT_MESSAGE_LENGTH} 8970). */
    static final int MAX_MESSAGE = 16 * 1024;

    private static final int REQUEST_TIMEOUT_SECONDS = 2;

    private final NetlinkSocket socket;
    private final NativeBuffer tx;
    private final NativeBuffer rx;
    private final byte[] m = new byte[MAX_MESSAGE];
    private int seq;

    private AuditNetlink(NetlinkSocket socket, NativeBuffer tx, NativeBuffer rx) {
        this.socket = socket;
        this.tx = tx;
        this.rx = rx;
    }

    /** A failed system call or request, with its errno. */
    static final class NetlinkException extends Exception {
        private static final long serialVersionUID = 1L;
        final int errno;

        NetlinkException(String what, int errno) {
            super(what + ": " + Errno.name(errno) + " (" + Errno.describe(errno) + ")");
            this.errno = errno;
        }
    }

    /**
     * Opens a socket.
     *
     * @param ops native layer
     * @param groups multicast groups to join ({@link #GROUP_READLOG}) or 0
     * @return the socket; receives block for at most the request timeout, readers pass
     *         {@link #MSG_DONTWAIT}
     * @throws NetlinkException when the socket cannot be created or bound
     */
    static AuditNetlink open(NativeOps ops, int groups) throws NetlinkException {
        NetlinkSocket s;
        try {
            s = NetlinkSocket.open(ops, NetlinkSocket.SOCK_RAW, NETLINK_AUDIT, groups, REQUEST_TIMEOUT_SECONDS);
        } catch (NetlinkSocket.NativeException e) {
            String what = e.getMessage();
            int colon = what.indexOf(": ");
            throw new NetlinkException(groups != 0 && what.startsWith("bind") ? "bind to the audit multicast group"
                    : colon > 0 ? what.substring(0, colon) : what, e.errno);
        }
        NativeBuffer tx = null;
        try {
            tx = ops.allocate(MAX_MESSAGE);
            return new AuditNetlink(s, tx, ops.allocate(MAX_MESSAGE));
        } catch (RuntimeException e) {
            if (tx != null) {
                tx.close();
            }
            s.close();
            throw e;
        }
    }

    int fd() {
        return socket.fd();
    }

    /**
     * Sets the receive buffer, first with {@code SO_RCVBUFFORCE} (CAP_NET_ADMIN, above
     * {@code net.core.rmem_max}), else with {@code SO_RCVBUF}.
     *
     * @param bytes wanted size
     * @return the size the kernel reports (twice what was granted, as the kernel books overhead)
     */
    int receiveBuffer(int bytes) {
        return socket.receiveBuffer(bytes);
    }

    /**
     * Receives one datagram without waiting (the reader's read).
     *
     * @param address where to
     * @param capacity how much fits
     * @return its length, or {@code -errno} ({@code -EAGAIN} when nothing is queued, {@code -ENOBUFS}
     *         once after the kernel dropped records for this socket)
     */
    long receive(long address, int capacity) {
        return socket.receive(address, capacity, MSG_DONTWAIT);
    }

    /** @return the kernel's audit status */
    synchronized AuditStatus status() throws NetlinkException {
        int s = send(AUDIT_GET, null, 0);
        AuditStatus[] got = new AuditStatus[1];
        boolean[] acked = new boolean[1];
        // The kernel sends the status from a helper thread: the ack usually comes first.
        while (!acked[0] || got[0] == null) {
            await(s, "AUDIT_GET", (type, m, off, len) -> {
                if (type == AUDIT_GET) {
                    got[0] = AuditStatus.parse(m, off, len);
                    if (got[0] == null) {
                        throw new IllegalStateException("AUDIT_GET reply of " + len + " bytes");
                    }
                    return true;
                }
                return false;
            }, acked);
        }
        return got[0];
    }

    /**
     * {@code AUDIT_SET}.
     *
     * @param mask which fields apply ({@code AuditStatus.MASK_*})
     * @param status the values
     */
    synchronized void set(int mask, AuditStatus status) throws NetlinkException {
        byte[] p = status.toBytes(mask);
        await(send(AUDIT_SET, p, p.length), "AUDIT_SET", null);
    }

    /** {@code AUDIT_ADD_RULE} with an {@code audit_rule_data}. */
    synchronized void addRule(byte[] rule) throws NetlinkException {
        await(send(AUDIT_ADD_RULE, rule, rule.length), "AUDIT_ADD_RULE", null);
    }

    /** {@code AUDIT_DEL_RULE} with the same {@code audit_rule_data} as the rule to remove. */
    synchronized void deleteRule(byte[] rule) throws NetlinkException {
        await(send(AUDIT_DEL_RULE, rule, rule.length), "AUDIT_DEL_RULE", null);
    }

    /** @return every rule in the kernel, as {@code audit_rule_data} */
    synchronized List<byte[]> listRules() throws NetlinkException {
        int s = send(AUDIT_LIST_RULES, null, 0);
        List<byte[]> rules = new ArrayList<>();
        // The kernel sends the rules from a helper thread: its ack may come before, between or
        // after them, and NLMSG_DONE ends the list.
        boolean[] acked = new boolean[1];
        boolean[] done = new boolean[1];
        while (!(acked[0] && done[0])) {
            await(s, "AUDIT_LIST_RULES", (type, m, off, len) -> {
                if (type == AUDIT_LIST_RULES) {
                    byte[] r = new byte[len];
                    System.arraycopy(m, off, r, 0, len);
                    rules.add(r);
                } else if (type == NLMSG_DONE) {
                    done[0] = true;
                    return true;
                }
                return false;
            }, acked);
        }
        return rules;
    }

    /** A message handler of {@link #await}: returns true when the awaited exchange is complete. */
    interface Reply {
        boolean on(int type, byte[] msg, int off, int len);
    }

    private int send(int type, byte[] payload, int len) throws NetlinkException {
        int s = ++seq;
        int total = NLMSG_HDRLEN + len;
        if (total > tx.size()) {
            throw new NetlinkException("request of " + total + " bytes", Errno.EINVAL);
        }
        ByteBuffer b = tx.buffer();
        b.putInt(0, total).putShort(4, (short) type).putShort(6, (short) (NLM_F_REQUEST | NLM_F_ACK))
                .putInt(8, s).putInt(12, 0);
        if (len > 0) {
            b.put(NLMSG_HDRLEN, payload, 0, len);
        }
        long rc;
        do {
            rc = socket.sendToKernel(tx.address(), total);
        } while (rc == -Errno.EINTR);
        if (rc < 0) {
            throw new NetlinkException("send " + type, (int) -rc);
        }
        return s;
    }

    private void await(int s, String what, Reply reply) throws NetlinkException {
        boolean[] acked = new boolean[1];
        while (!acked[0]) {
            await(s, what, reply, acked);
        }
    }

    /**
     * Receives one datagram and hands its messages of sequence {@code s} to {@code reply}; sets
     * {@code acked[0]} on the kernel's ack. Returns after one datagram, or when the reply says
     * complete.
     */
    private void await(int s, String what, Reply reply, boolean[] acked) throws NetlinkException {
        byte[] m = this.m;
        long n;
        do {
            n = socket.receive(rx.address(), rx.size(), 0);
        } while (n == -Errno.EINTR);
        if (n == -Errno.EAGAIN) {
            throw new NetlinkException(what + ": no answer from the kernel within " + REQUEST_TIMEOUT_SECONDS + " s",
                    Errno.EAGAIN);
        }
        if (n == -Errno.ENOBUFS) {
            return; // a congested unicast socket: the kernel retries its records; our reply may follow
        }
        if (n < 0) {
            throw new NetlinkException(what + ": recv", (int) -n);
        }
        rx.buffer().get(0, m, 0, (int) n);
        ByteBuffer b = ByteBuffer.wrap(m, 0, (int) n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int off = 0;
        while (off + NLMSG_HDRLEN <= n) {
            int len = b.getInt(off);
            int type = b.getShort(off + 4) & 0xffff;
            int mseq = b.getInt(off + 8);
            if (len < NLMSG_HDRLEN || off + len > n) {
                len = (int) n - off; // the unicast framing quirk: the datagram is one message
            }
            if (mseq == s) {
                if (type == NLMSG_ERROR) {
                    int err = len >= NLMSG_HDRLEN + 4 ? b.getInt(off + NLMSG_HDRLEN) : -Errno.EIO;
                    if (err != 0) {
                        throw new NetlinkException(what, -err);
                    }
                    acked[0] = true;
                } else if (reply != null && reply.on(type, m, off + NLMSG_HDRLEN, len - NLMSG_HDRLEN)) {
                    return;
                }
            }
            off += (len + 3) & ~3;
        }
    }

    @Override
    public void close() {
        socket.close();
        tx.close();
        rx.close();
    }
}
