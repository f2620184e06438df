package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.List;
import org.esf4j.api.EventType;
import org.esf4j.api.PolicyRule;
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

    PolicyMatcher(List<PolicyRule> rules) {
        List<byte[]> exec = new ArrayList<>();
        List<Long> inodes = new ArrayList<>();
        List<byte[]> open = new ArrayList<>();
        List<Integer> bind = new ArrayList<>();
        List<byte[]> uring = new ArrayList<>();
        List<Integer> ops = new ArrayList<>();
        for (PolicyRule r : rules) {
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
            }
        }
        execPaths = exec.toArray(new byte[0][]);
        execInodes = inodes.stream().mapToLong(Long::longValue).toArray();
        openDirs = open.toArray(new byte[0][]);
        bindRanges = bind.stream().mapToInt(Integer::intValue).toArray();
        uringPaths = uring.toArray(new byte[0][]);
        uringOps = ops.stream().mapToInt(Integer::intValue).toArray();
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
        EventType t = e.type();
        if (t == EventType.EXEC) {
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
        if (t == EventType.FILE_OPEN) {
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
        if (t == EventType.SOCKET_BIND) {
            for (int i = 0; i < bindRanges.length; i += 3) {
                int fam = bindRanges[i];
                if ((fam == 0 || fam == e.family()) && e.port() >= bindRanges[i + 1] && e.port() <= bindRanges[i + 2]) {
                    return true;
                }
            }
            return false;
        }
        for (int i = 0; i < uringPaths.length; i++) {
            if ((uringOps[i] == -1 || uringOps[i] == e.commandOp())
                    && Bytes.equals(e.targetPath(), e.targetPathLength(), uringPaths[i])) {
                return true;
            }
        }
        return false;
    }
}
