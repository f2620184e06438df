package org.esf4j.api;

/**
 * IP address literals without name resolution (unlike {@link java.net.InetAddress}, nothing here
 * ever asks DNS): parsing IPv4 dotted quads and IPv6 literals (with {@code ::} and an embedded
 * IPv4 tail), and formatting in the canonical text forms esf4j's events use: dotted quads, and
 * RFC 5952 for IPv6 (lower case, leading zeros dropped, the longest run of two or more zero groups
 * written {@code ::}, the first one on a tie, IPv4-mapped addresses as {@code ::ffff:192.0.2.1}).
 *
 * @since 0.1
 */
public final class IpLiterals {

    private IpLiterals() {
    }

    /** A network: its address with the host bits cleared, and its prefix length. */
    record Network(byte[] address, int prefixLength) {
    }

    static Network network(String cidr) {
        int slash = cidr.indexOf('/');
        byte[] a = parse(slash < 0 ? cidr : cidr.substring(0, slash));
        int bits = a.length * 8;
        int prefix = bits;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(cidr.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (prefix < 0 || prefix > bits) {
                throw new IllegalArgumentException("bad prefix length in '" + cidr + "' (0 to " + bits + ")");
            }
        }
        for (int i = 0; i < a.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            a[i] &= (byte) (0xff << (8 - keep));
        }
        return new Network(a, prefix);
    }

    /**
     * Whether an address lies in a network (allocates nothing).
     *
     * @param net the network address (4 or 16 bytes)
     * @param prefix its prefix length
     * @param address the address bytes
     * @param length how many of them (4 or 16): another length than the network's never matches
     * @return true when the first {@code prefix} bits are equal
     */
    public static boolean contains(byte[] net, int prefix, byte[] address, int length) {
        if (length != net.length) {
            return false;
        }
        for (int i = 0; i < net.length; i++) {
            int keep = Math.max(0, Math.min(8, prefix - 8 * i));
            int mask = (0xff << (8 - keep)) & 0xff;
            if (((address[i] ^ net[i]) & mask) != 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses an IPv4 or IPv6 literal.
     *
     * @param s the literal, e.g. {@code 192.0.2.1} or {@code 2001:db8::1}
     * @return 4 or 16 bytes in network order
     * @throws IllegalArgumentException naming the input when it is not a literal
     */
    public static byte[] parse(String s) {
        byte[] v4 = parse4(s);
        if (v4 != null) {
            return v4;
        }
        byte[] v6 = parse6(s);
        if (v6 != null) {
            return v6;
        }
        throw new IllegalArgumentException("not an IP address literal: '" + s + "'");
    }

    private static byte[] parse4(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            if (p[i].isEmpty() || p[i].length() > 3 || !p[i].chars().allMatch(Character::isDigit)) {
                return null;
            }
            int v = Integer.parseInt(p[i]);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] parse6(String s) {
        if (s.indexOf(':') < 0) {
            return null;
        }
        int dbl = s.indexOf("::");
        if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) {
            return null;
        }
        String head = dbl >= 0 ? s.substring(0, dbl) : s;
        String tail = dbl >= 0 ? s.substring(dbl + 2) : "";
        int[] h = groups(head);
        int[] t = groups(tail);
        if (h == null || t == null) {
            return null;
        }
        int n = h.length + t.length;
        if (dbl < 0 ? n != 8 : n > 7) {
            return null;
        }
        byte[] out = new byte[16];
        for (int i = 0; i < h.length; i++) {
            out[2 * i] = (byte) (h[i] >> 8);
            out[2 * i + 1] = (byte) h[i];
        }
        for (int i = 0; i < t.length; i++) {
            int g = 8 - t.length + i;
            out[2 * g] = (byte) (t[i] >> 8);
            out[2 * g + 1] = (byte) t[i];
        }
        return out;
    }

    /** Groups of 16 bits; a trailing IPv4 literal counts as two. Null when malformed. */
    private static int[] groups(String s) {
        if (s.isEmpty()) {
            return new int[0];
        }
        String[] p = s.split(":", -1);
        int last = p.length - 1;
        byte[] v4 = p[last].indexOf('.') >= 0 ? parse4(p[last]) : null;
        if (p[last].indexOf('.') >= 0 && v4 == null) {
            return null;
        }
        int[] out = new int[v4 != null ? p.length + 1 : p.length];
        for (int i = 0; i < (v4 != null ? last : p.length); i++) {
            if (p[i].isEmpty() || p[i].length() > 4) {
                return null;
            }
            try {
                out[i] = Integer.parseInt(p[i], 16);
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (v4 != null) {
            out[last] = (v4[0] & 0xff) << 8 | (v4[1] & 0xff);
            out[last + 1] = (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
        }
        return out;
    }

    /**
     * Formats an address: an IPv4 dotted quad, or IPv6 in the RFC 5952 form.
     *
     * @param a 4 or 16 bytes in network order
     * @return the text
     * @throws IllegalArgumentException for another length
     */
    public static String format(byte[] a) {
        return format(a, 0, a.length);
    }

    /**
     * Formats {@code length} bytes of {@code a} from {@code offset}, as {@link #format(byte[])}.
     *
     * @param a the bytes
     * @param offset where the address starts
     * @param length 4 or 16
     * @return the text
     * @throws IllegalArgumentException for another length
     */
    public static String format(byte[] a, int offset, int length) {
        if (length == 4) {
            return (a[offset] & 0xff) + "." + (a[offset + 1] & 0xff) + "." + (a[offset + 2] & 0xff) + "."
                    + (a[offset + 3] & 0xff);
        }
        if (length != 16) {
            throw new IllegalArgumentException("an address has 4 or 16 bytes, not " + length);
        }
        boolean mapped = true;
        for (int i = 0; i < 10; i++) {
            mapped &= a[offset + i] == 0;
        }
        if (mapped && a[offset + 10] == (byte) 0xff && a[offset + 11] == (byte) 0xff) {
            return "::ffff:" + format(a, offset + 12, 4);
        }
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (a[offset + 2 * i] & 0xff) << 8 | (a[offset + 2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLen = 1; // a single zero group is never shortened
        for (int i = 0; i < 8; ) {
            if (g[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestStart = i;
                bestLen = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder(39);
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLen - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(g[i]));
        }
        return sb.toString();
    }
}
