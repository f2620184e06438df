package org.esf4j.spi.nativeio;

/**
 * The fanotify constants the fanotify backend passes to the kernel, with the values of the UAPI
 * header {@code <linux/fanotify.h>} on Linux x86-64 and aarch64. {@code LayoutTest} compares every
 * value with the headers installed on the build machine.
 *
 * <p>Types follow the C calls: event masks are {@code long} (the {@code __u64 mask} of
 * {@code fanotify_mark(2)} and of {@code struct fanotify_event_metadata}); init flags, mark
 * flags, responses and fd values are {@code int}. The {@code open(2)} flags are in {@link Fcntl},
 * epoll and eventfd in {@link Epoll}. Not API, may change without notice.
 *
 * @since 0.1
 */
public final class Fanotify {

    private Fanotify() {
    }

    // ------------------------------------------------------------ fanotify_init(2) flags

    /** {@code FAN_CLOEXEC} (0x1): close the group fd on exec. */
    public static final int FAN_CLOEXEC = 0x0000_0001;
    /** {@code FAN_NONBLOCK} (0x2): {@code read()} on the group fails with {@code EAGAIN} when empty. */
    public static final int FAN_NONBLOCK = 0x0000_0002;
    /** {@code FAN_CLASS_NOTIF} (0x0): notification-only group, no permission events. */
    public static final int FAN_CLASS_NOTIF = 0x0000_0000;
    /** {@code FAN_CLASS_CONTENT} (0x4): permission events for content scanners and allow-listing. */
    public static final int FAN_CLASS_CONTENT = 0x0000_0004;
    /** {@code FAN_CLASS_PRE_CONTENT} (0x8): asked before {@code FAN_CLASS_CONTENT} groups. */
    public static final int FAN_CLASS_PRE_CONTENT = 0x0000_0008;
    /** {@code FAN_UNLIMITED_QUEUE} (0x10): no queue limit, so no permission event is dropped (and allowed). */
    public static final int FAN_UNLIMITED_QUEUE = 0x0000_0010;
    /** {@code FAN_UNLIMITED_MARKS} (0x20): no limit on the number of marks. */
    public static final int FAN_UNLIMITED_MARKS = 0x0000_0020;
    /** {@code FAN_ENABLE_AUDIT} (0x40): allows {@link #FAN_AUDIT} in responses. */
    public static final int FAN_ENABLE_AUDIT = 0x0000_0040;
    /** {@code FAN_REPORT_PIDFD} (0x80, Linux 5.15): each event carries a pidfd info record. */
    public static final int FAN_REPORT_PIDFD = 0x0000_0080;
    /** {@code FAN_REPORT_TID} (0x100): {@code pid} is the thread id, not the tgid. */
    public static final int FAN_REPORT_TID = 0x0000_0100;
    /**
     * {@code FAN_REPORT_FD_ERROR} (0x2000, Linux 6.13, backported to 6.12.4 and 6.6.66): an event
     * whose fd or pidfd could not be created carries {@code -errno} instead of being dropped.
     */
    public static final int FAN_REPORT_FD_ERROR = 0x0000_2000;

    // ------------------------------------------------------------ fanotify_mark(2) flags

