/**
 * The BPF LSM backend: Exec, FileOpen, SocketBind and UringCmd decided in the kernel by BPF
 * programs on LSM hooks, from rules the library pushes into maps (decision class KERNEL_POLICY),
 * and reported through a BPF ring buffer consumed in place from Java.
 */
module org.esf4j.backend.bpflsm {
    requires org.esf4j.spi;
    requires org.slf4j;

    exports org.esf4j.backend.bpflsm;

    provides org.esf4j.spi.BackendProvider with org.esf4j.backend.bpflsm.BpfLsmProvider;
}
