package org.esf4j.testsuite;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The conformance workload ({@code workload.sh} in this module's resources) run under strace: a
 * real mix of what a watched machine does (coreutils with awkward arguments, scripts, vfork,
 * posix_spawn, execveat, fexecve, exec from a thread, a change of user, opens relative to a
 * directory descriptor, of directories, O_PATH, through symbolic links, of files renamed or
 * unlinked right after, binds and connects of IPv4, IPv6 and unix sockets, and, in full mode, a
 * make/gcc build, git and a Debian package built and unpacked), in a directory of the test's own.
 * The programs it runs are copied into {@code DIR/bin}, so that a backend scoped to that file system
 * sees their execs too.
 */
public final class Workload {

    /** The system calls strace records: what the witness needs, nothing more (seccomp-bpf filters the rest). */
    static final String TRACED = "execve,execveat,open,openat,openat2,creat,bind,connect,clone,clone3,fork,vfork,"
            + "chdir,fchdir,setresuid,setresgid,rename,renameat,renameat2,unlink,unlinkat,rmdir,link,linkat,symlink,"
            + "symlinkat";
    private static final List<String> PROGRAMS = List.of("echo", "cat", "cp", "ls", "true", "touch", "rm");

    /**
     * What a run left.
     *
     * @param log strace's log
     * @param exitCode the workload's exit status
     * @param tracerPid strace's pid (the first traced process's parent)
     * @param output what the workload printed
     */
    public record Run(Path log, int exitCode, long tracerPid, String output) {
    }

    private Workload() {
    }

    /**
     * Runs the workload in {@code dir} under strace.
     *
     * @param dir a directory of the test's own (on the watched file system)
     * @param rounds how many rounds of coreutils
     * @param full whether to build, commit and unpack too (slow under emulation)
     * @param unprivileged a {@code uid:gid} to run one program as, or ""
     * @return the run
     */
    public static Run run(Path dir, int rounds, boolean full, String unprivileged) throws IOException,
            InterruptedException {
        return run(dir, rounds, full, unprivileged, ProcessBuilder::start, true);
    }

    /** Starts the workload's process: by default {@link ProcessBuilder#start()}. */
    @FunctionalInterface
    public interface Starter {
        /**
         * @param pb the strace command, its directory, environment and redirections
         * @return the started process (strace's)
         */
        Process start(ProcessBuilder pb) throws IOException;
    }

    /**
     * {@link #run(Path, int, boolean, String)}, started by {@code starter} (a backend that sees only
     * the processes it starts, such as TSEM's, starts it inside its namespace), with or without
     * strace's seccomp-bpf filter (a source that holds processes with seccomp user notification
     * pre-empts strace's filter for the calls it holds, so strace must stop at every call instead).
     *
     * @param dir a directory of the test's own (on the watched file system)
     * @param rounds how many rounds of coreutils
     * @param full whether to build, commit and unpack too (slow under emulation)
     * @param unprivileged a {@code uid:gid} to run one program as, or ""
     * @param starter how to start strace
     * @param seccompBpf whether strace filters the calls it stops at with seccomp-bpf
     * @return the run
     */
    public static Run run(Path dir, int rounds, boolean full, String unprivileged, Starter starter, boolean seccompBpf)
            throws IOException, InterruptedException {
        Path bin = Files.createDirectories(dir.resolve("bin"));
        for (String p : PROGRAMS) {
            copy(Path.of("/usr/bin", p), bin.resolve(p));
        }
        copy(Path.of("/bin/sh").toRealPath(), bin.resolve("sh"));
        copy(Actor.path(), bin.resolve("actor"));
        Path script = dir.resolve("workload.sh");
        try (InputStream in = Workload.class.getResourceAsStream("workload.sh")) {
            Files.write(script, in.readAllBytes());
        }
        Path log = Files.createTempFile("esf4j-strace", ".log");
        try (Listener l4 = new Listener(InetAddress.getByName("127.0.0.1"));
             Listener l6 = Listener.maybe(InetAddress.getByName("::1"))) {
            List<String> cmd = new ArrayList<>(List.of("strace", "-f", "-ttt", "-T", "-qq", "-y", "-yy", "-X", "raw",
                    "-s", "65536", "-v", "--seccomp-bpf", "-e", "trace=" + TRACED, "-o", log.toString(),
                    "/bin/bash", script.toString()));
            if (!seccompBpf) {
                cmd.remove("--seccomp-bpf");
            }
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
            Map<String, String> env = pb.environment();
            env.put("DIR", dir.toString());
            env.put("ACTOR", bin.resolve("actor").toString());
            env.put("PORT4", Integer.toString(l4.port()));
            env.put("PORT6", Integer.toString(l6 == null ? 0 : l6.port()));
            env.put("ROUNDS", Integer.toString(rounds));
            env.put("FULL", full ? "1" : "0");
            env.put("UNPRIV", unprivileged);
            env.put("LC_ALL", "C.UTF-8");
            Process p = starter.start(pb);
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(Kernel.emulated() ? 1200 : 300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("the workload did not finish");
            }
            return new Run(log, p.exitValue(), p.pid(), new String(out, StandardCharsets.UTF_8));
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        Files.copy(from, to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        to.toFile().setExecutable(true, false);
    }

    /** Accepts and closes connections, so that the workload's connects succeed. */
    private static final class Listener implements AutoCloseable {
        private final ServerSocket server;
        private final Thread thread;

        Listener(InetAddress address) throws IOException {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(address, 0));
            thread = new Thread(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept()) {
                        s.getInputStream().available();
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "esf4j-workload-listener");
            thread.setDaemon(true);
            thread.start();
        }

        /** A listener on an address this host may not have (IPv6 loopback in the guests), or null. */
        static Listener maybe(InetAddress address) {
            try {
                return new Listener(address);
            } catch (IOException e) {
                return null;
            }
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }
}
