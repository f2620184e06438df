/**
 * The audit netlink backend: Exec, FileOpen, SocketBind, SocketConnect and UringCmd observed
 * (NOTIFY) from the kernel audit subsystem, read as a multicast listener beside auditd (or, on
 * request, as the unicast audit daemon), with the rules it needs installed under its own key and
 * removed on close.
 */
module org.esf4j.backend.audit {
    requires org.esf4j.spi;
    requires org.slf4j;

    exports org.esf4j.backend.audit;

    provides org.esf4j.spi.BackendProvider with org.esf4j.backend.audit.AuditProvider;
}
