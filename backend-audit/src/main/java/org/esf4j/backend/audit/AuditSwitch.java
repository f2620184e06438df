package org.esf4j.backend.audit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns audit on while esf4j needs it. When the kernel says {@code enabled=0}, the first user in
 * this JVM sets it to 1 and the last one sets it back to 0, unless in between an audit daemon
 * registered (it then wants audit on) or someone else changed the setting. Never touches a
 * locked ({@code enabled=2}) kernel. Thread-safe.
 *
 * <p>Processes that started before audit was ever enabled since boot have no audit context and
 * produce no records (the kernel allocates it at fork); boot with {@code audit=1} to see them.
 */
final class AuditSwitch {

    private static final Logger LOG = LoggerFactory.getLogger(AuditSwitch.class);
    private static int users;
    private static boolean enabledByUs;

    private AuditSwitch() {
    }

    /**
     * Registers a user, enabling audit if it is off.
     *
     * @param ctl a control socket
     * @return the status seen before
     */
    static synchronized AuditStatus acquire(AuditNetlink ctl) throws AuditNetlink.NetlinkException {
        AuditStatus s = ctl.status();
        if (users == 0 && s.enabled() == AuditStatus.ENABLED_OFF) {
            ctl.set(AuditStatus.MASK_ENABLED, AuditStatus.of(AuditStatus.ENABLED_ON, 0, 0));
            enabledByUs = true;
            LOG.info("audit was disabled (enabled=0): enabled it for esf4j; it is restored when the last client closes");
        }
        users++;
        return s;
    }

    /**
     * Releases a user; the last one restores {@code enabled=0} when esf4j turned audit on.
     *
     * @param ctl a control socket
     */
    static synchronized void release(AuditNetlink ctl) {
        if (users == 0 || --users > 0 || !enabledByUs) {
            return;
        }
        enabledByUs = false;
        try {
            AuditStatus s = ctl.status();
            if (s.enabled() != AuditStatus.ENABLED_ON) {
                LOG.info("audit is now enabled={}: left as it is", s.enabled());
            } else if (s.pid() != 0) {
                LOG.info("an audit daemon (pid {}) registered meanwhile: audit left enabled", s.pid());
            } else {
                ctl.set(AuditStatus.MASK_ENABLED, AuditStatus.of(AuditStatus.ENABLED_OFF, 0, 0));
            }
        } catch (AuditNetlink.NetlinkException e) {
            LOG.warn("could not restore audit enabled=0: {}", e.getMessage());
        }
    }
}
