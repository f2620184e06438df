/**
 * The TSEM backend: a trust orchestrator for TSEM security modeling namespaces (the external
 * modeling agent), over the securityfs ABI, with a userspace modeling agent.
 */
module org.esf4j.backend.tsem {
    requires org.esf4j.spi;
    requires org.slf4j;
    requires org.bouncycastle.provider;
    exports org.esf4j.backend.tsem;
    provides org.esf4j.spi.BackendProvider with org.esf4j.backend.tsem.TsemProvider;
}
