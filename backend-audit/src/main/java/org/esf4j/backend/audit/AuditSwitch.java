package org.esf4j.backend.audit;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.esf4j.spi.nativeio.Errno;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns audit on while esf4j needs it, across every process on the host. The state lives in the
 * kernel's own rule list, which all processes share:
 * <ul>
 *   <li>every user (a client, a probe) holds a <em>presence</em> rule keyed
 *       {@code esf4j:<pid>:<start>:<instance>:present} while it runs — like its other rules, it
 *       names the process by pid and start time, so a process that died without cleaning up is
 *       told from a live one;</li>
 *   <li>the user that finds {@code enabled=0} sets it to 1 and adds the rule keyed
 *       {@code esf4j:enabled}: "esf4j turned audit on".</li>
 * </ul>
 * A user that leaves removes its presence rule; when no live esf4j rule is left and the
 * {@code esf4j:enabled} rule is there, it removes that rule and sets {@code enabled=0} again —
 * unless an audit daemon registered meanwhile or someone else changed the setting. Acquire and
 * release are serialized across processes by a lock file ({@code /run/lock/esf4j-audit.lock},
 * else under {@code /dev/shm} or {@code /tmp}), so a client starting in one JVM never has audit
 * switched off under it by a client stopping in another. The rules never match anything (they
 * select {@code pid=0}, which makes no system calls). A locked kernel ({@code enabled=2}) is never
 * touched.
 *
 * <p>A JVM killed with SIGKILL leaves its rules (removed by the next esf4j start on the host) and,
 * if it was the last user, audit enabled with the {@code esf4j:enabled} rule: the next esf4j user
 * to leave turns it off.
 *
 * <p>Processes that started before audit was ever enabled since boot have no audit context and
 * produce no records (the kernel allocates it at fork); boot with {@code audit=1} to see them.
 */
final class AuditSwitch {

    private static final Logger LOG = LoggerFactory.getLogger(AuditSwitch.class);
    /** The key of the rule that says esf4j turned audit on. */
    static final String ENABLED_KEY = AuditRules.PREFIX + "enabled";
    /** The suffix of a user's presence rule, after its owner prefix. */
    static final String PRESENT = "present";
    private static final String LOCK_NAME = "esf4j-audit.lock";

    private AuditSwitch() {
    }

    /**
     * Registers a user, enabling audit if it is off.
     *
     * @param ctl a control socket
     * @param owner the user's key prefix ({@link AuditRules#newOwner})
     * @return the status seen before
     */
    static synchronized AuditStatus acquire(AuditNetlink ctl, String owner) throws AuditNetlink.NetlinkException {
        try (HostLock lock = HostLock.take()) {
            AuditStatus s = ctl.status();
            if (s.enabled() == AuditStatus.ENABLED_LOCKED) {
                return s; // nothing can be changed, nor any rule added
            }
            if (s.enabled() == AuditStatus.ENABLED_OFF) {
                ctl.set(AuditStatus.MASK_ENABLED, AuditStatus.of(AuditStatus.ENABLED_ON, 0, 0));
                addIgnoringExisting(ctl, marker(ENABLED_KEY));
                LOG.info("audit was disabled (enabled=0): enabled it for esf4j; the last esf4j user on the host"
                        + " restores it");
            }
            ctl.addRule(marker(owner + PRESENT));
            return s;
        }
    }

