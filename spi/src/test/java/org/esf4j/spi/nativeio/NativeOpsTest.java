package org.esf4j.spi.nativeio;

import static org.esf4j.spi.nativeio.Epoll.*;
import static org.esf4j.spi.nativeio.Fanotify.*;
import static org.esf4j.spi.nativeio.Fcntl.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntSupplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link NativeOps} call against the real kernel, once per binding usable in this JVM:
 * JNA always, FFM on JDK 22+ (where it must work, so a failure to load it fails the test).
 * Results are cross-checked with the JDK ({@code ProcessHandle}, {@code Files.getAttribute}) and
 * {@code /proc}. Needs no particular privilege: root-only calls expect {@code EPERM} otherwise.
 */
class NativeOpsTest {

    static Stream<String> bindings() {
        return Runtime.version().feature() >= 22 ? Stream.of("jna", "ffm") : Stream.of("jna");
    }

    /** The compile command that makes the FFM downcalls allocation-free in every JIT outcome. */
    static final String FFM_INLINE = "inline,jdk.internal.foreign.abi.SharedUtils::checkNative";

    @TempDir
    Path tmp;

    private static boolean root() throws Exception {
        return Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElseThrow().split("\\s+")[2].equals("0");
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void bindingName(String binding) {
        assertEquals(binding, Natives.load(binding).binding());
    }

    /** SCHED_FIFO for the calling thread only, as /proc/thread-self/stat shows it (policy, field 41). */
    @ParameterizedTest
    @MethodSource("bindings")
    void fifoSchedulingOfTheCallingThread(String binding) throws Exception {
        NativeOps ops = Natives.load(binding);
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int rc = ops.setFifo(3);
            try {
                String stat = Files.readString(Path.of("/proc/thread-self/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                seen.set(rc + " " + f[41 - 3] + " " + f[40 - 3]); // policy, rt_priority
            } catch (Exception e) {
                seen.set(e.toString());
            }
        });
        t.start();
        t.join();
        if (root()) {
            assertEquals("0 1 3", seen.get(), "rc, SCHED_FIFO (1), priority 3");
        } else {
            assertEquals(-Errno.EPERM, Integer.parseInt(seen.get().split(" ")[0]), seen.get());
        }
        String self = Files.readString(Path.of("/proc/thread-self/stat"));
        assertEquals("0", self.substring(self.lastIndexOf(')') + 2).split(" ")[41 - 3], "only that thread");
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void getpidAndGettid(String binding) throws Exception {
        NativeOps ops = Natives.load(binding);
        int pid = ops.getpid();
        assertEquals(ProcessHandle.current().pid(), pid);
        AtomicReference<String> seen = new AtomicReference<>();
        Thread t = new Thread(() -> {
            int tid = ops.gettid();
            try {
                seen.set(tid + " " + Files.readSymbolicLink(Path.of("/proc/thread-self")));
            } catch (Exception e) {
                seen.set(e.toString());
            }
        });
        t.start();
        t.join();
        String[] s = seen.get().split(" ");
        int tid = Integer.parseInt(s[0]);
        assertTrue(tid > 0, seen.get());
        assertNotEquals(pid, tid, "a new thread has its own tid");
        assertEquals(pid + "/task/" + tid, s[1]);
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void openMissingPathIsEnoent(String binding) {
        NativeOps ops = Natives.load(binding);
        try (NativeBuffer b = ops.allocate(256)) {
            assertEquals(-Errno.ENOENT, ops.open(b.putCString(0, tmp + "/missing"), O_RDONLY | O_CLOEXEC, 0));
        }
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void fileRoundTripReadlinkFstatStat(String binding) throws Exception {
        NativeOps ops = Natives.load(binding);
        Path p = tmp.resolve("data");
        byte[] hello = "hello, kernel".getBytes(StandardCharsets.UTF_8);
        try (NativeBuffer b = ops.allocate(8192)) {
            ByteBuffer bb = b.buffer();
            long path = b.putCString(0, p.toString());
            int fd = ops.open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
            assertTrue(fd >= 0, Errno.describe(-fd));
            bb.put(1024, hello);
            assertEquals(hello.length, ops.write(fd, b.address() + 1024, hello.length));
            bb.put(1024, "J".getBytes(StandardCharsets.UTF_8));
            assertEquals(1, ops.pwrite(fd, b.address() + 1024, 1, 0), "pwrite at 0");
            assertEquals(hello.length, ops.lseek(fd, 0, 1), "pwrite leaves the position alone");
            assertEquals(0, ops.close(fd));
            hello[0] = 'J';
            assertEquals(0600, (Integer) Files.getAttribute(p, "unix:mode") & 0777, "open's variadic mode argument");

            fd = ops.open(path, O_RDONLY | O_CLOEXEC, 0);
            assertTrue(fd >= 0, Errno.describe(-fd));
            assertEquals(hello.length, ops.read(fd, b.address() + 2048, 4096));
            byte[] got = new byte[hello.length];
            bb.get(2048, got);
            assertArrayEquals(hello, got);
            assertEquals(0, ops.read(fd, b.address() + 2048, 4096), "EOF");
            assertEquals(0, ops.lseek(fd, 0, 0), "lseek(0, SEEK_SET)");
            assertEquals(hello.length, ops.read(fd, b.address() + 2048, 4096), "read again after lseek");
            assertEquals(-Errno.EINVAL, ops.lseek(fd, -1, 0));

            long link = b.putCString(512, "/proc/self/fd/" + fd);
            long n = ops.readlink(link, b.address() + 4096, 4096);
            byte[] target = new byte[(int) n];
            bb.get(4096, target);
            assertEquals(p.toRealPath().toString(), new String(target, StandardCharsets.UTF_8));

            int statAt = 6144;
            assertEquals(0, ops.fstat(fd, b.address() + statAt));
            assertStat(p, bb, statAt, hello.length);
            int dup = ops.dupCloexec(fd);
            assertTrue(dup >= 0 && dup != fd, "dup " + dup);
            assertEquals(0, ops.close(fd));
            assertEquals(hello.length, ops.pread(dup, b.address() + 2048, 4096, 0), "the same open file");
            assertEquals(0, ops.close(dup));
            assertEquals(-Errno.EBADF, ops.dupCloexec(dup));
            fd = ops.open(path, O_RDONLY | O_CLOEXEC, 0);
            assertEquals(0, ops.close(fd));

            bb.put(statAt, new byte[StructStat.SIZE]);
            assertEquals(0, ops.stat(path, b.address() + statAt));
            assertStat(p, bb, statAt, hello.length);
            assertEquals(-Errno.ENOENT, ops.stat(b.putCString(0, tmp + "/missing"), b.address() + statAt));
        }
    }

    private static void assertStat(Path p, ByteBuffer bb, int at, int size) throws Exception {
        assertEquals(Files.getAttribute(p, "unix:ino"), bb.getLong(at + StructStat.ST_INO));
        assertEquals(Files.getAttribute(p, "unix:dev"), bb.getLong(at + StructStat.ST_DEV));
        assertEquals(size, bb.getLong(at + StructStat.ST_SIZE));
        assertEquals(Files.getAttribute(p, "unix:mode"), bb.getInt(at + StructStat.ST_MODE));
        assertEquals(Files.getAttribute(p, "unix:uid"), bb.getInt(at + StructStat.ST_UID));
        assertEquals(Files.getAttribute(p, "unix:gid"), bb.getInt(at + StructStat.ST_GID));
        long nlink = StructStat.ST_NLINK_SIZE == 8 ? bb.getLong(at + StructStat.ST_NLINK) : bb.getInt(at + StructStat.ST_NLINK);
        assertEquals(((Number) Files.getAttribute(p, "unix:nlink")).longValue(), nlink);
        long mtimeNanos = bb.getLong(at + StructStat.ST_MTIM) * 1_000_000_000L + bb.getLong(at + StructStat.ST_MTIM + 8);
        assertEquals(Files.getLastModifiedTime(p).to(java.util.concurrent.TimeUnit.MICROSECONDS), mtimeNanos / 1000);
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void epollAndEventfd(String binding) {
        NativeOps ops = Natives.load(binding);
        int ep = ops.epollCreate1(EPOLL_CLOEXEC);
        int efd = ops.eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        assertTrue(ep >= 0 && efd >= 0, ep + " " + efd);
        try (NativeBuffer b = ops.allocate(EpollEvent.SIZE * 4 + 8)) {
            ByteBuffer bb = b.buffer();
            long events = b.address() + 8;
            long data = 0x1122_3344_5566_7788L;
            assertEquals(0, ops.epollCtl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, data));
            assertEquals(0, ops.epollWait(ep, events, 4, 0), "nothing ready yet");
            assertEquals(-Errno.EAGAIN, ops.read(efd, b.address(), 8), "empty non-blocking eventfd");
            bb.putLong(0, 1);
            assertEquals(8, ops.write(efd, b.address(), 8));
            assertEquals(1, ops.epollWait(ep, events, 4, 1000));
            assertEquals(EPOLLIN, bb.getInt(8 + EpollEvent.EVENTS) & EPOLLIN);
            assertEquals(data, bb.getLong(8 + EpollEvent.DATA));
            assertEquals(-Errno.EEXIST, ops.epollCtl(ep, EPOLL_CTL_ADD, efd, EPOLLIN, 0));
            assertEquals(0, ops.epollCtl(ep, EPOLL_CTL_DEL, efd, 0, 0));
            assertEquals(0, ops.epollWait(ep, events, 4, 0));
        } finally {
            assertEquals(0, ops.close(efd));
            assertEquals(0, ops.close(ep));
        }
    }

    /**
     * socket, bind, setsockopt/getsockopt, sendto and recvfrom over an abstract-namespace
     * AF_UNIX datagram socket that sends to itself (the netlink calls of the audit backend use
     * the same six functions).
     */
    @ParameterizedTest
    @MethodSource("bindings")
    void datagramSocketRoundTrip(String binding) {
        final int afUnix = 1, sockDgram = 2, sockCloexec = 0x80000, solSocket = 1, soRcvbuf = 8, msgDontwait = 0x40;
        NativeOps ops = Natives.load(binding);
        int fd = ops.socket(afUnix, sockDgram | sockCloexec, 0);
        assertTrue(fd >= 0, "socket: " + fd);
        try (NativeBuffer b = ops.allocate(512)) {
            ByteBuffer bb = b.buffer();
            long addr = b.address(), data = addr + 128, from = addr + 256, len = addr + 384, opt = addr + 392;
            byte[] name = ("esf4j-test-" + ops.getpid() + "-" + binding).getBytes(StandardCharsets.US_ASCII);
            bb.putShort(0, (short) afUnix); // sun_family, then sun_path[0] = 0: abstract name
            bb.put(3, name);
            int addrLen = 3 + name.length;
            assertEquals(0, ops.bind(fd, addr, addrLen));
            bb.putInt(392, 65536);
            assertEquals(0, ops.setsockopt(fd, solSocket, soRcvbuf, opt, 4));
            bb.putInt(392, 0);
            bb.putInt(384, 4);
            assertEquals(0, ops.getsockopt(fd, solSocket, soRcvbuf, opt, len));
            assertEquals(4, bb.getInt(384));
            assertEquals(2 * 65536, bb.getInt(392), "the kernel doubles SO_RCVBUF");
            assertEquals(-Errno.EAGAIN, ops.recvfrom(fd, data, 64, msgDontwait, 0, 0), "nothing queued yet");
            bb.put(128, "hello".getBytes(StandardCharsets.US_ASCII));
            assertEquals(5, ops.sendto(fd, data, 5, 0, addr, addrLen));
            bb.putInt(384, 128);
            assertEquals(5, ops.recvfrom(fd, data + 64, 64, 0, from, len));
            byte[] got = new byte[5];
            bb.get(192, got);
            assertEquals("hello", new String(got, StandardCharsets.US_ASCII));
            assertEquals(addrLen, bb.getInt(384), "the sender's address is ours");
            assertEquals(-Errno.EBADF, ops.sendto(1_000_000, data, 1, 0, 0, 0));
            assertEquals(-Errno.EINVAL, ops.setsockopt(fd, solSocket, soRcvbuf, opt, 1));
        } finally {
            assertEquals(0, ops.close(fd));
        }
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void closeOfBadFdIsEbadf(String binding) {
        assertEquals(-Errno.EBADF, Natives.load(binding).close(1_000_000));
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void fanotifyInitAndMark(String binding) throws Exception {
        NativeOps ops = Natives.load(binding);
        int fd = ops.fanotifyInit(FAN_CLASS_NOTIF | FAN_CLOEXEC, O_RDONLY);
        if (!root()) {
            assertEquals(-Errno.EPERM, fd);
            return;
        }
        assertTrue(fd >= 0, Errno.describe(-fd));
        ops.close(fd);
        fd = ops.fanotifyInit(FAN_CLASS_NOTIF | FAN_CLOEXEC | FAN_NONBLOCK, O_RDONLY | O_LARGEFILE);
        assertTrue(fd >= 0, Errno.describe(-fd));
        try (NativeBuffer b = ops.allocate(4096)) {
            long path = b.putCString(0, tmp.toString());
            assertEquals(-Errno.EBADF, ops.fanotifyMark(1_000_000, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, path));
            assertEquals(-Errno.EINVAL, ops.fanotifyMark(fd, FAN_MARK_ADD, 1L << 40, AT_FDCWD, path), "upper 32 bits");
            assertEquals(-Errno.EAGAIN, ops.read(fd, b.address(), 4096), "no event yet");
            assertEquals(0, ops.fanotifyMark(fd, FAN_MARK_ADD, FAN_CLOSE_WRITE | FAN_EVENT_ON_CHILD, AT_FDCWD, path));
            Files.writeString(tmp.resolve("x"), "x");
            long n = ops.read(fd, b.address(), 4096); // queued synchronously by the close above
            assertTrue(n >= FAN_EVENT_METADATA_LEN, "read " + n);
            ByteBuffer bb = b.buffer();
            assertEquals(FANOTIFY_METADATA_VERSION, bb.get(METADATA_VERS));
            assertEquals(FAN_CLOSE_WRITE, bb.getLong(METADATA_MASK) & FAN_CLOSE_WRITE);
            assertEquals(ops.getpid(), bb.getInt(METADATA_PID));
            int eventFd = bb.getInt(METADATA_FD);
            assertTrue(eventFd >= 0);
            assertEquals(0, ops.close(eventFd));
        } finally {
            assertEquals(0, ops.close(fd));
        }
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void killMountAndAffinity(String binding) throws Exception {
        NativeOps ops = Natives.load(binding);
        assertEquals(0, ops.kill(ops.getpid(), 0));
        assertEquals(-Errno.ESRCH, ops.kill(Integer.MAX_VALUE, 0));
        assertEquals(-Errno.EINVAL, ops.setAffinity(0));
        AtomicReference<String> pinned = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                String allowed = status("Cpus_allowed_list");
                int cpu = Integer.parseInt(allowed.split("[-,]")[0]);
                int rc = cpu < 64 ? ops.setAffinity(1L << cpu) : 0;
                pinned.set(rc + " " + (cpu < 64 ? String.valueOf(cpu) : allowed) + " " + status("Cpus_allowed_list"));
            } catch (Exception e) {
                pinned.set(e.toString());
            }
        });
        t.start();
        t.join();
        String[] s = pinned.get().split(" ");
        assertEquals("0", s[0], pinned.get());
        assertEquals(s[1], s[2], "the thread runs only on the chosen CPU");

        Path dir = Files.createDirectory(tmp.resolve("mnt"));
        try (NativeBuffer b = ops.allocate(4096)) {
            long target = b.putCString(0, dir.toString());
            int rc = ops.mount(b.putCString(1024, "esf4j-native-test"), target, b.putCString(2048, "tmpfs"), 0,
                    b.putCString(3072, "size=1m"));
            if (!root()) {
                assertEquals(-Errno.EPERM, rc);
                return;
            }
            assertEquals(0, rc, () -> Errno.describe(-rc));
            try {
                assertNotEquals(Files.getAttribute(tmp, "unix:dev"), Files.getAttribute(dir, "unix:dev"));
            } finally {
                assertEquals(0, ops.umount2(target, 0));
            }
            assertEquals(-Errno.EINVAL, ops.umount2(target, 0), "no longer a mount point");
        }
    }

    private static String status(String key) throws Exception {
        return Files.readAllLines(Path.of("/proc/thread-self/status")).stream()
                .filter(l -> l.startsWith(key + ":")).findFirst().orElseThrow().split(":\\s*")[1].trim();
    }

    @ParameterizedTest
    @MethodSource("bindings")
    void allocateGivesZeroedLittleEndianMemory(String binding) {
        NativeOps ops = Natives.load(binding);
        NativeBuffer b = ops.allocate(1000);
        assertEquals(1000, b.size());
        assertTrue(b.address() != 0 && b.address() % 16 == 0, "16-byte aligned");
        ByteBuffer bb = b.buffer();
        assertSame(bb, b.buffer());
        assertEquals(ByteOrder.LITTLE_ENDIAN, bb.order());
        assertEquals(1000, bb.capacity());
        for (int i = 0; i < 1000; i++) {
            assertEquals(0, bb.get(i));
        }
        bb.putInt(0, 0x0403_0201);
        assertEquals(1, bb.get(0));
        long s = b.putCString(10, "abc");
        assertEquals(b.address() + 10, s);
        assertEquals(0, bb.get(13));
        assertThrows(IllegalArgumentException.class, () -> b.putCString(998, "abc"));
        b.close();
        b.close(); // idempotent
        assertThrows(IllegalArgumentException.class, () -> ops.allocate(0));
    }

    /** Two threads fail with different errnos at the same time; each must see its own. */
    @ParameterizedTest
    @MethodSource("bindings")
    void errnoIsPerThread(String binding) throws Exception {
        NativeOps ops = Natives.load(binding);
        try (NativeBuffer b = ops.allocate(256)) {
            long missing = b.putCString(0, tmp + "/missing");
            List<String> failures = java.util.Collections.synchronizedList(new ArrayList<>());
            CyclicBarrier start = new CyclicBarrier(3);
            Thread t1 = loop(start, failures, () -> ops.open(missing, O_RDONLY, 0), -Errno.ENOENT);
            Thread t2 = loop(start, failures, () -> ops.close(1_000_000), -Errno.EBADF);
            Thread t3 = loop(start, failures, () -> ops.kill(Integer.MAX_VALUE, 0), -Errno.ESRCH);
            t1.join();
            t2.join();
            t3.join();
            assertEquals(List.of(), failures);
        }
    }

    private static Thread loop(CyclicBarrier start, List<String> failures, IntSupplier call, int expected) {
        Thread t = new Thread(() -> {
            try {
                start.await();
                for (int i = 0; i < 5000; i++) {
                    int rc = call.getAsInt();
                    if (rc != expected) {
                        failures.add("iteration " + i + ": " + rc + " instead of " + expected);
                        return;
                    }
                }
            } catch (Exception e) {
                failures.add(e.toString());
            }
        });
        t.start();
        return t;
    }

    /**
     * The hot-path calls allocate nothing on the Java heap once compiled. Measured in a child JVM
     * that uses one binding only, as production does (call sites shared by both bindings, as in
     * this JVM, profile differently).
     *
     * <p>FFM: the JDK slices the errno capture segment on every call
     * ({@code SharedUtils.checkCaptureSegment}) and C2 scalar-replaces the slice only when it
     * inlines {@code SharedUtils.checkNative} (38 bytes, above MaxInlineSize). In about one JVM
     * in 30 it does not, and one call site then allocates 40 bytes per call; the child therefore
     * runs with the compile command the FFM binding's Javadoc recommends (which makes it rarer, not
     * impossible).
     */
    @ParameterizedTest
    @MethodSource("bindings")
    void hotPathAllocatesNothing(String binding) throws Exception {
        Path p = Files.writeString(tmp.resolve("hot"), "0123456789");
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED"));
        if (binding.equals("ffm")) {
            cmd.addAll(List.of("-XX:CompileCommand=quiet", "-XX:CompileCommand=" + FFM_INLINE));
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), HotPath.class.getName(), binding, p.toString()));
        // The JIT's inlining decisions differ from one JVM to the next (on a loaded machine, one
        // call site stayed uninlined in about one JVM in 20 despite the compile command): the
        // claim is that the compiled calls allocate nothing, so one of three fresh JVMs must show it.
        List<String> lines = new ArrayList<>();
        for (int attempt = 0; attempt < 3; attempt++) {
            Process child = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(child.waitFor(120, java.util.concurrent.TimeUnit.SECONDS), "child hung: " + out);
            assertEquals(0, child.exitValue(), out);
            String line = out.lines().filter(l -> l.startsWith("allocated=")).findFirst()
                    .orElseThrow(() -> new AssertionError(out));
            lines.add(line);
            long allocated = Long.parseLong(line.substring("allocated=".length(), line.indexOf(' ')));
            // A per-call allocation would be >= 16 bytes x 160,000 calls.
            if (allocated < 16 * 1024) {
                return;
            }
        }
        throw new AssertionError("every JVM allocated on the hot path: " + lines);
    }

    /** Child JVM: rounds of the hot-path calls until one round allocates (almost) nothing. */
    public static final class HotPath {
        public static void main(String[] args) {
            NativeOps ops = Natives.load(args[0]);
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            int ep = ops.epollCreate1(EPOLL_CLOEXEC);
            try (NativeBuffer b = ops.allocate(8192)) {
                long buf = b.address();
                long path = b.putCString(0, args[1]);
                int fd = ops.open(path, O_RDONLY | O_CLOEXEC, 0);
                long link = b.putCString(512, "/proc/self/fd/" + fd);
                // One small lambda per call, as in a real poll loop.
                List<java.util.function.LongSupplier> calls = List.of(
                    () -> ops.read(fd, buf + 1024, 16), // at EOF after the first call: 0
                    () -> ops.write(1_000_000, buf + 1024, 8), // EBADF
                    () -> ops.readlink(link, buf + 2048, 1024),
                    () -> ops.fstat(fd, buf + 4096),
                    () -> ops.epollWait(ep, buf + 6144, 4, 0),
                    () -> ops.fanotifyMark(1_000_000, FAN_MARK_ADD, FAN_OPEN, AT_FDCWD, path), // EBADF
                    () -> ops.epollCtl(ep, EPOLL_CTL_ADD, 1_000_000, EPOLLIN, 1), // EBADF
                    () -> ops.close(1_000_000)); // EBADF
                long sink = 0;
                long allocated = -1;
                // Before the JIT has compiled the calls, the interpreter allocates.
                for (int round = 0; round < 30 && (allocated < 0 || allocated >= 16 * 1024); round++) {
                    long before = mx.getCurrentThreadAllocatedBytes();
                    for (java.util.function.LongSupplier call : calls) {
                        sink += drive(call);
                    }
                    allocated = mx.getCurrentThreadAllocatedBytes() - before;
                }
                System.out.println("allocated=" + allocated + " bytes by 160,000 " + ops.binding() + " calls (" + sink + ")");
                ops.close(fd);
            } finally {
                ops.close(ep);
            }
        }

        private static long drive(java.util.function.LongSupplier call) {
            long r = 0;
            for (int i = 0; i < 20_000; i++) {
                r += call.getAsLong();
            }
            return r;
        }
    }
}
