package org.esf4j.spi;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.ProcessInfo;

/**
 * A kernel event as the reader thread sees it: a reusable, mutable object owned by one backend
 * reader and valid only during {@link EventSink#onEvent(RawEvent)}. The engine decides from it
 * without allocating (pid, byte paths, file identity) and turns it into an API event only when a
 * handler needs one.
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

    private EventType type;
    private Mode mode;
    private int pid;
    private int tid;
    private long kernelTimeNanos;
    private long receivedNanos;
    private long token;
    private int openFlags;

    private final byte[] targetPath = new byte[MAX_PATH];
    private int targetPathLength;
    private final byte[] executablePath = new byte[MAX_PATH];
    private int executablePathLength;
    private boolean fileIdLoaded;
    private long device;
    private long inode;
    private long changeTimeNanos;

    /** Bind / uring fields, set by backends that report them. */
    private int family;
    private int port;
    private int socketType = -1;
    private int commandOp;
    private String address = "";
    private KernelDecision kernelDecision = KernelDecision.NONE;

    /** For subclasses. */
    protected RawEvent() {
    }

    /**
     * Starts a new event; forgets everything resolved for the previous one.
     *
     * @param type event type
     * @param mode AUTH (the kernel waits) or NOTIFY
     * @param pid acting process
     * @param tid acting thread, or the pid
     * @param kernelTimeNanos CLOCK_MONOTONIC at the hook, or 0
     * @param receivedNanos {@link System#nanoTime()} at read
     * @param token what {@link Backend#respond} needs to answer this event (fanotify: the event fd)
     * @param openFlags O_* flags, or -1
     */
    public final void reset(EventType type, Mode mode, int pid, int tid, long kernelTimeNanos, long receivedNanos,
                            long token, int openFlags) {
        this.type = type;
        this.mode = mode;
        this.pid = pid;
        this.tid = tid;
        this.kernelTimeNanos = kernelTimeNanos;
        this.receivedNanos = receivedNanos;
        this.token = token;
        this.openFlags = openFlags;
        this.targetPathLength = -1;
        this.executablePathLength = -1;
        this.fileIdLoaded = false;
        this.family = 0;
        this.port = 0;
        this.socketType = -1;
        this.commandOp = 0;
        this.address = "";
        this.kernelDecision = KernelDecision.NONE;
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
     * Sets the bind fields.
     *
     * @param family address family
     * @param address textual address
     * @param port port
     * @param socketType socket type or -1
     */
    public final void bind(int family, String address, int port, int socketType) {
        this.family = family;
        this.address = address;
        this.port = port;
        this.socketType = socketType;
    }

    /**
     * Sets the uring command op.
     *
     * @param op the op
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
     * Fills {@code dst} with the target path (not NUL-terminated).
     *
     * @param dst buffer of {@link #MAX_PATH} bytes
     * @return the length, or a negative errno when it cannot be resolved
     */
    protected abstract int loadTargetPath(byte[] dst);

    /**
     * Fills {@code dst} with the acting process's executable path.
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
     * The arguments of an exec, when the source reports them (allocates).
     *
     * @return the arguments, empty by default
     */
    public List<String> argv() {
        return List.of();
    }

    /**
     * The acting process, for materialized events (may allocate and read {@code /proc}).
     * Backends that know everything override this.
     *
     * @return process info, resolved lazily by default
     */
    public ProcessInfo process() {
        return null;
    }

    /** @return the event type */
    public final EventType type() {
        return type;
    }

    /** @return AUTH or NOTIFY */
    public final Mode mode() {
        return mode;
    }

    /** @return the acting pid */
    public final int pid() {
        return pid;
    }

    /** @return the acting tid */
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

    /** @return O_* flags or -1 */
    public final int openFlags() {
        return openFlags;
    }

    /** @return the bind family */
    public final int family() {
        return family;
    }

    /** @return the bind address */
    public final String address() {
        return address;
    }

    /** @return the bind port */
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
            int n = loadTargetPath(targetPath);
            targetPathLength = Math.max(n, 0);
        }
        return targetPathLength;
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