    /** {@code FAN_MARK_ADD} (0x1): add the mask to the mark. */
    public static final int FAN_MARK_ADD = 0x0000_0001;
    /** {@code FAN_MARK_REMOVE} (0x2): remove the mask from the mark. */
    public static final int FAN_MARK_REMOVE = 0x0000_0002;
    /** {@code FAN_MARK_DONT_FOLLOW} (0x4): do not follow a trailing symbolic link. */
    public static final int FAN_MARK_DONT_FOLLOW = 0x0000_0004;
    /** {@code FAN_MARK_ONLYDIR} (0x8): fail unless the path is a directory. */
    public static final int FAN_MARK_ONLYDIR = 0x0000_0008;
    /** {@code FAN_MARK_INODE} (0x0): mark the inode itself. */
    public static final int FAN_MARK_INODE = 0x0000_0000;
    /** {@code FAN_MARK_MOUNT} (0x10): mark the mount (events through that mount only). */
    public static final int FAN_MARK_MOUNT = 0x0000_0010;
    /** {@code FAN_MARK_IGNORED_MASK} (0x20): the mask is an ignore mask (old semantics). */
    public static final int FAN_MARK_IGNORED_MASK = 0x0000_0020;
    /** {@code FAN_MARK_IGNORED_SURV_MODIFY} (0x40): the ignore mask survives modification of the file. */
    public static final int FAN_MARK_IGNORED_SURV_MODIFY = 0x0000_0040;
    /** {@code FAN_MARK_FLUSH} (0x80): remove all marks of one type (does not answer pending events). */
    public static final int FAN_MARK_FLUSH = 0x0000_0080;
    /** {@code FAN_MARK_FILESYSTEM} (0x100, Linux 4.20): mark the whole superblock, through any mount. */
    public static final int FAN_MARK_FILESYSTEM = 0x0000_0100;
    /** {@code FAN_MARK_EVICTABLE} (0x200, Linux 5.19): an inode mark that does not pin the inode. */
    public static final int FAN_MARK_EVICTABLE = 0x0000_0200;
    /** {@code FAN_MARK_IGNORE} (0x400, Linux 6.0): the mask is an ignore mask (new semantics). */
    public static final int FAN_MARK_IGNORE = 0x0000_0400;

    // ------------------------------------------------------------ event mask bits (__u64)

    /** {@code FAN_ACCESS} (0x1): a file was read. */
    public static final long FAN_ACCESS = 0x0000_0001L;
    /** {@code FAN_MODIFY} (0x2): a file was written. */
    public static final long FAN_MODIFY = 0x0000_0002L;
    /** {@code FAN_CLOSE_WRITE} (0x8): a file opened for writing was closed. */
    public static final long FAN_CLOSE_WRITE = 0x0000_0008L;
    /** {@code FAN_CLOSE_NOWRITE} (0x10): a file opened read-only was closed. */
    public static final long FAN_CLOSE_NOWRITE = 0x0000_0010L;
    /** {@code FAN_OPEN} (0x20): a file or directory was opened. */
    public static final long FAN_OPEN = 0x0000_0020L;
    /** {@code FAN_OPEN_EXEC} (0x1000, Linux 5.0): a file was opened to be executed. */
    public static final long FAN_OPEN_EXEC = 0x0000_1000L;
    /** {@code FAN_Q_OVERFLOW} (0x4000): the event queue overflowed (output only). */
    public static final long FAN_Q_OVERFLOW = 0x0000_4000L;
    /** {@code FAN_OPEN_PERM} (0x10000): permission to open a file or directory. */
    public static final long FAN_OPEN_PERM = 0x0001_0000L;
    /** {@code FAN_ACCESS_PERM} (0x20000): permission to read a file or directory. */
    public static final long FAN_ACCESS_PERM = 0x0002_0000L;
    /** {@code FAN_OPEN_EXEC_PERM} (0x40000, Linux 5.0): permission to open a file for execution. */
    public static final long FAN_OPEN_EXEC_PERM = 0x0004_0000L;
    /** {@code FAN_EVENT_ON_CHILD} (0x08000000): a directory mark also covers its direct children. */
    public static final long FAN_EVENT_ON_CHILD = 0x0800_0000L;
    /** {@code FAN_ONDIR} (0x40000000): also report events on directories. */
    public static final long FAN_ONDIR = 0x4000_0000L;

    // ------------------------------------------------------------ wire layouts (same on every arch)
    //
    // struct fanotify_event_metadata (24 bytes)
    //  0 event_len u32 | 4 vers u8 | 5 reserved u8 | 6 metadata_len u16 | 8 mask u64 | 16 fd s32 | 20 pid s32
    // struct fanotify_event_info_header (4 bytes): 0 info_type u8 | 1 pad u8 | 2 len u16
    // struct fanotify_event_info_pidfd (8 bytes): 0 hdr | 4 pidfd s32
    // struct fanotify_response (8 bytes): 0 fd s32 | 4 response u32

