package org.esf4j.spi;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.esf4j.api.Accuracy;
import org.esf4j.api.Event;
import org.esf4j.api.EventHeader;
import org.esf4j.api.EventKind;
import org.esf4j.api.ExecEvent;
import org.esf4j.api.FileId;
import org.esf4j.api.FileOpenEvent;
import org.esf4j.api.IpLiterals;
import org.esf4j.api.Mode;
import org.esf4j.api.PathState;
import org.esf4j.api.ProcessInfo;
import org.esf4j.api.SocketBindEvent;
import org.esf4j.api.SocketConnectEvent;
import org.esf4j.api.UringCmdEvent;
import org.esf4j.spi.process.ProcessModel;

/**
 * A kernel event as the reader thread sees it: a reusable, mutable object owned by one backend
 * reader and valid only during {@link EventSink#onEvent(RawEvent)}. The engine decides from it
 * without allocating (pid, byte paths, file identity, socket address) and asks the backend to
 * build the API event ({@link #toEvent}) and the acting process ({@link #process}) only when a
 * handler needs them: each backend builds the events of the kinds it produces, with the helpers
 * here for the common ones, so that a new kind needs no change in the engine.
 *
 * <p>Paths and file identity are resolved lazily, at most once per event, by the subclass's
 * {@code load*} methods; a backend that knows them up front sets them in {@link #reset}.
 *
 * @since 0.1
 */
public abstract class RawEvent {

    /**
     * What the kernel already decided for an AUTH event of a {@code KERNEL_POLICY} source (BPF
     * LSM): the operation has gone on (or failed) before the event reached user space.
     */
    public enum KernelDecision {
        /** The kernel waits for the answer (USERSPACE sources), or a NOTIFY event. */
        NONE,
        /** No rule or cached verdict matched: the kernel allowed. */
        ALLOWED,
        /** A policy rule matched: the kernel denied. */
        DENIED_POLICY,
        /** A cached allow matched. */
        ALLOWED_CACHE,
        /** A cached deny matched. */
        DENIED_CACHE
    }

    /** Capacity of the path buffers ({@code PATH_MAX}). */
    public static final int MAX_PATH = 4096;

    private EventKind kind;
    private Mode mode;
    private int pid;
    private int tid;
    private long kernelTimeNanos;
    private long receivedNanos;
    private long token;
    private int openFlags;

    private final byte[] targetPath = new byte[MAX_PATH];
    private int targetPathLength;
    private PathState targetPathState = PathState.UNKNOWN;
    private final byte[] executablePath = new byte[MAX_PATH];
    private int executablePathLength;
    private boolean fileIdLoaded;
    private long device;
    private long inode;
    private long changeTimeNanos;

    private int family;
    private int port;
    private int socketType = -1;
    private final byte[] address = new byte[16];
    private int addressLength;
    private String addressText = "";
    private int commandOp;
    private KernelDecision kernelDecision = KernelDecision.NONE;
    private boolean joined;

    /** For subclasses. */
    protected RawEvent() {
    }

    /**
     * Starts a new event; forgets everything resolved for the previous one.
     *
     * @param kind the kind of event
     * @param mode AUTH (the kernel waits) or NOTIFY
     * @param pid acting process
     * @param tid acting thread, or -1 when the source does not report it
     * @param kernelTimeNanos CLOCK_MONOTONIC at the hook, or 0
     * @param receivedNanos {@link System#nanoTime()} at read
     * @param token what {@link Backend#respond} needs to answer this event (fanotify: the event fd)
     * @param openFlags O_* flags, or -1
     */
    public final void reset(EventKind kind, Mode mode, int pid, int tid, long kernelTimeNanos, long receivedNanos,
                            long token, int openFlags) {
        this.kind = kind;
        this.mode = mode;
        this.pid = pid;
        this.tid = tid;
        this.kernelTimeNanos = kernelTimeNanos;
        this.receivedNanos = receivedNanos;
        this.token = token;
        this.openFlags = openFlags;
        this.targetPathLength = -1;
        this.targetPathState = PathState.UNKNOWN;
        this.executablePathLength = -1;
        this.fileIdLoaded = false;
        this.family = 0;
        this.port = 0;
        this.socketType = -1;
        this.addressLength = 0;
        this.addressText = null;
        this.commandOp = 0;
        this.kernelDecision = KernelDecision.NONE;
        this.joined = false;
    }

