package org.esf4j.spi.engine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.esf4j.api.DenyConnect;
import org.esf4j.api.EventKind;
import org.esf4j.api.IpLiterals;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.Rule;
import org.esf4j.spi.RawEvent;
import org.esf4j.spi.nativeio.Natives;
import org.esf4j.spi.process.ExecFiles;
import org.esf4j.spi.process.ProcessModel;

/**
 * The client's declarative deny rules, evaluated in the engine on the reader thread without
 * allocation, before muting, the cache and any handler (a muted process cannot escape a deny
 * rule). Backends that evaluate the rules in the kernel deliver such events already decided.
 *
 * <p>A rule binds to the object its path names when the rule is applied, not only to the name:
 * <ul>
 *   <li>a file (exec or open rule) is matched by its path <em>and</em> by its identity (device,
 *       inode) as it was then, so a hard link to it or a rename of it is still denied, and so is
 *       another file later put under the path;</li>
 *   <li>an exec rule on a dynamically linked ELF file also denies the file's own loader (its
 *       {@code PT_INTERP}) opening it, which is how {@code ld.so FILE} runs a program without an
 *       exec of it (seen only by a client that subscribes to opens in AUTH mode);</li>
 *   <li>a directory means everything under it, by path (a file moved out of it is no longer
 *       under it: deny the file itself to follow it);</li>
 *   <li>a path that does not exist is refused ({@link IllegalArgumentException}): a rule that can
 *       never match must not look like protection.</li>
 * </ul>
 */
final class PolicyMatcher {

    private final byte[][] execPaths;
    private final byte[][] execDirs;
    private final long[] execInodes; // pairs: device, inode
    private final long[] loaderInodes; // pairs: device, inode of files whose loader may not open them
    private final String[] loaders; // the canonical path of each such file's loader
    private final long[] openInodes; // pairs: device, inode
    private final byte[][] openDirs;
    private final int[] bindRanges; // triples: family, low, high
    private final byte[][] uringPaths;
    private final int[] uringOps;
    private final DenyConnect[] connects;
    private final byte[][] connectNets;
    private final int[] connectPrefixes;

    PolicyMatcher(List<? extends Rule> rules) {
        List<byte[]> exec = new ArrayList<>();
        List<byte[]> execDir = new ArrayList<>();
        List<Long> inodes = new ArrayList<>();
        List<Long> loaderIds = new ArrayList<>();
        List<String> loader = new ArrayList<>();
        List<Long> openIds = new ArrayList<>();
        List<byte[]> open = new ArrayList<>();
        List<Integer> bind = new ArrayList<>();
        List<byte[]> uring = new ArrayList<>();
        List<Integer> ops = new ArrayList<>();
        List<DenyConnect> connect = new ArrayList<>();
        for (Rule r : rules) {
            if (r instanceof PolicyRule.DenyExecPath p) {
                Target t = Target.of(p.path(), "exec");
                if (t.directory) {
                    execDir.add(Bytes.utf8(stripSlash(p.path())));
                } else {
                    exec.add(Bytes.utf8(p.path()));
                    inodes.add(t.device);
                    inodes.add(t.inode);
                    String l = loaderOf(p.path());
                    if (l != null) {
                        loaderIds.add(t.device);
                        loaderIds.add(t.inode);
                        loader.add(l);
                    }
                }
            } else if (r instanceof PolicyRule.DenyExecInode i) {
                inodes.add(i.device());
                inodes.add(i.inode());
            } else if (r instanceof PolicyRule.DenyOpenPrefix o) {
                Target t = Target.of(o.pathPrefix(), "open");
                open.add(Bytes.utf8(stripSlash(o.pathPrefix())));
                if (!t.directory) {
                    openIds.add(t.device);
                    openIds.add(t.inode);
                }
            } else if (r instanceof PolicyRule.DenyBindPorts b) {
                bind.add(b.family());
                bind.add(b.low());
                bind.add(b.high());
            } else if (r instanceof PolicyRule.DenyUringCmd u) {
                uring.add(Bytes.utf8(u.path()));
                ops.add(u.op());
            } else if (r instanceof DenyConnect c) {
                connect.add(c);
            } else {
                throw new IllegalArgumentException("this engine cannot evaluate rule " + r);
            }
        }
        execPaths = exec.toArray(new byte[0][]);
        execDirs = execDir.toArray(new byte[0][]);
        execInodes = longs(inodes);
        loaderInodes = longs(loaderIds);
        loaders = loader.toArray(new String[0]);
        openInodes = longs(openIds);
        openDirs = open.toArray(new byte[0][]);
        bindRanges = bind.stream().mapToInt(Integer::intValue).toArray();
        uringPaths = uring.toArray(new byte[0][]);
        uringOps = ops.stream().mapToInt(Integer::intValue).toArray();
        connects = connect.toArray(new DenyConnect[0]);
        connectNets = new byte[connects.length][];
        connectPrefixes = new int[connects.length];
        for (int i = 0; i < connects.length; i++) {
            connectNets[i] = connects[i].addressBytes();
            connectPrefixes[i] = connects[i].prefixLength();
        }
    }

