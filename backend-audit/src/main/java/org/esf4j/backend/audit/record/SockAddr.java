package org.esf4j.backend.audit.record;

import java.net.Inet6Address;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Decodes the raw socket address of a SOCKADDR record ({@code saddr=}, hex of the
 * {@code struct sockaddr} the process passed, as long as the length it passed; see
 * {@link AuditEvent#sockaddr()}). x86-64 and aarch64 are little-endian: the family is a
 * little-endian u16, ports are in network order.
 *
 * <pre>
 * AF_INET  (2):  0 family(2) | 2 port(2, BE) | 4 addr(4)  | 8 zero(8)              16 bytes
 * AF_INET6 (10): 0 family(2) | 2 port(2, BE) | 4 flowinfo(4) | 8 addr(16) | 24 scope_id(4, LE)  28
 * AF_UNIX  (1):  0 family(2) | 2 sun_path: a path up to its NUL, or NUL + abstract name
 * </pre>
 *
 * <p>Malformed or too short input gives family 0, port -1 and address "" rather than an exception.
 *
 * <p>Not API, may change without notice.
 */
public final class SockAddr {
    /** {@code AF_UNIX}. */
    public static final int AF_UNIX = 1;
    /** {@code AF_INET}. */
    public static final int AF_INET = 2;
    /** {@code AF_INET6}. */
    public static final int AF_INET6 = 10;

    private static final int INET_MIN = 8;
    private static final int INET6_MIN = 24;
    private static final int INET6_SCOPED = 28;

    private SockAddr() {
    }

    private static boolean ok(byte[] raw, int len) {
        return raw != null && len >= 2 && len <= raw.length;
    }

    /**
     * @param raw the raw sockaddr bytes
     * @param len how many of them are valid
     * @return the address family, or 0 when the input is too short for a sockaddr (or for the
     *         fields of AF_INET / AF_INET6)
     */
    public static int family(byte[] raw, int len) {
        if (!ok(raw, len)) {
            return 0;
        }
        int family = (raw[0] & 0xff) | (raw[1] & 0xff) << 8;
        if ((family == AF_INET && len < INET_MIN) || (family == AF_INET6 && len < INET6_MIN)) {
            return 0;
        }
        return family;
    }

    /**
     * @param raw the raw sockaddr bytes
     * @param len how many of them are valid
     * @return the port of an AF_INET or AF_INET6 address, or -1 for other families and malformed input
     */
    public static int port(byte[] raw, int len) {
        int family = family(raw, len);
        if (family != AF_INET && family != AF_INET6) {
            return -1;
        }
        return (raw[2] & 0xff) << 8 | (raw[3] & 0xff);
    }

    /**
     * The address as text (allocates): dotted quad for AF_INET; for AF_INET6 the text of
     * {@link java.net.InetAddress#getHostAddress()} (with {@code %scope} when the scope id is set);
     * for AF_UNIX the path up to its NUL, or {@code @} followed by an abstract name (which runs to the
     * given length); "" for other families, an unnamed unix socket and malformed input.
     *
     * @param raw the raw sockaddr bytes
     * @param len how many of them are valid
     * @return the address text
     */
    public static String address(byte[] raw, int len) {
        switch (family(raw, len)) {
            case AF_INET:
                return (raw[4] & 0xff) + "." + (raw[5] & 0xff) + "." + (raw[6] & 0xff) + "." + (raw[7] & 0xff);
            case AF_INET6: {
                byte[] a = new byte[16];
                System.arraycopy(raw, 8, a, 0, 16);
                int scope = -1; // not set: no "%scope" suffix
                if (len >= INET6_SCOPED) {
                    int s = (raw[24] & 0xff) | (raw[25] & 0xff) << 8 | (raw[26] & 0xff) << 16 | (raw[27] & 0xff) << 24;
                    if (s > 0) {
                        scope = s;
                    }
                }
                try {
                    return Inet6Address.getByAddress(null, a, scope).getHostAddress();
                } catch (UnknownHostException e) {
                    return ""; // not reached: the address has 16 bytes
                }
            }
            case AF_UNIX: {
                if (len == 2) {
                    return "";
                }
                if (raw[2] == 0) {
                    return "@" + new String(raw, 3, len - 3, StandardCharsets.UTF_8);
                }
                int end = 2;
                while (end < len && raw[end] != 0) {
                    end++;
                }
                return new String(raw, 2, end - 2, StandardCharsets.UTF_8);
            }
            default:
                return "";
        }
    }
}
