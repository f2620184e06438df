package org.esf4j.spi.nativeio;

/**
 * Linux errno numbers (the generic numbering used by x86-64 and aarch64) with their symbolic
 * names and glibc {@code strerror} texts, shared by both native bindings. The table covers
 * errnos 0..{@value #MAX} and is built once at class initialisation: formatting an errno never
 * calls native code and, for a number in the table, allocates nothing.
 *
 * <p>The table was generated from glibc 2.36 with {@code strerrorname_np(3)} and
 * {@code strerrordesc_np(3)}; {@code ErrnoTest} compares it with the running glibc. Thread-safe.
 * Not API, may change without notice.
 *
 * @since 0.1
 */
public final class Errno {

    /** {@code EPERM} (1): Operation not permitted. */
    public static final int EPERM = 1;

    /** {@code ENOENT} (2): No such file or directory. */
    public static final int ENOENT = 2;

    /** {@code ESRCH} (3): No such process. */
    public static final int ESRCH = 3;

    /** {@code EINTR} (4): Interrupted system call. */
    public static final int EINTR = 4;

    /** {@code EIO} (5): Input/output error. */
    public static final int EIO = 5;

    /** {@code EBADF} (9): Bad file descriptor. */
    public static final int EBADF = 9;

    /** {@code EAGAIN} (11): Resource temporarily unavailable. */
    public static final int EAGAIN = 11;

    /** {@code ENOMEM} (12): Cannot allocate memory. */
    public static final int ENOMEM = 12;

    /** {@code EACCES} (13): Permission denied. */
    public static final int EACCES = 13;

    /** {@code EFAULT} (14): Bad address. */
    public static final int EFAULT = 14;

    /** {@code EBUSY} (16): Device or resource busy. */
    public static final int EBUSY = 16;

    /** {@code EEXIST} (17): File exists. */
    public static final int EEXIST = 17;

    /** {@code EXDEV} (18): Invalid cross-device link. */
    public static final int EXDEV = 18;

    /** {@code ENODEV} (19): No such device. */
    public static final int ENODEV = 19;

    /** {@code ENOTDIR} (20): Not a directory. */
    public static final int ENOTDIR = 20;

    /** {@code EINVAL} (22): Invalid argument. */
    public static final int EINVAL = 22;

    /** {@code ENFILE} (23): Too many open files in system. */
    public static final int ENFILE = 23;

    /** {@code EMFILE} (24): Too many open files. */
    public static final int EMFILE = 24;

    /** {@code ENOTTY} (25): Inappropriate ioctl for device. */
    public static final int ENOTTY = 25;

    /** {@code ETXTBSY} (26): Text file busy. */
    public static final int ETXTBSY = 26;

    /** {@code ENOSPC} (28): No space left on device. */
    public static final int ENOSPC = 28;

    /** {@code ENAMETOOLONG} (36): File name too long. */
    public static final int ENAMETOOLONG = 36;

    /** {@code ENOSYS} (38): Function not implemented. */
    public static final int ENOSYS = 38;

    /** {@code ELOOP} (40): Too many levels of symbolic links. */
    public static final int ELOOP = 40;

    /** {@code ENODATA} (61): No data available. */
    public static final int ENODATA = 61;

    /** {@code EPROTONOSUPPORT} (93): Protocol not supported. */
    public static final int EPROTONOSUPPORT = 93;

    /** {@code EOPNOTSUPP} (95): Operation not supported. */
    public static final int EOPNOTSUPP = 95;

    /** {@code ENOBUFS} (105): No buffer space available. */
    public static final int ENOBUFS = 105;

    /** {@code ECONNREFUSED} (111): Connection refused. */
    public static final int ECONNREFUSED = 111;

    /** {@code ECANCELED} (125): Operation canceled. */
    public static final int ECANCELED = 125;

    /** {@code EOVERFLOW} (75): Value too large for defined data type. */
    public static final int EOVERFLOW = 75;

    /** The highest errno in the table ({@code EHWPOISON}). */
    public static final int MAX = 133;