    /** {@code FANOTIFY_METADATA_VERSION} (3): the only {@code vers} of event metadata a reader accepts. */
    public static final int FANOTIFY_METADATA_VERSION = 3;
    /** {@code FAN_EVENT_METADATA_LEN}: {@code sizeof(struct fanotify_event_metadata)}, 24 bytes. */
    public static final int FAN_EVENT_METADATA_LEN = 24;
    /** {@code offsetof(struct fanotify_event_metadata, event_len)} (u32): 0. */
    public static final int METADATA_EVENT_LEN = 0;
    /** {@code offsetof(struct fanotify_event_metadata, vers)} (u8): 4. */
    public static final int METADATA_VERS = 4;
    /** {@code offsetof(struct fanotify_event_metadata, metadata_len)} (u16): 6. */
    public static final int METADATA_METADATA_LEN = 6;
    /** {@code offsetof(struct fanotify_event_metadata, mask)} (u64): 8. */
    public static final int METADATA_MASK = 8;
    /** {@code offsetof(struct fanotify_event_metadata, fd)} (s32): 16. */
    public static final int METADATA_FD = 16;
    /** {@code offsetof(struct fanotify_event_metadata, pid)} (s32): 20. */
    public static final int METADATA_PID = 20;
    /** {@code sizeof(struct fanotify_event_info_header)}: 4 bytes. */
    public static final int INFO_HEADER_SIZE = 4;
    /** {@code offsetof(struct fanotify_event_info_header, info_type)} (u8): 0. */
    public static final int INFO_HEADER_INFO_TYPE = 0;
    /** {@code offsetof(struct fanotify_event_info_header, len)} (u16, includes the header): 2. */
    public static final int INFO_HEADER_LEN = 2;
    /** {@code FAN_EVENT_INFO_TYPE_PIDFD} (4): info record {@code struct fanotify_event_info_pidfd}. */
    public static final int FAN_EVENT_INFO_TYPE_PIDFD = 4;
    /** {@code sizeof(struct fanotify_event_info_pidfd)}: header (4) plus {@code __s32 pidfd}, 8 bytes. */
    public static final int INFO_PIDFD_SIZE = 8;
    /** {@code offsetof(struct fanotify_event_info_pidfd, pidfd)} (s32): 4. */
    public static final int INFO_PIDFD_PIDFD = 4;
    /** {@code sizeof(struct fanotify_response)}: 8 bytes. */
    public static final int RESPONSE_SIZE = 8;
    /** {@code offsetof(struct fanotify_response, fd)} (s32, the event's fd): 0. */
    public static final int RESPONSE_FD = 0;
    /** {@code offsetof(struct fanotify_response, response)} (u32, {@link #FAN_ALLOW} or {@link #FAN_DENY}): 4. */
    public static final int RESPONSE_RESPONSE = 4;
    /** {@code FAN_ALLOW} (0x1): allow the access. */
    public static final int FAN_ALLOW = 0x01;
    /** {@code FAN_DENY} (0x2): deny the access; the opener gets {@code EPERM}. */
    public static final int FAN_DENY = 0x02;
    /** {@code FAN_AUDIT} (0x10): also write an audit record (needs {@link #FAN_ENABLE_AUDIT}). */
    public static final int FAN_AUDIT = 0x10;
    /** {@code FAN_NOFD} (-1): the event has no fd. */
    public static final int FAN_NOFD = -1;
    /** {@code FAN_NOPIDFD} (-1, = {@code FAN_NOFD}): the process exited before the event was read. */
    public static final int FAN_NOPIDFD = FAN_NOFD;
    /** {@code FAN_EPIDFD} (-2): the kernel could not create the pidfd. */
    public static final int FAN_EPIDFD = -2;
}