    /**
     * Marks the event as part of the exec that an earlier event of the same process reported: the
     * kernel's own open of a script's interpreter or of the ELF interpreter, which some sources
     * (fanotify) report as execs of their own. The engine applies the deny rules to it and
     * otherwise allows it at once; it reaches no handler and no listener, so that every handler
     * sees one exec per {@code execve}.
     */
    public final void joined() {
        this.joined = true;
    }

    /** @return whether {@link #joined()} was called for this event */
    public final boolean isJoined() {
        return joined;
    }

    /**
     * Marks the event as already decided in the kernel (after {@link #reset}).
     *
     * @param d what the kernel did
     */
    public final void kernelDecision(KernelDecision d) {
        this.kernelDecision = d;
    }

    /** @return what the kernel already decided, {@link KernelDecision#NONE} when it waits */
    public final KernelDecision kernelDecision() {
        return kernelDecision;
    }

    /**
     * Sets the socket fields of a bind or connect.
     *
     * @param family address family
     * @param addr the address bytes (4 for AF_INET, 16 for AF_INET6), or the unix path's bytes
     * @param offset where they start
     * @param length how many (0 when unknown)
     * @param port port (host order)
     * @param socketType socket type or -1
     */
    public final void socket(int family, byte[] addr, int offset, int length, int port, int socketType) {
        this.family = family;
        int n = Math.min(length, address.length);
        System.arraycopy(addr, offset, address, 0, n);
        this.addressLength = n;
        this.addressText = null;
        this.port = port;
        this.socketType = socketType;
    }

    /**
     * Sets the socket fields with an address already in text (a unix socket path, or a source
     * that reports text).
     *
     * @param family address family
     * @param text the address as {@link SocketBindEvent#address()} documents it
     * @param port port
     * @param socketType socket type or -1
     */
    public final void socket(int family, String text, int port, int socketType) {
        this.family = family;
        this.addressLength = 0;
        this.addressText = text;
        this.port = port;
        this.socketType = socketType;
    }

    /**
     * Sets the uring command op.
     *
     * @param op the op, or -1 when unknown
     */
    public final void uringOp(int op) {
        this.commandOp = op;
    }

    /**
     * Sets the file identity when the backend knows it up front.
     *
     * @param dev device
     * @param ino inode
     * @param ctimeNanos change time in ns, or 0
     */
    public final void fileId(long dev, long ino, long ctimeNanos) {
        this.device = dev;
        this.inode = ino;
        this.changeTimeNanos = ctimeNanos;
        this.fileIdLoaded = true;
    }

    /**
     * Fills {@code dst} with the target path (not NUL-terminated); may call
     * {@link #targetPathState(PathState)} when the path is not {@link PathState#EXACT}.
     *
     * @param dst buffer of {@link #MAX_PATH} bytes
     * @return the length, or a negative errno when it cannot be resolved
     */
    protected abstract int loadTargetPath(byte[] dst);

    /**
     * Fills {@code dst} with the acting process's executable path (for muting and the cache key).
     *
     * @param dst buffer of {@link #MAX_PATH} bytes
     * @return the length, or a negative errno
     */
    protected abstract int loadExecutablePath(byte[] dst);

    /**
     * Resolves the file identity by calling {@link #fileId(long, long, long)}; does nothing when
     * it cannot.
     */
    protected abstract void loadFileId();

    /**
     * Builds the API event (allocates). Called on the reader thread, at most once per event.
     *
     * @param header the header the engine made (sequence number, process, ...)
     * @return the event of this raw event's kind
     */
    public abstract Event toEvent(EventHeader header);

    /**
     * The acting process (allocates; may read {@code /proc}). Called on the reader thread, at most
     * once per event, before {@link #toEvent}.
     *
     * @param model the process model
     * @return the process
     */
    public abstract ProcessInfo process(ProcessModel model);

