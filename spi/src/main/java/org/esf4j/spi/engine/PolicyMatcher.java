package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.List;
import org.esf4j.api.DenyConnect;
import org.esf4j.api.EventKind;
import org.esf4j.api.IpLiterals;
import org.esf4j.api.PolicyRule;
import org.esf4j.api.Rule;
import org.esf4j.spi.RawEvent;

/**
 * The client's declarative deny rules, evaluated in the engine on the reader thread without
 * allocation, before muting, the cache and any handler (a muted process cannot escape a deny
 * rule). Backends that evaluate the rules in the kernel deliver such events already decided.
 */
final class PolicyMatcher {

    private final byte[][] execPaths;
    private final long[] execInodes; // pairs: device, inode
    private final byte[][] openDirs;
    private final int[] bindRanges; // triples: family, low, high
    private final byte[][] uringPaths;
    private final int[] uringOps;
    private final DenyConnect[] connects;
    private final byte[][] connectNets;
    private final int[] connectPrefixes;

    PolicyMatcher(List<? extends Rule> rules) {
        List<byte[]> exec = new ArrayList<>();
        List<Long> inodes = new ArrayList<>();
        List<byte[]> open = new ArrayList<>();
        List<Integer> bind = new ArrayList<>();
        List<byte[]> uring = new ArrayList<>();
        List<Integer> ops = new ArrayList<>();
        List<DenyConnect> connect = new ArrayList<>();
        for (Rule r : rules) {
            if (r instanceof PolicyRule.DenyExecPath p) {
                exec.add(Bytes.utf8(p.path()));
            } else if (r instanceof PolicyRule.DenyExecInode i) {
                inodes.add(i.device());
                inodes.add(i.inode());
            } else if (r instanceof PolicyRule.DenyOpenPrefix o) {
                open.add(Bytes.utf8(stripSlash(o.pathPrefix())));
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
        execInodes = inodes.stream().mapToLong(Long::longValue).toArray();
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

    private static String stripSlash(String p) {
        String s = p;
        while (s.length() > 1 && s.endsWith("/")) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    /** @return true when some rule denies the event */
    boolean denies(RawEvent e) {
        EventKind k = e.kind();
        if (k == EventKind.EXEC) {
            if (execPaths.length > 0) {
                byte[] p = e.targetPath();
                int n = e.targetPathLength();
                for (byte[] x : execPaths) {
                    if (Bytes.equals(p, n, x)) {
                        return true;
                    }
                }
            }
            for (int i = 0; i < execInodes.length; i += 2) {
                if (e.inode() == execInodes[i + 1] && e.device() == execInodes[i]) {
                    return true;
                }
            }
            return false;
        }
        if (k == EventKind.FILE_OPEN) {
            if (openDirs.length > 0) {
                byte[] p = e.targetPath();
                int n = e.targetPathLength();
                for (byte[] d : openDirs) {
                    if (Bytes.atOrUnder(p, n, d)) {
                        return true;
                    }
                }
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
}
