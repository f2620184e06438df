package org.esf4j.api;

import java.util.Objects;

/**
 * A declarative deny rule of the four original kinds: the fastest path. Evaluated in the kernel
 * where the source can (BPF LSM maps), in the engine otherwise, always before any handler is
 * called. A matching AUTH event is denied with reason {@link VerdictReason#KERNEL_POLICY}. This set
 * is closed for good (a switch over it stays exhaustive); rules for kinds added since are
 * {@link Rule}s, e.g. {@link Rule#denyConnect(String, int, int)}.
 *
 * @since 0.1
 */
public sealed interface PolicyRule extends Rule {

    /**
     * The event type the rule applies to.
     *
     * @return the type
     */
    EventType type();

    @Override
    default EventKind kind() {
        return type().kind();
    }

    /**
     * Deny execution of the file at {@code path}, or of everything under it when it names a
     * directory. The rule binds to what the path names when the rule is applied (at
     * {@code newClient} or {@code updateRules}): a file is matched by its path and by its identity
     * (device and inode), so a hard link to it, a rename of it or a symbolic link to it is still
     * denied; a directory is matched by path, whole components, so a file moved out of it is no
     * longer under it. Running the file through its own dynamic loader ({@code ld.so FILE}) is
     * denied too: BPF LSM holds every executable mapping of the file to the rule in the kernel;
     * backends decided in the engine deny the loader's open of the file when the client also
     * subscribes to opens in AUTH mode. A path that does not exist then is refused with an
     * {@link IllegalArgumentException}: a rule that can never match must not look like protection.
     *
     * @param path an absolute path of a file or directory
     * @return the rule
     */
    static PolicyRule denyExec(String path) {
        return new DenyExecPath(path);
    }

    /**
     * Deny execution of the file with this identity (device and inode).
     *
     * @param device device number
     * @param inode inode number
     * @return the rule
     */
    static PolicyRule denyExecInode(long device, long inode) {
        return new DenyExecInode(device, inode);
    }

    /**
     * Deny opening files at or under {@code pathPrefix}: the path itself, or anything below it
     * when it names a directory (matching whole path components). As for {@link #denyExec}, a file
     * is matched by its identity too (hard links and renames do not escape the rule), and a path
     * that does not exist when the rule is applied is refused.
     *
     * @param pathPrefix a file or directory path
     * @return the rule
     */
    static PolicyRule denyOpen(String pathPrefix) {
        return new DenyOpenPrefix(pathPrefix);
    }

    /**
     * Deny binding to a port in {@code [low, high]} for a family (0 = any).
     *
     * @param family {@code AF_INET} 2, {@code AF_INET6} 10, or 0 for both
     * @param low first port
     * @param high last port
     * @return the rule
     */
    static PolicyRule denyBind(int family, int low, int high) {
        return new DenyBindPorts(family, low, high);
    }

    /**
     * Deny io_uring command {@code op} on the file at {@code path} ({@code op} -1 = any).
     *
     * @param path target path
     * @param op command op, or -1
     * @return the rule
     */
    static PolicyRule denyUringCmd(String path, int op) {
        return new DenyUringCmd(path, op);
    }

    /**
     * Deny exec by path.
     *
     * @param path executable path
     */
    record DenyExecPath(String path) implements PolicyRule {
        /**
         * Validates.
         *
         * @param path path
         */
        public DenyExecPath {
            requireAbsolute(path);
        }

        @Override
        public EventType type() {
            return EventType.EXEC;
        }
    }

    /**
     * Deny exec by file identity.
     *
     * @param device device
     * @param inode inode
     */
    record DenyExecInode(long device, long inode) implements PolicyRule {
        @Override
        public EventType type() {
            return EventType.EXEC;
        }
    }

    /**
     * Deny open under a prefix.
     *
     * @param pathPrefix path prefix
     */
    record DenyOpenPrefix(String pathPrefix) implements PolicyRule {
        /**
         * Validates.
         *
         * @param pathPrefix prefix
         */
        public DenyOpenPrefix {
            requireAbsolute(pathPrefix);
        }

        @Override
        public EventType type() {
            return EventType.FILE_OPEN;
        }
    }

    /**
     * Deny bind to ports.
     *
     * @param family family or 0
     * @param low low port
     * @param high high port
     */
    record DenyBindPorts(int family, int low, int high) implements PolicyRule {
        /**
         * Validates.
         *
         * @param family family
         * @param low low
         * @param high high
         */
        public DenyBindPorts {
            if (low < 0 || high > 65535 || low > high) {
                throw new IllegalArgumentException("bad port range [" + low + ", " + high + "]");
            }
        }

        @Override
        public EventType type() {
            return EventType.SOCKET_BIND;
        }
    }

    /**
     * Deny a uring command.
     *
     * @param path target path
     * @param op op or -1
     */
    record DenyUringCmd(String path, int op) implements PolicyRule {
        /**
         * Validates.
         *
         * @param path path
         * @param op op
         */
        public DenyUringCmd {
            requireAbsolute(path);
        }

        @Override
        public EventType type() {
            return EventType.URING_CMD;
        }
    }

    private static void requireAbsolute(String path) {
        Objects.requireNonNull(path, "path");
        if (!path.startsWith("/")) {
            throw new IllegalArgumentException("policy paths must be absolute: '" + path + "'");
        }
    }
}
