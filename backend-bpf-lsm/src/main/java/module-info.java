/**
 * The BPF LSM backend: Exec, FileOpen, SocketBind and UringCmd decided in the kernel by BPF
 * programs on LSM hooks, from rules the library pushes into maps (decision class KERNEL_POLICY),
 * and reported through a BPF ring buffer. Work in progress: the BPF object and the record decoder
 * are here; the libbpf binding, the ring buffer consumer and the provider come next.
 */
module org.esf4j.backend.bpflsm {
    requires org.esf4j.spi;
}
