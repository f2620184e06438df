package org.esf4j.backend.bpflsm;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.ProcessInfo;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.nativeio.Errno;

/**
 * A ring buffer record seen through the engine's {@link RawEvent}: fields are read from the
 * record in place while the engine looks at them, so the reader's fast path copies nothing but
 * what it asks for. Reused for every record by the reader thread.
 */
final class BpfRawEvent extends RawEvent {

    private static final EventType[] TYPES = EventType.values();

    final EventRecord record = new EventRecord();

    /**
     * Points at a record and resets the engine's view.
     *
     * @param mode the client's mode for the record's type
     * @param token what {@link BpfLsmBackend#respond} gets back
     * @param receivedNanos {@link System#nanoTime()} at read
     */
    void load(Mode mode, long token, long receivedNanos) {
        EventRecord r = record;
        EventType type = TYPES[r.type()];
        reset(type, mode, r.pid(), r.tid(), r.ktimeNanos(), receivedNanos, token,
                type == EventType.FILE_OPEN ? r.flags() : -1);
        if (mode == Mode.AUTH) {
            kernelDecision(switch (r.verdict()) {
                case EventRecord.DENIED_POLICY -> KernelDecision.DENIED_POLICY;
                case EventRecord.ALLOWED_CACHE -> KernelDecision.ALLOWED_CACHE;
                case EventRecord.DENIED_CACHE -> KernelDecision.DENIED_CACHE;
                default -> KernelDecision.ALLOWED;
            });
        }
        switch (type) {
            case EXEC, FILE_OPEN, URING_CMD -> fileId(r.device(), r.inode(), r.changeTimeNanos());
            default -> { }
        }
        if (type == EventType.URING_CMD) {
            uringOp(r.flags());
        }
        if (type == EventType.SOCKET_BIND) {
            bind(r.family(), address(r), r.port(), r.socketType());
        }
    }

    /** The bound address as text (allocates; bind events only). */
    private static String address(EventRecord r) {
        byte[] a = r.addressBytes();
        if (a.length == 0) {
            return "";
        }
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            return ""; // not reached: 4 or 16 bytes
        }
    }

    @Override
    protected int loadTargetPath(byte[] dst) {
        int n = record.path(dst);
        return n > 0 ? n : -Errno.ENOENT;
    }

    @Override
    protected int loadExecutablePath(byte[] dst) {
        int n = record.executable(dst);
        return n > 0 ? n : -Errno.ENOENT;
    }

    @Override
    protected void loadFileId() {
        // set up front by load(); bind events have none
    }

    @Override
    public ProcessInfo process() {
        EventRecord r = record;
        int n = executablePathLength();
        String exe = n > 0 ? new String(executablePath(), 0, n, StandardCharsets.UTF_8) : "";
        return ProcessInfo.of(r.pid(), r.tid(), r.ppid(), r.uid(), r.euid(), r.gid(), r.egid(), exe, r.commString(),
                ProcessInfo.UNKNOWN);
    }
}
