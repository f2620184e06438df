/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.Esf4jException;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.Backend;
import org.esf4j.spi.BackendContext;
import org.esf4j.spi.BackendOptions;
import org.esf4j.spi.EventSink;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.ReaderLoop;
import org.esf4j.spi.nativeio.Errno;
import org.esf4j.spi.nativeio.Fcntl;
import org.esf4j.spi.nativeio.NativeBuffer;
import org.esf4j.spi.nativeio.NativeOps;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.spi.process.ProcFiles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The TSEM backend: the external trust orchestrator of the modeling namespaces its client
 * launches (and the reader of the root namespace's export queue when the kernel has one).
 *
 * <p>One reader thread reads every namespace queue exactly as the ABI says: {@code epoll} on the
 * queue files (TSEM's poll readiness is cleared by the poll itself), then per queue
 * {@code read()} of one record into a 64 KiB buffer and {@code lseek(fd, 0, SEEK_SET)}, until the
 * read fails with {@code ENODATA}. A blocking record ({@code "type": "event"}) takes a release
 * slot; each of its esf4j events that a handler decides holds the slot, and when the last answer
 * is in, one {@code trusted}/{@code untrusted} command releases the task. {@code async_event}
 * records (export namespaces, atomic hooks) are never released. A verdict never denies the
 * operation that was asked (TSEM cannot): a deny marks the task untrusted, and its later
 * operations fail only where the namespace enforces ({@link org.esf4j.api.DecisionClass#TAINT}).
 *
 * <p>Exec has no record of its own in TSEM: it shows as the task's trust transition descriptor
 * ({@code ttd}) going up between two records of one task, the program being the first open with
 * {@code __FMODE_EXEC} before it. The Exec event is raised on the first record after the exec,
 * whose task then waits, and shares that record's release. Where the kernel exports
 * {@code bprm_check_security} (the development tree), that record is the Exec.
 */
final class TsemBackend implements Backend, TsemNamespaces {

    private static final Logger LOG = LoggerFactory.getLogger(TsemBackend.class);

    /** The securityfs directory of TSEM. */
    static final String DEFAULT_ROOT = "/sys/kernel/security/tsem";
    /** System property naming another directory with the same files (an emulator of the ABI). */
    static final String ROOT_PROPERTY = "esf4j.tsem.root";

    static final int ENODATA = Errno.ENODATA;
    private static final int SEEK_SET = 0;
    /** The ABI leaves a record longer than the buffer undefined: read with room to spare. */
    static final int RECORD_BUFFER = 64 * 1024;
    /** {@code __FMODE_EXEC} in {@code f_flags}: the kernel's own open of a program it executes. */
    static final long FMODE_EXEC = 0x20;
    private static final int SLOTS = 4096;

    private static final byte[] T_FILE_OPEN = "file_open".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] T_SOCKET_BIND = "socket_bind".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] T_SOCKET_CONNECT = "socket_connect".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] T_BPRM_CHECK = "bprm_check_security".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] T_BPRM_COMMITTED = "bprm_committed_creds".getBytes(StandardCharsets.US_ASCII);
    static final EventKind LOG_KIND = EventKind.extension("tsem.log");

    private final BackendContext ctx;
    private final ClientConfig config;
    private final EventSink sink;
    private final NativeOps ops;
    private final Path root;
    private final TsemSyntax forcedSyntax;
    private final boolean rootNamespace;
    private final ReaderLoop loop;
    private final ProcFiles proc;
    private final List<Namespace> namespaces = new CopyOnWriteArrayList<>();
    private final Slot[] slots = new Slot[SLOTS];
    private final int[] freeSlots = new int[SLOTS];
    private int freeCount;
    private final Object slotLock = new Object();
    private final ReentrantLock controlLock = new ReentrantLock();
    private final NativeBuffer controlBuffer;
    private int controlFd = -1;
    /** Launches (and, with the key syntax, every release) run on this one thread: see {@link TsemSyntax#KEY}. */
    private final ExecutorService controlThread;
    private volatile Thread controlThreadRef;
    private volatile TsemSyntax syntax;
    private volatile boolean closed;
    private final SecureRandom random = new SecureRandom();

    // reader-thread state
    private final NativeBuffer readBuffer;
    private final byte[] recordBytes = new byte[RECORD_BUFFER];
    private final TsemRecord record = new TsemRecord();
    private final TsemRawEvent raw;
    private final byte[] addressScratch = new byte[16];
    private long tokens;

    private TsemBackend(BackendContext ctx, Path root, TsemSyntax forcedSyntax, boolean rootNamespace) {
        this.ctx = ctx;
        this.config = ctx.config();
        this.sink = ctx.sink();
        this.ops = Natives.get();
        this.root = root;
        this.forcedSyntax = forcedSyntax;
        this.syntax = forcedSyntax;
        this.rootNamespace = rootNamespace;
        this.proc = new ProcFiles(ops);
        this.raw = new TsemRawEvent(proc, new org.esf4j.spi.process.ExecFiles(ops));
        this.readBuffer = ops.allocate(RECORD_BUFFER);
        this.controlBuffer = ops.allocate(256);
        for (int i = 0; i < SLOTS; i++) {
            slots[i] = new Slot(i);
            freeSlots[i] = SLOTS - 1 - i;
        }
        freeCount = SLOTS;
        this.controlThread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "esf4j-tsem-control");
            t.setDaemon(true);
            controlThreadRef = t;
            return t;
        });
        this.loop = new ReaderLoop("esf4j-tsem-reader", config.readerMode(), ops, new Agent());
    }

    static TsemBackend open(BackendContext ctx) {
        BackendOptions o = ctx.options(TsemProvider.NAME, "root", "syntax", "root-namespace");
        Path root = Path.of(o.has("root") ? o.string("root") : System.getProperty(ROOT_PROPERTY, DEFAULT_ROOT));
        String s = o.choice("syntax", "auto", "auto", "key", "tnum");
        TsemSyntax forced = s.equals("key") ? TsemSyntax.KEY : s.equals("tnum") ? TsemSyntax.TNUM : null;
        boolean rootNs = o.bool("root-namespace", true);
        TsemProbe.Result p = TsemProbe.probe(root);
        if (!p.status().available()) {
            throw new Esf4jException("tsem: " + p.status().message()
                    + (p.status().remedy().isEmpty() ? "" : "; remedy: " + p.status().remedy()));
        }
        return new TsemBackend(ctx, root, forced, rootNs);
    }

    // ------------------------------------------------------------------ lifecycle

    @Override
    public void start() {
        controlFd = openControl();
        if (rootNamespace && Files.exists(root.resolve("external_tma/0"))) {
            // tsem_mode=root_export_only: the whole host, asynchronously
            int fd = openQueue(0);
            Namespace ns = new Namespace(0, fd, null, null, null, null, null);
            namespaces.add(ns);
            loop.watch(fd);
        }
        loop.start();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        loop.stop(200, 2000);
        // every task still waiting goes on with the deadline's verdict: TSEM itself would wait for ever
        releaseAllPending();
        for (Namespace ns : namespaces) {
            loop.unwatch(ns.fd);
            ops.close(ns.fd);
            ns.open = false;
            if (ns.guardian != null) {
                ns.guardian.close(); // nobody will release its next operation: its processes are killed
            }
        }
        namespaces.clear();
        controlThread.shutdown();
        try {
            // key-scheme releases queued for the control thread are written before control closes
            controlThread.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        controlLock.lock();
        try {
            if (controlFd >= 0) {
                ops.close(controlFd);
                controlFd = -1;
            }
        } finally {
            controlLock.unlock();
        }
        loop.close();
        readBuffer.close();
    }

    @Override
    public <T> T extension(Class<T> type) {
        return type == TsemNamespaces.class ? type.cast(this) : null;
    }

    // ------------------------------------------------------------------ launch

    @Override
    public TsemWorkload launch(ProcessBuilder process, TsemLaunch options) {
        java.util.Objects.requireNonNull(process, "process");
        java.util.Objects.requireNonNull(options, "options");
        if (process.command().isEmpty()) {
            throw new IllegalArgumentException("the workload's command is empty");
        }
        if (closed) {
            throw new IllegalStateException("the client is closed");
        }
        Future<TsemWorkload> f = controlThread.submit(() -> launchOnControlThread(process, options));
        try {
            return f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) {
                throw re;
            }
            throw new Esf4jException("tsem: launch failed: " + c, c);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Esf4jException("tsem: interrupted while launching", e);
        }
    }

    /**
     * The launching shell. It opens {@code id} and {@code control} before it writes the command,
     * so that nothing it does inside the namespace is a modeled operation (a read or write of an
     * open file is none): an open after the command would wait for this client, which does not
     * know the namespace yet. Its errors go to the report file, the workload's stderr is restored
     * before the command runs.
     */
    static final String SCRIPT = String.join("\n",
            "root=$1 report=$2 c1=$3 c2=$4 enforce=$5 seal=$6 cg=$7; shift 7",
            "exec 3>\"$report\" || exit 125",
            "exec 9>&2 2>&3",
            "if [ -n \"$cg\" ]; then echo $$ > \"$cg/cgroup.procs\" || exit 125; fi",
            "exec 4<\"$root/id\" 5>\"$root/control\" || exit 125",
            "if printf '%s\\n' \"$c1\" >&5; then which=1",
            "elif [ -n \"$c2\" ] && printf '%s\\n' \"$c2\" >&5; then which=2",
            "else exit 125; fi",
            "if [ \"$enforce\" = 1 ]; then printf 'enforce\\n' >&5 || exit 125; fi",
            "if [ \"$seal\" = 1 ]; then printf 'seal\\n' >&5 || exit 125; fi",
            "exec 5>&-",
            "read id <&4 || exit 125",
            "exec 4<&-",
            "printf 'ok %s %s\\n' \"$which\" \"$id\" >&3",
            "exec 3>&- 2>&9 9>&-",
            "exec \"$@\"");

    private TsemWorkload launchOnControlThread(ProcessBuilder pb, TsemLaunch opt) throws IOException {
        TsemSyntax known = syntax;
        String base = opt.command();
        String key = HexFormat.of().formatHex(randomBytes(TsemDigest.of(opt.digest()).size()));
        String withKey = base + " key=" + key;
        String c1;
        String c2;
        if (!opt.isExternal()) {
            c1 = base; // export: no release, no key in any version
            c2 = "";
        } else if (known == TsemSyntax.KEY) {
            c1 = withKey;
            c2 = "";
        } else if (known == TsemSyntax.TNUM) {
            c1 = base;
            c2 = "";
        } else {
            c1 = base; // the later syntax first: a v3/v4 kernel refuses it (key= is mandatory there)
            c2 = withKey;
        }
        Path dir = Files.createTempDirectory("esf4j-tsem");
        Path report = dir.resolve("report");
        TsemGuardian guardian = opt.isExternal() ? TsemGuardian.start() : null;
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT, "esf4j-tsem-launch", root.toString(),
                report.toString(), c1, c2, opt.enforce() ? "1" : "0", opt.seal() ? "1" : "0",
                guardian == null ? "" : guardian.cgroup.toString()));
        cmd.addAll(pb.command());
        List<String> userCommand = pb.command();
        Process p;
        // the shell opens control itself; TSEM allows one open at a time
        controlLock.lock();
        try {
            if (controlFd >= 0) {
                ops.close(controlFd);
                controlFd = -1;
            }
            pb.command(cmd);
            try {
                p = pb.start();
            } finally {
                pb.command(userCommand);
            }
            String line;
            try {
                line = awaitReport(p, report, opt.timeout().toNanos(), c2.isEmpty() ? "'" + c1 + "'"
                        : "'" + c1 + "' and '" + c2.replaceAll("key=\\p{XDigit}+", "key=…") + "'");
            } catch (RuntimeException e) {
                if (guardian != null) {
                    guardian.close();
                }
                throw e;
            }
            String[] f = line.split(" ");
            int which = Integer.parseInt(f[1]);
            long id = Long.parseLong(f[2]);
            TsemSyntax s = !opt.isExternal() ? known : which == 2 || known == TsemSyntax.KEY ? TsemSyntax.KEY
                    : known;
            if (s != null && syntax == null && forcedSyntax == null) {
                syntax = s;
            }
            int fd = openQueue(id);
            Namespace ns = new Namespace(id, fd, opt, p, s, s == TsemSyntax.KEY ? key : null, guardian);
            namespaces.add(ns);
            loop.watch(fd);
            LOG.debug("tsem: launched {} in namespace {} ({})", userCommand, id, opt);
            return ns;
        } finally {
            if (controlFd < 0 && !closed) {
                controlFd = openControl();
            }
            controlLock.unlock();
            try {
                Files.deleteIfExists(report);
                Files.deleteIfExists(dir);
            } catch (IOException e) {
                LOG.debug("tsem: could not remove {}: {}", dir, e.toString());
            }
        }
    }

    private byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    private static String awaitReport(Process p, Path report, long timeoutNanos, String tried) throws IOException {
        long end = System.nanoTime() + timeoutNanos;
        while (true) {
            String text = Files.exists(report) ? Files.readString(report) : "";
            for (String l : text.split("\n")) {
                if (l.startsWith("ok ") && text.endsWith("\n")) {
                    return l;
                }
            }
            if (!p.isAlive()) {
                throw new Esf4jException("tsem: the kernel refused the namespace (tried " + tried + "): "
                        + (text.isBlank() ? "the launching shell exited with " + p.exitValue() : text.strip()));
            }
            if (System.nanoTime() - end > 0) {
                p.destroyForcibly();
                throw new Esf4jException("tsem: the launching shell reported no namespace within the timeout"
                        + (text.isBlank() ? "" : ": " + text.strip()));
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new Esf4jException("tsem: interrupted while launching", e);
            }
        }
    }

    @Override
    public List<TsemWorkload> workloads() {
        List<TsemWorkload> out = new ArrayList<>();
        for (Namespace ns : namespaces) {
            if (ns.process != null) {
                out.add(ns);
            }
        }
        return out;
    }

    @Override
    public TsemSyntax syntax() {
        return syntax;
    }

    // ------------------------------------------------------------------ files

    private int openControl() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (true) {
            int fd = openPath(root.resolve("control"), Fcntl.O_WRONLY | Fcntl.O_CLOEXEC);
            if (fd >= 0 || -fd != Errno.EBUSY || System.nanoTime() - deadline > 0) {
                if (fd < 0) {
                    throw new Esf4jException("tsem: cannot open " + root.resolve("control") + ": " + Errno.describe(-fd)
                            + (-fd == Errno.EBUSY ? " (another orchestrator holds it)" : ""));
                }
                return fd;
            }
            try {
                Thread.sleep(5); // another orchestrator, or a launching shell, holds it
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Esf4jException("tsem: interrupted while opening control", e);
            }
        }
    }

    private int openQueue(long id) {
        Path q = root.resolve("external_tma").resolve(Long.toString(id));
        int fd = openPath(q, Fcntl.O_RDONLY | Fcntl.O_CLOEXEC | Fcntl.O_NONBLOCK);
        if (fd < 0) {
            throw new Esf4jException("tsem: cannot open " + q + ": " + Errno.describe(-fd));
        }
        return fd;
    }

    private int openPath(Path p, int flags) {
        return TsemProbe.open(ops, p, flags);
    }

    // ------------------------------------------------------------------ releases

    /** A blocked task's release: held by each of its events a handler decides, written when the last answer is in. */
    private static final class Slot {
        final int index;
        long token;
        Namespace ns;
        long pid;
        long tnum;
        int pending;
        boolean untrusted;

        Slot(int index) {
            this.index = index;
        }
    }

    private Slot acquireSlot(Namespace ns, long pid, long tnum) {
        synchronized (slotLock) {
            if (freeCount == 0) {
                return null;
            }
            Slot s = slots[freeSlots[--freeCount]];
            s.token = (++tokens << 12) | s.index;
            s.ns = ns;
            s.pid = pid;
            s.tnum = tnum;
            s.pending = 1; // the reader's own hold until every event of the record was delivered
            s.untrusted = false;
            return s;
        }
    }

    /** Drops one hold; the last writes the release. */
    private boolean drop(long token, boolean allow) {
        Slot s = slots[(int) (token & (SLOTS - 1))];
        Namespace ns;
        long pid;
        long tnum;
        boolean untrusted;
        synchronized (slotLock) {
            if (s.token != token || s.pending <= 0) {
                return false;
            }
            if (!allow) {
                s.untrusted = true;
            }
            if (--s.pending > 0) {
                return true;
            }
            ns = s.ns;
            pid = s.pid;
            tnum = s.tnum;
            untrusted = s.untrusted;
            s.token = 0;
            s.ns = null;
            freeSlots[freeCount++] = s.index;
        }
        release(ns, pid, tnum, !untrusted);
        return true;
    }

    @Override
    public boolean respond(long token, boolean allow, boolean cacheInKernel) {
        if (token == 0) {
            return true; // an asynchronous record: nobody waits
        }
        return drop(token, allow);
    }

    private static final byte[] TRUSTED = "trusted pid=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] UNTRUSTED = "untrusted pid=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEY = " key=".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] TNUM = " tnum=".getBytes(StandardCharsets.US_ASCII);

    private void release(Namespace ns, long pid, long tnum, boolean trusted) {
        if (ns.syntax == TsemSyntax.KEY && Thread.currentThread() != controlThreadRef) {
            controlThread.execute(() -> release(ns, pid, tnum, trusted));
            return;
        }
        int rc;
        controlLock.lock();
        try {
            // the command is formatted in the native buffer: a release allocates nothing
            java.nio.ByteBuffer b = controlBuffer.buffer();
            int n = put(b, 0, trusted ? TRUSTED : UNTRUSTED);
            n = putDecimal(b, n, pid);
            if (ns.syntax == TsemSyntax.KEY) {
                n = put(b, n, KEY);
                n = put(b, n, ns.keyBytes);
            } else {
                n = put(b, n, TNUM);
                n = putDecimal(b, n, tnum);
            }
            b.put(n++, (byte) '\n');
            // one command per write, at offset 0 (a second write through the same descriptor would be at its end)
            rc = controlFd < 0 ? -Errno.EBADF : (int) ops.pwrite(controlFd, controlBuffer.address(), n, 0);
        } finally {
            controlLock.unlock();
        }
        if (rc < 0) {
            if (rc == -Errno.ESRCH) {
                sink.onDrop("kernel", 1, "tsem: task " + pid + " was gone before its release (killed while waiting)");
            } else {
                sink.onError("tsem release of task " + pid + " in namespace " + ns.id, -rc);
            }
        }
    }

    private static int put(java.nio.ByteBuffer b, int at, byte[] bytes) {
        b.put(at, bytes);
        return at + bytes.length;
    }

    /** Unsigned decimal, as the kernel parses it. */
    private static int putDecimal(java.nio.ByteBuffer b, int at, long v) {
        int digits = 1;
        for (long x = Long.divideUnsigned(v, 10); x != 0; x = Long.divideUnsigned(x, 10)) {
            digits++;
        }
        long x = v;
        for (int i = at + digits - 1; i >= at; i--) {
            b.put(i, (byte) ('0' + Long.remainderUnsigned(x, 10)));
            x = Long.divideUnsigned(x, 10);
        }
        return at + digits;
    }

    private void releaseAllPending() {
        boolean allow = config.deadlineVerdict().isAllowed();
        List<Long> pending = new ArrayList<>();
        synchronized (slotLock) {
            for (Slot s : slots) {
                if (s.token != 0 && s.pending > 0) {
                    s.pending = 1;
                    pending.add(s.token);
                }
            }
        }
        for (long t : pending) {
            drop(t, allow);
        }
    }

    // ------------------------------------------------------------------ reading

    /** A modeling namespace whose queue this backend reads. */
    final class Namespace implements TsemWorkload {
        final long id;
        final int fd;
        final TsemLaunch options;
        final Process process;
        final String key;
        final byte[] keyBytes;
        volatile TsemSyntax syntax;
        volatile boolean open = true;
        final boolean external;
        final TsemTasks tasks = new TsemTasks();
        byte[] aggregate;
        final TsemGuardian guardian;

        Namespace(long id, int fd, TsemLaunch options, Process process, TsemSyntax syntax, String key,
                  TsemGuardian guardian) {
            this.guardian = guardian;
            this.id = id;
            this.fd = fd;
            this.options = options;
            this.process = process;
            this.syntax = syntax;
            this.key = key;
            this.keyBytes = key == null ? null : key.getBytes(StandardCharsets.US_ASCII);
            this.external = options != null && options.isExternal();
        }

        @Override
        public long namespaceId() {
            return id;
        }

        @Override
        public Process process() {
            return process;
        }

        @Override
        public TsemSyntax syntax() {
            return syntax;
        }

        @Override
        public TsemLaunch options() {
            return options;
        }

        @Override
        public TsemModel model() {
            return options == null ? null : options.model();
        }

        @Override
        public boolean isOpen() {
            return open;
        }

        @Override
        public String toString() {
            return "namespace " + id + (process != null ? " (pid " + process.pid() + ")" : " (root)");
        }
    }

    private final class Agent implements ReaderLoop.Agent {
        @Override
        public int doWork() {
            int n = 0;
            for (Namespace ns : namespaces) {
                n += drain(ns);
            }
            return n;
        }

        @Override
        public void onError(Throwable t) {
            LOG.warn("tsem: reader: {}", t.toString(), t);
            sink.onError("tsem reader: " + t, 0);
        }
    }

    private int drain(Namespace ns) {
        int n = 0;
        while (ns.open) {
            long r = ops.read(ns.fd, readBuffer.address(), RECORD_BUFFER);
            if (r < 0) {
                if (-r != ENODATA && -r != Errno.EAGAIN) {
                    sink.onError("read external_tma/" + ns.id, (int) -r);
                }
                break;
            }
            long received = System.nanoTime();
            long seek = ops.lseek(ns.fd, 0, SEEK_SET);
            if (seek < 0) {
                sink.onError("lseek external_tma/" + ns.id, (int) -seek);
            }
            if (r == 0) {
                continue; // a read past the record: the lseek above was what it wanted
            }
            readBuffer.buffer().get(0, recordBytes, 0, (int) r);
            handle(ns, recordBytes, (int) r, received);
            n++;
        }
        return n;
    }

    /** Decodes one record and hands its events to the engine; public for the benchmark's and fuzzer's sake. */
    void handle(Namespace ns, byte[] bytes, int length, long received) {
        try {
            record.decode(bytes, length);
        } catch (TsemRecord.Malformed m) {
            String what = "external_tma/" + ns.id + ": " + m.getMessage();
            sink.onDrop("malformed", 1, what);
            if (record.exportType != TsemRecord.ASYNC_EVENT && ns.external && record.pid > 0
                    && (record.tnum >= 0 || ns.syntax == TsemSyntax.KEY)) {
                // what could be read names the waiting task: it goes on with the deadline's verdict
                release(ns, record.pid, record.tnum, config.deadlineVerdict().isAllowed());
            } else if (ns.external && record.exportType != TsemRecord.ASYNC_EVENT) {
                LOG.error("tsem: {}: the waiting task cannot be named, it stays blocked until it is killed", what);
            }
            return;
        }
        switch (record.exportType) {
            case TsemRecord.AGGREGATE -> {
                ns.aggregate = java.util.Arrays.copyOfRange(bytes, record.valueOff, record.valueOff + record.valueLen);
                TsemModel m = ns.model();
                if (m != null) {
                    m.aggregate(record);
                }
            }
            case TsemRecord.LOG -> deliverLog(ns, received);
            default -> event(ns, received);
        }
    }

    private void deliverLog(Namespace ns, long received) {
        Mode mode = config.kinds().get(LOG_KIND);
        if (mode == null) {
            return;
        }
        raw.reset(LOG_KIND, Mode.NOTIFY, 0, -1, 0, received, 0, -1);
        raw.source(record, false, received, null);
        raw.extra(Map.of("process", record.text(record.processOff, record.processLen),
                "event", record.text(record.logEventOff, record.logEventLen),
                "action", record.text(record.logActionOff, record.logActionLen),
                "tsem.namespace", Long.toString(ns.id)));
        sink.onEvent(raw);
    }

    private void event(Namespace ns, long received) {
        if (record.tnum >= 0 && ns.syntax == null) {
            ns.syntax = TsemSyntax.TNUM;
            if (syntax == null && forcedSyntax == null) {
                syntax = TsemSyntax.TNUM;
            }
        }
        boolean blocking = record.exportType == TsemRecord.EVENT && ns.external;
        TsemModel model = ns.model();
        boolean modelTrusts = model == null || model.observe(record);
        Slot slot = null;
        if (blocking) {
            if (ns.syntax == null) {
                ns.syntax = TsemSyntax.KEY; // no tnum in a blocking record: the v3/v4 release
            }
            slot = acquireSlot(ns, record.pid, record.tnum);
            if (slot == null) {
                sink.onDrop("backend", 1, "tsem: " + SLOTS + " tasks already wait for an answer: task " + record.pid
                        + " released with the deadline's verdict");
                release(ns, record.pid, record.tnum, config.deadlineVerdict().isAllowed() && modelTrusts);
                return;
            }
            if (!modelTrusts) {
                slot.untrusted = true;
            }
        }
        int pid = (int) record.pid;
        TsemTasks.Task task = pid > 0 ? ns.tasks.task(pid) : null;
        boolean execOpen = record.typeIs(T_FILE_OPEN) && record.fileFlags >= 0 && (record.fileFlags & FMODE_EXEC) != 0;
        if (task != null) {
            if (record.typeIs(T_BPRM_CHECK)) {
                task.execReported = true;
            }
            if (task.ttd >= 0 && record.ttd > task.ttd && task.execPath != null && !task.execReported) {
                checkTaskId(model, task);
                deliver(EventKind.EXEC, blocking, slot, received, model, task);
            }
            if (record.ttd != task.ttd) {
                task.execPath = null;
                task.execReported = false;
                task.execFromThread = false;
            }
            task.ttd = record.ttd;
            if (execOpen) {
                if (task.execPath == null) {
                    task.execPath = java.util.Arrays.copyOfRange(record.buffer(), record.pathnameOff,
                            record.pathnameOff + Math.max(0, record.pathnameLen));
                    task.execOpenNanos = received;
                    task.expectedTaskId = model != null ? model.expectedTaskId(record) : null;
                    // a thread's exec continues under its thread group's pid: remember it there too
                    int tgid = blocking && proc.status(pid) ? proc.tgid() : pid;
                    if (tgid != pid && tgid > 0) {
                        TsemTasks.Task leader = ns.tasks.task(tgid);
                        leader.execPath = task.execPath;
                        leader.execOpenNanos = received;
                        leader.execFromThread = true;
                        if (leader.ttd < 0) {
                            leader.ttd = record.ttd; // threads share the descriptor until the exec
                        }
                    }
                }
            } else if (!record.typeIs(T_BPRM_CHECK) && !record.typeIs(T_BPRM_COMMITTED) && !task.execFromThread) {
                task.execPath = null; // an exec that failed: the task went on doing other things
            }
        }
        EventKind k = kindOf();
        deliver(k, blocking, slot, received, model, null);
        if (slot != null) {
            drop(slot.token, true);
        }
    }

    private static final byte[] T_MMAP_FILE = "mmap_file".getBytes(StandardCharsets.US_ASCII);

    /**
     * Holds the task_id a task has after an exec to the one computed from the program's open,
     * where the record shows which file was executed: the image's mmap_file right after the exec
     * (a script runs its interpreter, whose open the record of the exec may not carry).
     */
    private void checkTaskId(TsemModel model, TsemTasks.Task task) {
        if (model == null || task.expectedTaskId == null || !record.typeIs(T_MMAP_FILE) || !record.hasFile
                || record.pathnameLen != task.execPath.length
                || !java.util.Arrays.equals(record.buffer(), record.pathnameOff, record.pathnameOff + record.pathnameLen,
                        task.execPath, 0, task.execPath.length)
                || record.taskIdLen != 2 * task.expectedTaskId.length) {
            return;
        }
        byte[] b = record.buffer();
        boolean match = true;
        for (int i = 0; i < task.expectedTaskId.length && match; i++) {
            int v = Character.digit(b[record.taskIdOff + 2 * i], 16) << 4 | Character.digit(b[record.taskIdOff + 2 * i + 1], 16);
            match = (byte) v == task.expectedTaskId[i];
        }
        model.taskIdChecked(match);
        if (!match) {
            LOG.warn("tsem: task {} has another identity after its exec than its program gives (task_id {})", record.pid,
                    record.ascii(record.taskIdOff, record.taskIdLen));
        }
    }

    private EventKind kindOf() {
        if (record.typeIs(T_FILE_OPEN)) {
            return EventKind.FILE_OPEN;
        }
        if (record.typeIs(T_SOCKET_BIND)) {
            return EventKind.SOCKET_BIND;
        }
        if (record.typeIs(T_SOCKET_CONNECT)) {
            return EventKind.SOCKET_CONNECT;
        }
        if (record.typeIs(T_BPRM_CHECK) && record.hasFile) {
            return EventKind.EXEC;
        }
        return TsemKinds.of(record);
    }

    private void deliver(EventKind k, boolean blocking, Slot slot, long received, TsemModel model,
                         TsemTasks.Task execTask) {
        Mode mode = config.kinds().get(k);
        if (mode == null) {
            return;
        }
        String coefficient = model != null && k.isExtension() ? model.lastCoefficientHex() : null;
        long token = 0;
        if (mode == Mode.AUTH && blocking) {
            synchronized (slotLock) {
                slot.pending++;
            }
            token = slot.token;
        }
        // TSEM gives the open file's f_flags, which lack what the kernel keeps out of them
        // (O_CREAT, O_EXCL, O_NOCTTY, O_TRUNC, O_CLOEXEC): not the flags the call asked, so absent
        int openFlags = -1;
        raw.reset(k, mode, (int) record.pid, -1, record.ts > 0 ? record.ts : 0, received, token, openFlags);
        raw.source(record, blocking, received, coefficient);
        if (execTask != null) {
            raw.execOf(execTask.execPath, execTask.execPath.length, execTask.execOpenNanos,
                    (int) record.coe[TsemRecord.UID], (int) record.coe[TsemRecord.GID]);
        }
        if (mode == Mode.AUTH && !blocking) {
            raw.kernelDecision(RawEvent.KernelDecision.ALLOWED); // nothing waits: the handler only watches
        }
        if (record.hasSock || record.addrKind != TsemRecord.ADDR_NONE) {
            TsemAddresses.apply(record, raw, addressScratch);
        }
        sink.onEvent(raw);
    }
}