    /**
     * Releases a user; the last esf4j user on the host restores {@code enabled=0} when esf4j
     * turned audit on.
     *
     * @param ctl a control socket
     * @param owner the user's key prefix, as given to {@link #acquire}
     */
    static synchronized void release(AuditNetlink ctl, String owner) {
        try (HostLock lock = HostLock.take()) {
            byte[] enabledRule = null;
            String other = null;
            for (byte[] r : ctl.listRules()) {
                String key = AuditRule.key(r);
                if (key == null || !key.startsWith(AuditRules.PREFIX)) {
                    continue;
                }
                if (key.equals(owner + PRESENT)) {
                    deleteIgnoringMissing(ctl, r);
                } else if (key.equals(ENABLED_KEY)) {
                    enabledRule = r;
                } else if (!key.startsWith(owner) && !AuditRules.isLeftover(key)) {
                    other = key;
                }
            }
            if (enabledRule == null) {
                return; // esf4j did not turn audit on
            }
            if (other != null) {
                LOG.debug("audit stays enabled: esf4j rule {} of a live process remains", other);
                return;
            }
            deleteIgnoringMissing(ctl, enabledRule);
            AuditStatus s = ctl.status();
            if (s.enabled() != AuditStatus.ENABLED_ON) {
                LOG.info("audit is now enabled={}: left as it is", s.enabled());
            } else if (s.pid() != 0) {
                LOG.info("an audit daemon (pid {}) registered meanwhile: audit left enabled", s.pid());
            } else {
                ctl.set(AuditStatus.MASK_ENABLED, AuditStatus.of(AuditStatus.ENABLED_OFF, 0, 0));
                LOG.info("audit disabled again (enabled=0): esf4j had enabled it and no esf4j user is left");
            }
        } catch (AuditNetlink.NetlinkException e) {
            LOG.warn("could not release audit (presence rule {}{}, enabled state): {}", owner, PRESENT,
                    e.getMessage());
        }
    }

    /** A rule that never matches (pid 0 makes no system calls), carrying a key. */
    static byte[] marker(String key) {
        Syscalls.Abi abi = Syscalls.forThisMachine()[0];
        return new AuditRule(AuditRule.LIST_EXIT, AuditRule.ALWAYS).syscalls(abi.kill())
                .field(AuditRule.F_ARCH, AuditRule.OP_EQUAL, abi.arch())
                .field(AuditRule.F_PID, AuditRule.OP_EQUAL, 0)
                .field(AuditRule.F_FILTERKEY, AuditRule.OP_EQUAL, key).toBytes();
    }

    private static void addIgnoringExisting(AuditNetlink ctl, byte[] rule) throws AuditNetlink.NetlinkException {
        try {
            ctl.addRule(rule);
        } catch (AuditNetlink.NetlinkException e) {
            if (e.errno != Errno.EEXIST) {
                throw e;
            }
        }
    }

    private static void deleteIgnoringMissing(AuditNetlink ctl, byte[] rule) throws AuditNetlink.NetlinkException {
        try {
            ctl.deleteRule(rule);
        } catch (AuditNetlink.NetlinkException e) {
            if (e.errno != Errno.ENOENT) {
                throw e;
            }
        }
    }

    /**
     * The host-wide lock of acquire and release (a POSIX record lock on a file every esf4j process
     * finds). Without a writable place for it the switch goes on unlocked, with a warning.
     */
    private static final class HostLock implements AutoCloseable {
        private final FileChannel channel;
        private final FileLock lock;

        private HostLock(FileChannel channel, FileLock lock) {
            this.channel = channel;
            this.lock = lock;
        }

        static HostLock take() {
            for (String dir : new String[] {"/run/lock", "/dev/shm", "/tmp"}) {
                Path d = Path.of(dir);
                if (!Files.isDirectory(d) || !Files.isWritable(d)) {
                    continue;
                }
                try {
                    FileChannel c = FileChannel.open(d.resolve(LOCK_NAME), StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE);
                    try {
                        return new HostLock(c, c.lock());
                    } catch (IOException | RuntimeException e) {
                        c.close();
                        throw e;
                    }
                } catch (IOException e) {
                    LOG.debug("audit lock under {}: {}", dir, e.toString());
                }
            }
            LOG.warn("no lock file for the audit switch (/run/lock, /dev/shm, /tmp): other esf4j processes may"
                    + " race it");
            return new HostLock(null, null);
        }

        @Override
        public void close() {
            try {
                if (lock != null) {
                    lock.release();
                }
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                LOG.debug("audit lock release: {}", e.toString());
            }
        }
    }
}