    private static long[] longs(List<Long> l) {
        return l.stream().mapToLong(Long::longValue).toArray();
    }

    /** What a rule's path names when the rule is applied (symbolic links followed). */
    private record Target(long device, long inode, boolean directory) {
        static Target of(String path, String what) {
            try {
                Map<String, Object> a = Files.readAttributes(Path.of(path), "unix:dev,ino,mode");
                int mode = (Integer) a.get("mode");
                return new Target(((Number) a.get("dev")).longValue(), ((Number) a.get("ino")).longValue(),
                        (mode & 0xf000) == 0x4000);
            } catch (NoSuchFileException e) {
                throw new IllegalArgumentException("deny-" + what + " rule on '" + path
                        + "': no such file or directory (a rule binds to the file its path names when it is applied)");
            } catch (IOException | UnsupportedOperationException e) {
                throw new IllegalArgumentException("deny-" + what + " rule on '" + path + "': cannot stat it: " + e);
            }
        }
    }

    /**
     * The canonical path of the loader an ELF file names ({@code PT_INTERP}), or null for a static
     * file, a script, or a file that cannot be read.
     */
    private static String loaderOf(String path) {
        if (!Natives.isAvailable()) {
            return null;
        }
        String interp;
        try (ExecFiles f = new ExecFiles(Natives.get())) {
            interp = f.interpreter(Path.of(path));
            if (interp == null || interp.isEmpty() || f.script()) {
                return null;
            }
        }
        try {
            return Path.of(interp).toRealPath().toString();
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String stripSlash(String p) {
        String s = p;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /**
     * @param e the event
     * @param model the process model (read only when a file's loader rule needs the acting process)
     * @return true when some rule denies the event
     */
    boolean denies(RawEvent e, ProcessModel model) {
        EventKind k = e.kind();
        if (k == EventKind.EXEC) {
            return matchesPath(e, execPaths, false) || matchesPath(e, execDirs, true) || matchesId(e, execInodes) >= 0;
        }
        if (k == EventKind.FILE_OPEN) {
            if (matchesPath(e, openDirs, true) || matchesId(e, openInodes) >= 0) {
                return true;
            }
            int i = matchesId(e, loaderInodes);
            if (i >= 0) {
                // rare: only opens of a file an exec rule names look at the acting process
                return e.process(model).executable().equals(loaders[i / 2]);
            }
            return false;
        }
        if (k == EventKind.SOCKET_BIND) {
            for (int i = 0; i < bindRanges.length; i += 3) {
                int fam = bindRanges[i];
                if ((fam == 0 || fam == e.family()) && e.port() >= bindRanges[i + 1] && e.port() <= bindRanges[i + 2]) {
                    return true;
                }
            }
            return false;
        }
        if (k == EventKind.SOCKET_CONNECT) {
            for (int i = 0; i < connects.length; i++) {
                DenyConnect c = connects[i];
                if (e.port() >= c.lowPort() && e.port() <= c.highPort()
                        && IpLiterals.contains(connectNets[i], connectPrefixes[i], e.address(), e.addressLength())) {
                    return true;
                }
            }
            return false;
        }
        if (k == EventKind.URING_CMD) {
            for (int i = 0; i < uringPaths.length; i++) {
                if ((uringOps[i] == -1 || uringOps[i] == e.commandOp())
                        && Bytes.equals(e.targetPath(), e.targetPathLength(), uringPaths[i])) {
                    return true;
                }
            }
        }
        return false;
    }

    private static boolean matchesPath(RawEvent e, byte[][] paths, boolean under) {
        if (paths.length == 0) {
            return false;
        }
        byte[] p = e.targetPath();
        int n = e.targetPathLength();
        for (byte[] x : paths) {
            if (under ? Bytes.atOrUnder(p, n, x) : Bytes.equals(p, n, x)) {
                return true;
            }
        }
        return false;
    }

    /** @return the index of the pair of {@code ids} the event's file is, or -1 */
    private static int matchesId(RawEvent e, long[] ids) {
        for (int i = 0; i < ids.length; i += 2) {
            if (e.inode() == ids[i + 1] && e.device() == ids[i] && e.inode() != 0) {
                return i;
            }
        }
        return -1;
    }
}