    /** Name and message per errno, index {@code 2 * errno}; null where Linux has no such errno (41, 58). */
    private static final String[] TABLE = {
        null, "Success", // 0
        "EPERM", "Operation not permitted", // 1
        "ENOENT", "No such file or directory", // 2
        "ESRCH", "No such process", // 3
        "EINTR", "Interrupted system call", // 4
        "EIO", "Input/output error", // 5
        "ENXIO", "No such device or address", // 6
        "E2BIG", "Argument list too long", // 7
        "ENOEXEC", "Exec format error", // 8
        "EBADF", "Bad file descriptor", // 9
        "ECHILD", "No child processes", // 10
        "EAGAIN", "Resource temporarily unavailable", // 11
        "ENOMEM", "Cannot allocate memory", // 12
        "EACCES", "Permission denied", // 13
        "EFAULT", "Bad address", // 14
        "ENOTBLK", "Block device required", // 15
        "EBUSY", "Device or resource busy", // 16
        "EEXIST", "File exists", // 17
        "EXDEV", "Invalid cross-device link", // 18
        "ENODEV", "No such device", // 19
        "ENOTDIR", "Not a directory", // 20
        "EISDIR", "Is a directory", // 21
        "EINVAL", "Invalid argument", // 22
        "ENFILE", "Too many open files in system", // 23
        "EMFILE", "Too many open files", // 24
        "ENOTTY", "Inappropriate ioctl for device", // 25
        "ETXTBSY", "Text file busy", // 26
        "EFBIG", "File too large", // 27
        "ENOSPC", "No space left on device", // 28
        "ESPIPE", "Illegal seek", // 29
        "EROFS", "Read-only file system", // 30
        "EMLINK", "Too many links", // 31
        "EPIPE", "Broken pipe", // 32
        "EDOM", "Numerical argument out of domain", // 33
        "ERANGE", "Numerical result out of range", // 34
        "EDEADLK", "Resource deadlock avoided", // 35
        "ENAMETOOLONG", "File name too long", // 36
        "ENOLCK", "No locks available", // 37
        "ENOSYS", "Function not implemented", // 38
        "ENOTEMPTY", "Directory not empty", // 39
        "ELOOP", "Too many levels of symbolic links", // 40
        null, null, // 41 (no such errno)
        "ENOMSG", "No message of desired type", // 42
        "EIDRM", "Identifier removed", // 43
        "ECHRNG", "Channel number out of range", // 44
        "EL2NSYNC", "Level 2 not synchronized", // 45
        "EL3HLT", "Level 3 halted", // 46
        "EL3RST", "Level 3 reset", // 47
        "ELNRNG", "Link number out of range", // 48
        "EUNATCH", "Protocol driver not attached", // 49
        "ENOCSI", "No CSI structure available", // 50
        "EL2HLT", "Level 2 halted", // 51
        "EBADE", "Invalid exchange", // 52
        "EBADR", "Invalid request descriptor", // 53
        "EXFULL", "Exchange full", // 54
        "ENOANO", "No anode", // 55
        "EBADRQC", "Invalid request code", // 56
        "EBADSLT", "Invalid slot", // 57
        null, null, // 58 (no such errno)
        "EBFONT", "Bad font file format", // 59
        "ENOSTR", "Device not a stream", // 60
        "ENODATA", "No data available", // 61
        "ETIME", "Timer expired", // 62
        "ENOSR", "Out of streams resources", // 63
        "ENONET", "Machine is not on the network", // 64
        "ENOPKG", "Package not installed", // 65
        "EREMOTE", "Object is remote", // 66
        "ENOLINK", "Link has been severed", // 67
        "EADV", "Advertise error", // 68
        "ESRMNT", "Srmount error", // 69
        "ECOMM", "Communication error on send", // 70
        "EPROTO", "Protocol error", // 71
        "EMULTIHOP", "Multihop attempted", // 72
        "EDOTDOT", "RFS specific error", // 73
        "EBADMSG", "Bad message", // 74
        "EOVERFLOW", "Value too large for defined data type", // 75
        "ENOTUNIQ", "Name not unique on network", // 76
        "EBADFD", "File descriptor in bad state", // 77
        "EREMCHG", "Remote address changed", // 78
        "ELIBACC", "Can not access a needed shared library", // 79
        "ELIBBAD", "Accessing a corrupted shared library", // 80
        "ELIBSCN", ".lib section in a.out corrupted", // 81
        "ELIBMAX", "Attempting to link in too many shared libraries", // 82
        "ELIBEXEC", "Cannot exec a shared library directly", // 83
        "EILSEQ", "Invalid or incomplete multibyte or wide character", // 84
        "ERESTART", "Interrupted system call should be restarted", // 85
        "ESTRPIPE", "Streams pipe error", // 86
        "EUSERS", "Too many users", // 87
        "ENOTSOCK", "Socket operation on non-socket", // 88
        "EDESTADDRREQ", "Destination address required", // 89
        "EMSGSIZE", "Message too long", // 90
        "EPROTOTYPE", "Protocol wrong type for socket", // 91
        "ENOPROTOOPT", "Protocol not available", // 92
        "EPROTONOSUPPORT", "Protocol not supported", // 93
        "ESOCKTNOSUPPORT", "Socket type not supported", // 94
        "EOPNOTSUPP", "Operation not supported", // 95
        "EPFNOSUPPORT", "Protocol family not supported", // 96
        "EAFNOSUPPORT", "Address family not supported by protocol", // 97
        "EADDRINUSE", "Address already in use", // 98
        "EADDRNOTAVAIL", "Cannot assign requested address", // 99
        "ENETDOWN", "Network is down", // 100
        "ENETUNREACH", "Network is unreachable", // 101
        "ENETRESET", "Network dropped connection on reset", // 102
        "ECONNABORTED", "Software caused connection abort", // 103
        "ECONNRESET", "Connection reset by peer", // 104
        "ENOBUFS", "No buffer space available", // 105
        "EISCONN", "Transport endpoint is already connected", // 106
        "ENOTCONN", "Transport endpoint is not connected", // 107
        "ESHUTDOWN", "Cannot send after transport endpoint shutdown", // 108
        "ETOOMANYREFS", "Too many references: cannot splice", // 109
        "ETIMEDOUT", "Connection timed out", // 110
        "ECONNREFUSED", "Connection refused", // 111
        "EHOSTDOWN", "Host is down", // 112
        "EHOSTUNREACH", "No route to host", // 113
        "EALREADY", "Operation already in progress", // 114
        "EINPROGRESS", "Operation now in progress", // 115
        "ESTALE", "Stale file handle", // 116
        "EUCLEAN", "Structure needs cleaning", // 117
        "ENOTNAM", "Not a XENIX named type file", // 118
        "ENAVAIL", "No XENIX semaphores available", // 119
        "EISNAM", "Is a named type file", // 120
        "EREMOTEIO", "Remote I/O error", // 121
        "EDQUOT", "Disk quota exceeded", // 122
        "ENOMEDIUM", "No medium found", // 123
        "EMEDIUMTYPE", "Wrong medium type", // 124
        "ECANCELED", "Operation canceled", // 125
        "ENOKEY", "Required key not available", // 126
        "EKEYEXPIRED", "Key has expired", // 127
        "EKEYREVOKED", "Key has been revoked", // 128
        "EKEYREJECTED", "Key was rejected by service", // 129
        "EOWNERDEAD", "Owner died", // 130
        "ENOTRECOVERABLE", "State not recoverable", // 131
        "ERFKILL", "Operation not possible due to RF-kill", // 132
        "EHWPOISON", "Memory page has hardware error", // 133
    };

