/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.esf4j.api.EventKind;

/**
 * TSEM's own kinds of event, {@code tsem.<event type>}: every type of the ABI that esf4j has no
 * kind of its own for (task_kill, mmap_file, inode_create, …), and any type a later kernel adds,
 * made when first seen. Lookups of a record's type allocate nothing once the type is known.
 *
 * @since 0.2
 */
public final class TsemKinds {

    /** The 86 event types of the v3/v4 ABI and the 13 the development tree added. */
    static final List<String> TYPES = List.of(
            "task_kill", "task_setpgid", "task_getpgid", "task_getsid", "task_setnice", "task_setioprio",
            "task_getioprio", "task_prlimit", "task_setrlimit", "task_setscheduler", "task_getscheduler", "task_prctl",
            "file_open", "mmap_file", "file_ioctl", "file_lock", "file_fcntl", "file_receive", "unix_stream_connect",
            "unix_may_send", "socket_create", "socket_connect", "socket_bind", "socket_accept", "socket_listen",
            "socket_socketpair", "socket_sendmsg", "socket_recvmsg", "socket_getsockname", "socket_getpeername",
            "socket_setsockopt", "socket_shutdown", "ptrace_traceme", "kernel_module_request", "kernel_load_data",
            "kernel_read_file", "sb_mount", "sb_umount", "sb_remount", "sb_pivotroot", "sb_statfs", "move_mount",
            "shm_associate", "shm_shmctl", "shm_shmat", "sem_associate", "sem_semctl", "sem_semop", "syslog", "settime",
            "quotactl", "quota_on", "msg_queue_associate", "msg_queue_msgctl", "msg_queue_msgsnd", "msg_queue_msgrcv",
            "ipc_permission", "key_alloc", "key_permission", "netlink_send", "inode_create", "inode_link",
            "inode_unlink", "inode_symlink", "inode_mkdir", "inode_rmdir", "inode_mknod", "inode_rename",
            "inode_setattr", "inode_getattr", "inode_setxattr", "inode_getxattr", "inode_listxattr",
            "inode_removexattr", "inode_killpriv", "tun_dev_create", "tun_dev_attach_queue", "tun_dev_attach",
            "tun_dev_open", "bpf", "bpf_map", "bpf_prog", "ptrace_access_check", "capable", "capget", "capset",
            "file_ioctl_compat", "file_truncate", "task_alloc", "bprm_check_security", "cred_prepare",
            "path_truncate", "path_unlink", "path_mkdir", "path_rmdir", "path_symlink", "path_mknod", "path_link",
            "path_rename");

    private static final int SIZE = 512;
    private static final byte[][] NAMES = new byte[SIZE][];
    private static final EventKind[] KINDS = new EventKind[SIZE];

    static {
        for (String t : TYPES) {
            if (!t.equals("file_open") && !t.equals("socket_bind") && !t.equals("socket_connect")) {
                intern(t.getBytes(StandardCharsets.US_ASCII), 0, t.length());
            }
        }
    }

    private TsemKinds() {
    }

    /**
     * The kind of every TSEM event type that has no esf4j kind of its own, by name.
     *
     * @return the kinds ({@code tsem.task_kill}, …)
     */
    public static List<EventKind> all() {
        List<EventKind> out = new ArrayList<>();
        for (String t : TYPES) {
            if (!t.equals("file_open") && !t.equals("socket_bind") && !t.equals("socket_connect")) {
                out.add(EventKind.extension("tsem." + t));
            }
        }
        return Collections.unmodifiableList(out);
    }

    /**
     * @param type a TSEM event type, e.g. {@code task_kill}
     * @return its kind, {@code tsem.task_kill}
     */
    public static EventKind of(String type) {
        byte[] b = type.getBytes(StandardCharsets.US_ASCII);
        return lookup(b, 0, b.length);
    }

    static EventKind of(TsemRecord r) {
        return lookup(r.buffer(), r.typeOff, r.typeLen);
    }

    private static EventKind lookup(byte[] b, int off, int len) {
        int h = hash(b, off, len);
        for (int p = 0; p < SIZE; p++) {
            int i = (h + p) & (SIZE - 1);
            byte[] n = NAMES[i];
            if (n == null) {
                break;
            }
            if (n.length == len && java.util.Arrays.equals(n, 0, len, b, off, off + len)) {
                return KINDS[i];
            }
        }
        return intern(b, off, len);
    }

    private static synchronized EventKind intern(byte[] b, int off, int len) {
        String type = new String(b, off, len, StandardCharsets.US_ASCII);
        String safe = type.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_.-]", "_");
        EventKind k = EventKind.extension("tsem." + (safe.isEmpty() ? "_" : safe));
        int h = hash(b, off, len);
        for (int p = 0; p < SIZE; p++) {
            int i = (h + p) & (SIZE - 1);
            if (NAMES[i] == null) {
                KINDS[i] = k;
                NAMES[i] = java.util.Arrays.copyOfRange(b, off, off + len); // published after the kind
                return k;
            }
            if (NAMES[i].length == len && java.util.Arrays.equals(NAMES[i], 0, len, b, off, off + len)) {
                return KINDS[i];
            }
        }
        return k; // a full table (hundreds of unknown types): still a kind, looked up the slow way
    }

    private static int hash(byte[] b, int off, int len) {
        int h = 0;
        for (int i = off; i < off + len; i++) {
            h = h * 31 + b[i];
        }
        return (h ^ (h >>> 15)) & (SIZE - 1);
    }
}