    /**
     * Sets how far the target path can be trusted; from {@link #loadTargetPath}.
     *
     * @param state the state
     */
    protected final void targetPathState(PathState state) {
        this.targetPathState = state;
    }

    // ------------------------------------------------------------------ helpers for toEvent

    /**
     * An exec event from this raw event's target path and file identity.
     *
     * @param h header
     * @param argv arguments (empty when unknown)
     * @param argvAccuracy their accuracy
     * @param interpreter the interpreter, or ""
     * @return the event
     */
    protected final ExecEvent execEvent(EventHeader h, List<String> argv, Accuracy argvAccuracy, String interpreter) {
        return new ExecEvent(h, targetPathString(), argv, interpreter, fileIdValue(), targetPathState(), argvAccuracy);
    }

    /**
     * A file open event from this raw event's fields.
     *
     * @param h header
     * @return the event
     */
    protected final FileOpenEvent fileOpenEvent(EventHeader h) {
        return new FileOpenEvent(h, targetPathString(), fileIdValue(), openFlags, targetPathState());
    }

    /**
     * A bind event from this raw event's socket fields.
     *
     * @param h header
     * @return the event
     */
    protected final SocketBindEvent socketBindEvent(EventHeader h) {
        return new SocketBindEvent(h, family, addressString(), port, socketType);
    }

    /**
     * A connect event from this raw event's socket fields.
     *
     * @param h header
     * @return the event
     */
    protected final SocketConnectEvent socketConnectEvent(EventHeader h) {
        return new SocketConnectEvent(h, family, addressString(), port, socketType);
    }

    /**
     * A uring command event from this raw event's fields.
     *
     * @param h header
     * @return the event
     */
    protected final UringCmdEvent uringCmdEvent(EventHeader h) {
        return new UringCmdEvent(h, targetPathString(), fileIdValue(), commandOp, targetPathState());
    }

    /**
     * The event of a built-in kind other than exec (whose arguments and interpreter only the
     * backend knows), from this raw event's fields: file open, socket bind, socket connect, uring
     * command.
     *
     * @param h header
     * @return the event
     * @throws IllegalStateException for exec or a kind that is not built in
     */
    protected final Event builtInEvent(EventHeader h) {
        EventKind k = kind();
        if (k == EventKind.FILE_OPEN) {
            return fileOpenEvent(h);
        }
        if (k == EventKind.SOCKET_BIND) {
            return socketBindEvent(h);
        }
        if (k == EventKind.SOCKET_CONNECT) {
            return socketConnectEvent(h);
        }
        if (k == EventKind.URING_CMD) {
            return uringCmdEvent(h);
        }
        throw new IllegalStateException("no built-in event for " + k + " here: the backend builds it");
    }

    /** The suffix the kernel gives the path of an unlinked file ({@code d_path}). */
    private static final byte[] DELETED_SUFFIX = " (deleted)".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * The length of a kernel-printed path without its {@code " (deleted)"} suffix.
     *
     * @param path the path's bytes
     * @param length its length
     * @return the length without the suffix, or -1 when it has none
     */
    protected static int withoutDeletedSuffix(byte[] path, int length) {
        int n = DELETED_SUFFIX.length;
        if (length < n) {
            return -1;
        }
        for (int i = 0; i < n; i++) {
            if (path[length - n + i] != DELETED_SUFFIX[i]) {
                return -1;
            }
        }
        return length - n;
    }

    /** @return the file identity, {@link FileId#UNKNOWN} when the inode is unknown */
    protected final FileId fileIdValue() {
        return inode() == 0 ? FileId.UNKNOWN : new FileId(device(), inode(), changeTimeNanos());
    }

    // ------------------------------------------------------------------ accessors

    /** @return the kind of event */
    public final EventKind kind() {
        return kind;
    }

    /** @return AUTH or NOTIFY */
    public final Mode mode() {
        return mode;
    }

    /** @return the acting pid */
    public final int pid() {
        return pid;
    }

    /** @return the acting tid, or -1 */
    public final int tid() {
        return tid;
    }