    private static final String[] NAMES = new String[MAX + 1];
    private static final String[] MESSAGES = new String[MAX + 1];
    private static final String[] DESCRIPTIONS = new String[MAX + 1];

    static {
        for (int e = 0; e <= MAX; e++) {
            NAMES[e] = TABLE[2 * e] != null ? TABLE[2 * e] : "E?" + e;
            MESSAGES[e] = TABLE[2 * e + 1] != null ? TABLE[2 * e + 1] : "Unknown error " + e;
            DESCRIPTIONS[e] = NAMES[e] + " (" + e + ") " + MESSAGES[e];
        }
    }

    private Errno() {
    }

    /**
     * The symbolic name of an errno.
     *
     * @param errno a positive errno
     * @return e.g. {@code "EPERM"}, or {@code "E?123"} when the number is not a Linux errno
     */
    public static String name(int errno) {
        return errno >= 0 && errno <= MAX ? NAMES[errno] : "E?" + errno;
    }

    /**
     * The glibc {@code strerror(3)} text of an errno.
     *
     * @param errno a positive errno
     * @return e.g. {@code "Operation not permitted"}, or {@code "Unknown error 123"} as glibc
     *         says for a number it does not know
     */
    public static String message(int errno) {
        return errno >= 0 && errno <= MAX ? MESSAGES[errno] : "Unknown error " + errno;
    }

    /**
     * Name, number and message: the form every esf4j error message uses.
     *
     * @param errno a positive errno
     * @return e.g. {@code "EPERM (1) Operation not permitted"}; no allocation for an errno in the table
     */
    public static String describe(int errno) {
        return errno >= 0 && errno <= MAX ? DESCRIPTIONS[errno] : name(errno) + " (" + errno + ") " + message(errno);
    }
}
