package org.esf4j.backend.audit;

import org.esf4j.spi.nativeio.Arch;

/**
 * The syscall numbers the rules select, per ABI, and their mapping back from SYSCALL records
 * ({@code arch=} and {@code syscall=}). Numbers differ per ABI, so every syscall rule names its
 * {@code arch}; on x86-64 a second set of rules covers 32-bit (i386) programs.
 */
final class Syscalls {

    /** One ABI: its audit arch value and syscall numbers (-1 when the ABI lacks the call). */
    record Abi(String name, int arch, int open, int creat, int openat, int openat2, int execve, int execveat,
               int bind, int connect, int socketcall) {

        int[] exec() {
            return numbers(execve, execveat);
        }

        int[] opens() {
            return numbers(open, creat, openat, openat2);
        }

        int[] binds() {
            return numbers(bind);
        }

        int[] connects() {
            return numbers(connect);
        }

        /** {@code kill(2)}: the call the probe triggers and that marker rules name. */
        int kill() {
            return this == AARCH64 ? 129 : this == I386 ? 37 : 62;
        }
    }

    static final Abi X86_64 = new Abi("b64", AuditRule.ARCH_X86_64, 2, 85, 257, 437, 59, 322, 49, 42, -1);
    static final Abi I386 = new Abi("b32", AuditRule.ARCH_I386, 5, 8, 295, 437, 11, 358, 361, 362, 102);
    static final Abi AARCH64 = new Abi("b64", AuditRule.ARCH_AARCH64, -1, -1, 56, 437, 221, 281, 200, 203, -1);

    /** {@code socketcall(2)} call numbers ({@code a0}) of bind and connect ({@code <linux/net.h>}). */
    static final int SYS_BIND = 2;
    static final int SYS_CONNECT = 3;

    /** io_uring opcodes ({@code enum io_uring_op}) selected on the io_uring exit list. */
    static final int IORING_OP_CONNECT = 16;
    static final int IORING_OP_URING_CMD = 46;
    static final int IORING_OP_BIND = 56;
    /** {@code io_uring_enter(2)}: 426 in every ABI (numbers from 403 on are the same everywhere). */
    static final int IO_URING_ENTER = 426;

    /** What a syscall record is to esf4j. */
    enum Kind { EXEC, OPEN, CREAT, OPENAT, OPENAT2, BIND, CONNECT, SOCKETCALL, OTHER }

    private Syscalls() {
    }

    /** @return the ABIs of this machine whose programs the rules must cover */
    static Abi[] forThisMachine() {
        if (Arch.X86_64) {
            return new Abi[] {X86_64, I386};
        }
        if (Arch.AARCH64) {
            return new Abi[] {AARCH64};
        }
        return new Abi[0];
    }

    /**
     * The ABI of a SYSCALL record's {@code arch=}.
     *
     * @param arch the audit arch value
     * @return the ABI, or null for an arch esf4j has no table for
     */
    static Abi abi(int arch) {
        return arch == AuditRule.ARCH_X86_64 ? X86_64 : arch == AuditRule.ARCH_I386 ? I386
                : arch == AuditRule.ARCH_AARCH64 ? AARCH64 : null;
    }

    /**
     * Classifies a syscall record.
     *
     * @param arch the record's {@code arch=}
     * @param nr its {@code syscall=}
     * @return the kind
     */
    static Kind kind(int arch, int nr) {
        Abi a = abi(arch);
        if (a == null || nr < 0) {
            return Kind.OTHER;
        }
        if (nr == a.execve || nr == a.execveat) {
            return Kind.EXEC;
        }
        if (nr == a.open) {
            return Kind.OPEN;
        }
        if (nr == a.creat) {
            return Kind.CREAT;
        }
        if (nr == a.openat) {
            return Kind.OPENAT;
        }
        if (nr == a.openat2) {
            return Kind.OPENAT2;
        }
        if (nr == a.bind) {
            return Kind.BIND;
        }
        if (nr == a.connect) {
            return Kind.CONNECT;
        }
        if (nr == a.socketcall) {
            return Kind.SOCKETCALL;
        }
        return Kind.OTHER;
    }

    private static int[] numbers(int... nrs) {
        return java.util.Arrays.stream(nrs).filter(n -> n >= 0).toArray();
    }
}