    /** @return kernel timestamp or 0 */
    public final long kernelTimeNanos() {
        return kernelTimeNanos;
    }

    /** @return receive time */
    public final long receivedNanos() {
        return receivedNanos;
    }

    /** @return the backend's answer token */
    public final long token() {
        return token;
    }

    /**
     * A descriptor of the event's file that the source opened for this event and that stays open
     * until the event is answered (fanotify's permission events), so that a handler can read the
     * file without an open of its own ({@code Authorization.file()}); -1 where the source gives
     * none. The engine duplicates it before the answer and never closes it.
     *
     * @return the descriptor, or -1
     */
    public int fileDescriptor() {
        return -1;
    }

    /** @return O_* flags or -1 */
    public final int openFlags() {
        return openFlags;
    }

    /** @return the address family */
    public final int family() {
        return family;
    }

    /** @return the socket address bytes; valid up to {@link #addressLength()} */
    public final byte[] address() {
        return address;
    }

    /** @return the length of {@link #address()}: 4, 16, or 0 when unknown or given as text */
    public final int addressLength() {
        return addressLength;
    }

    /**
     * The address as text: a dotted quad, an RFC 5952 IPv6 literal, or the text the backend gave
     * (allocates once per event).
     *
     * @return the text, "" when unknown
     */
    public final String addressString() {
        if (addressText == null) {
            addressText = addressLength == 4 || addressLength == 16 ? IpLiterals.format(address, 0, addressLength) : "";
        }
        return addressText;
    }

    /** @return the port */
    public final int port() {
        return port;
    }

    /** @return the socket type */
    public final int socketType() {
        return socketType;
    }

    /** @return the uring op */
    public final int commandOp() {
        return commandOp;
    }

    /**
     * The target path bytes; valid up to {@link #targetPathLength()}.
     *
     * @return the shared buffer
     */
    public final byte[] targetPath() {
        targetPathLength();
        return targetPath;
    }

    /**
     * Length of the target path, resolving it on first call; 0 when unknown.
     *
     * @return the length
     */
    public final int targetPathLength() {
        if (targetPathLength < 0) {
            targetPathState = PathState.EXACT;
            int n = loadTargetPath(targetPath);
            targetPathLength = Math.max(n, 0);
            if (targetPathLength == 0) {
                targetPathState = PathState.UNKNOWN;
            }
        }
        return targetPathLength;
    }

    /** @return how far the target path can be trusted (resolves it) */
    public final PathState targetPathState() {
        targetPathLength();
        return targetPathState;
    }

    /**
     * The executable path bytes; valid up to {@link #executablePathLength()}.
     *
     * @return the shared buffer
     */
    public final byte[] executablePath() {
        executablePathLength();
        return executablePath;
    }

    /**
     * Length of the executable path, resolving it on first call; 0 when unknown.
     *
     * @return the length
     */
    public final int executablePathLength() {
        if (executablePathLength < 0) {
            int n = loadExecutablePath(executablePath);
            executablePathLength = Math.max(n, 0);
        }
        return executablePathLength;
    }

    /** @return the device of the target, resolving on first call; 0 when unknown */
    public final long device() {
        ensureFileId();
        return device;
    }

    /** @return the inode of the target; 0 when unknown */
    public final long inode() {
        ensureFileId();
        return inode;
    }

    /** @return the change time of the target in ns; 0 when unknown */
    public final long changeTimeNanos() {
        ensureFileId();
        return changeTimeNanos;
    }

    private void ensureFileId() {
        if (!fileIdLoaded) {
            fileIdLoaded = true;
            device = 0;
            inode = 0;
            changeTimeNanos = 0;
            loadFileId();
        }
    }

    /**
     * The target path as a string (allocates).
     *
     * @return the path
     */
    public final String targetPathString() {
        return new String(targetPath(), 0, targetPathLength(), StandardCharsets.UTF_8);
    }

    /**
     * The executable path as a string (allocates).
     *
     * @return the path
     */
    public final String executablePathString() {
        return new String(executablePath(), 0, executablePathLength(), StandardCharsets.UTF_8);
    }
}
