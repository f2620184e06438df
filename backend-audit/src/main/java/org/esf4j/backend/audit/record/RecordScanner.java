package org.esf4j.backend.audit.record;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * The scanning routines shared by {@link AuditRecord} and {@link AuditEvent}: header, fields,
 * values. Static, allocation-free, and total: any input, any range within the array, returns a
 * result rather than throwing (callers check ranges before calling).
 *
 * <p>Record text, as the kernel formats it ({@code kernel/audit.c audit_log_start}):
 *
 * <pre>
 * audit(1795404281.065:3211): arch=c000003e syscall=49 success=yes ... comm="capture" key=(null)
 * ^     ^          ^   ^     ^
 * |     seconds    |   serial fields: key=value separated by spaces
 * "audit("         millis (3 digits)
 * </pre>
 *
 * <p>A field is stored as four ints at {@code base + 4 * i}: key offset, key length, value offset,
 * value length. Fields are separated by blanks: a space, or any other byte up to 0x20 (the kernel
 * writes single spaces; a control byte can only appear inside quotes of user-space text). The
 * value slice is raw: a double- or single-quoted value includes its quotes and runs to the closing
 * quote, so {@code msg='op=login acct="x" res=success'} is one value. Tokens without {@code =}
 * (the {@code avc:  denied  { read } for} prefix of AVC records) are skipped.
 *
 * <p>Long values (hex PROCTITLE, EXECVE chunks of up to 7.5 KB) are scanned eight bytes at a time
 * (SWAR: a little-endian long read from the byte array, and the classic has-zero-byte and
 * has-byte-less-than tests; the lowest flagged byte is exact).
 */
final class RecordScanner {
    /** Set in the result of {@link #fields} when fields beyond {@code max} were ignored. */
    static final int TRUNCATED = 1 << 30;
    /** Mask for the field count in the result of {@link #fields}. */
    static final int COUNT_MASK = TRUNCATED - 1;

    /** Ints per field in a field index array. */
    static final int STRIDE = 4;

    private static final long MAX_SERIAL = 0xffff_ffffL;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class,
            ByteOrder.LITTLE_ENDIAN);
    private static final long ONES = 0x0101_0101_0101_0101L;
    private static final long HIGHS = 0x8080_8080_8080_8080L;
    private static final long BLANK_LIMIT = 0x21 * ONES;
    private static final long SECONDS_LIMIT = Long.MAX_VALUE / 10 - 10;

    private RecordScanner() {
    }

    /**
     * The end of the record text: {@code end} less trailing NULs and newlines.
     */
    static int trimEnd(byte[] b, int off, int end) {
        while (end > off) {
            byte c = b[end - 1];
            if (c != 0 && c != '\n' && c != '\r') {
                break;
            }
            end--;
        }
        return end;
    }

    /**
     * Parses {@code audit(<sec>.<msec>:<serial>):} at {@code off}.
     *
     * @param out receives seconds, millis and serial at indexes 0, 1, 2
     * @return the offset of the first byte after the header and the blanks that follow it, or -1
     *         when the header is malformed
     */
    static int header(byte[] b, int off, int end, long[] out) {
        int p = off;
        if (end - p < 13 // audit(1.0:1):
                || b[p] != 'a' || b[p + 1] != 'u' || b[p + 2] != 'd' || b[p + 3] != 'i' || b[p + 4] != 't'
                || b[p + 5] != '(') {
            return -1;
        }
        p += 6;
        long sec = 0;
        int start = p;
        while (p < end) {
            int d = b[p] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            if (sec > SECONDS_LIMIT) {
                return -1;
            }
            sec = sec * 10 + d;
            p++;
        }
        if (p == start || p >= end || b[p] != '.') {
            return -1;
        }
        p++;
        int ms = 0;
        start = p;
        while (p < end && p - start < 3) {
            int d = b[p] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            ms = ms * 10 + d;
            p++;
        }
        if (p == start || p >= end || b[p] != ':') {
            return -1;
        }
        p++;
        long serial = 0;
        start = p;
        while (p < end) {
            int d = b[p] - '0';
            if (d < 0 || d > 9) {
                break;
            }
            serial = serial * 10 + d;
            if (serial > MAX_SERIAL) {
                return -1;
            }
            p++;
        }
        if (p == start || end - p < 2 || b[p] != ')' || b[p + 1] != ':') {
            return -1;
        }
        p += 2;
        while (p < end && b[p] == ' ') {
            p++;
        }
        out[0] = sec;
        out[1] = ms;
        out[2] = serial;
        return p;
    }

    /**
     * Indexes the {@code key=value} fields of {@code b[p, end)} into {@code f} from {@code base}.
     * {@code f} must have room for {@code max} fields from {@code base}.
     *
     * @return the number of fields stored, or-ed with {@link #TRUNCATED} when more were present
     */
    static int fields(byte[] b, int p, int end, int[] f, int base, int max) {
        int count = 0;
        int truncated = 0;
        int w = base;
        while (p < end) {
            byte c = b[p];
            if (isBlank(c)) {
                p++;
                continue;
            }
            int keyStart = p;
            // key: up to '=' or a blank (keys are short: byte by byte)
            while (p < end) {
                c = b[p];
                if (c == '=' || isBlank(c)) {
                    break;
                }
                p++;
            }
            if (p >= end || c != '=') {
                continue; // a token without '=': skip it
            }
            int keyEnd = p;
            p++;
            int valStart = p;
            if (p < end && ((c = b[p]) == '"' || c == '\'')) {
                int q = indexOf(b, p + 1, end, c);
                p = q < end ? q + 1 : end;
            } else {
                p = blank(b, p, end);
            }
            if (count < max) {
                f[w] = keyStart;
                f[w + 1] = keyEnd - keyStart;
                f[w + 2] = valStart;
                f[w + 3] = p - valStart;
                w += STRIDE;
                count++;
            } else {
                truncated = TRUNCATED;
            }
        }
        return count | truncated;
    }

    /** A byte from 0x00 to 0x20. */
    private static boolean isBlank(byte c) {
        return c >= 0 && c <= 0x20;
    }

    /** The index of the first blank in {@code b[p, end)}, or {@code end}. */
    static int blank(byte[] b, int p, int end) {
        while (end - p >= 8) {
            long x = (long) LONGS.get(b, p);
            long t = (x - BLANK_LIMIT) & ~x & HIGHS; // bytes below 0x21 (bytes >= 0x80 excluded)
            if (t != 0) {
                return p + (Long.numberOfTrailingZeros(t) >>> 3);
            }
            p += 8;
        }
        while (p < end && !isBlank(b[p])) {
            p++;
        }
        return p;
    }

    /** The index of the first {@code c} in {@code b[p, end)}, or {@code end}. */
    static int indexOf(byte[] b, int p, int end, byte c) {
        long pattern = (c & 0xff) * ONES;
        while (end - p >= 8) {
            long x = (long) LONGS.get(b, p) ^ pattern;
            long t = (x - ONES) & ~x & HIGHS; // zero bytes of x
            if (t != 0) {
                return p + (Long.numberOfTrailingZeros(t) >>> 3);
            }
            p += 8;
        }
        while (p < end && b[p] != c) {
            p++;
        }
        return p;
    }

    /** Whether {@code b[off, off+len)} is a non-empty even-length run of upper-case hex digits. */
    static boolean isHex(byte[] b, int off, int len) {
        if (len == 0 || (len & 1) != 0) {
            return false;
        }
        for (int i = off, e = off + len; i < e; i++) {
            byte c = b[i];
            if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'))) {
                return false;
            }
        }
        return true;
    }

    static int hexDigit(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        return -1;
    }

    /**
     * Whether the value of this key is written with the kernel's untrusted-string encoding (quoted
     * when printable, otherwise upper-case hex without quotes) or always as hex
     * ({@code saddr}, {@code proctitle}, TTY {@code data}). For EXECVE records also {@code aN} and
     * {@code aN[i]} (but not {@code aN_len} or {@code argc}).
     */
    static boolean isEncodedKey(int type, byte[] b, int ko, int kl) {
        switch (kl) {
            case 3:
                return eq(b, ko, 'e', 'x', 'e') || eq(b, ko, 'c', 'w', 'd') || eq(b, ko, 'k', 'e', 'y')
                        || eq(b, ko, 'd', 'i', 'r') || eq(b, ko, 'c', 'm', 'd') || isArg(type, b, ko, kl);
            case 4:
                return eq(b, ko, 'n', 'a', 'm', 'e') || eq(b, ko, 'c', 'o', 'm', 'm') || eq(b, ko, 'p', 'a', 't', 'h')
                        || eq(b, ko, 'd', 'a', 't', 'a') || eq(b, ko, 'a', 'c', 'c', 't') || isArg(type, b, ko, kl);
            case 5:
                return eq(b, ko, 's', 'a', 'd', 'd', 'r') || eq(b, ko, 'o', 'c', 'o', 'm', 'm')
                        || eq(b, ko, 'w', 'a', 't', 'c', 'h') || isArg(type, b, ko, kl);
            case 9:
                return eq(b, ko, 'p', 'r', 'o', 'c', 't', 'i', 't', 'l', 'e') || isArg(type, b, ko, kl);
            default:
                return isArg(type, b, ko, kl);
        }
    }

    /** EXECVE {@code aN} or {@code aN[i]}. */
    private static boolean isArg(int type, byte[] b, int ko, int kl) {
        if (type != AuditType.EXECVE || kl < 2 || b[ko] != 'a') {
            return false;
        }
        int p = ko + 1;
        int e = ko + kl;
        int digits = p;
        while (p < e && b[p] >= '0' && b[p] <= '9') {
            p++;
        }
        if (p == digits) {
            return false;
        }
        if (p == e) {
            return true;
        }
        if (b[p] != '[' || b[e - 1] != ']' || e - p < 3) {
            return false;
        }
        for (int i = p + 1; i < e - 1; i++) {
            if (b[i] < '0' || b[i] > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean eq(byte[] b, int o, char c0, char c1, char c2) {
        return b[o] == c0 && b[o + 1] == c1 && b[o + 2] == c2;
    }

    private static boolean eq(byte[] b, int o, char c0, char c1, char c2, char c3) {
        return b[o] == c0 && b[o + 1] == c1 && b[o + 2] == c2 && b[o + 3] == c3;
    }

    private static boolean eq(byte[] b, int o, char c0, char c1, char c2, char c3, char c4) {
        return b[o] == c0 && b[o + 1] == c1 && b[o + 2] == c2 && b[o + 3] == c3 && b[o + 4] == c4;
    }

    private static boolean eq(byte[] b, int o, char c0, char c1, char c2, char c3, char c4, char c5, char c6,
            char c7, char c8) {
        return b[o] == c0 && b[o + 1] == c1 && b[o + 2] == c2 && b[o + 3] == c3 && b[o + 4] == c4
                && b[o + 5] == c5 && b[o + 6] == c6 && b[o + 7] == c7 && b[o + 8] == c8;
    }

    /**
     * Decodes a raw value slice into {@code dst} at {@code dstOff}, writing at most the room left.
     * Quoted: the contents (an unterminated quote runs to the end of the slice). Unquoted upper-case
     * hex of an encoded key: the bytes. Anything else: the raw bytes.
     *
     * @return the number of bytes written
     */
    static int decode(int type, byte[] b, int ko, int kl, int vo, int vl, byte[] dst, int dstOff) {
        int room = dst.length - dstOff;
        if (vl > 0) {
            byte q = b[vo];
            if (q == '"' || q == '\'') {
                int s = vo + 1;
                int n = vl - 1;
                if (n > 0 && b[vo + vl - 1] == q) {
                    n--;
                }
                n = Math.min(n, room);
                System.arraycopy(b, s, dst, dstOff, n);
                return n;
            }
            if (isEncodedKey(type, b, ko, kl) && isHex(b, vo, vl)) {
                int n = Math.min(vl >>> 1, room);
                for (int i = 0, s = vo; i < n; i++, s += 2) {
                    dst[dstOff + i] = (byte) ((hexDigit(b[s]) << 4) | hexDigit(b[s + 1]));
                }
                return n;
            }
        }
        int n = Math.min(vl, room);
        System.arraycopy(b, vo, dst, dstOff, n);
        return n;
    }

    /**
     * The length of the encoded text of a value, as EXECVE {@code aN_len} counts it: the contents of
     * a quoted value, otherwise the raw length.
     */
    static int encodedLength(byte[] b, int vo, int vl) {
        if (vl > 0 && (b[vo] == '"' || b[vo] == '\'')) {
            return vl >= 2 && b[vo + vl - 1] == b[vo] ? vl - 2 : vl - 1;
        }
        return vl;
    }

    /**
     * Parses a number: radix 10 with an optional '-', any other radix (2..36) unsigned, 16 with an
     * optional {@code 0x}; at most 64 bits.
     *
     * @return the value, or {@code dflt} when the slice is not such a number
     */
    static long number(byte[] b, int vo, int vl, int radix, long dflt) {
        if (vl <= 0 || radix < 2 || radix > 36) {
            return dflt;
        }
        int p = vo;
        int e = vo + vl;
        if (radix == 10) {
            boolean neg = b[p] == '-';
            if (neg) {
                p++;
            }
            if (p == e) {
                return dflt;
            }
            long v = 0;
            // accumulate negatively so that Long.MIN_VALUE fits
            for (; p < e; p++) {
                int d = b[p] - '0';
                if (d < 0 || d > 9 || v < Long.MIN_VALUE / 10 || (v == Long.MIN_VALUE / 10 && d > 8)) {
                    return dflt;
                }
                v = v * 10 - d;
            }
            if (!neg) {
                if (v == Long.MIN_VALUE) {
                    return dflt;
                }
                v = -v;
            }
            return v;
        }
        if (radix == 16 && e - p > 2 && b[p] == '0' && (b[p + 1] == 'x' || b[p + 1] == 'X')) {
            p += 2;
        }
        long v = 0;
        long limit = Long.divideUnsigned(-1L, radix);
        for (; p < e; p++) {
            byte c = b[p];
            int d;
            if (c >= '0' && c <= '9') {
                d = c - '0';
            } else if (c >= 'a' && c <= 'z') {
                d = c - 'a' + 10;
            } else if (c >= 'A' && c <= 'Z') {
                d = c - 'A' + 10;
            } else {
                return dflt;
            }
            if (d >= radix || Long.compareUnsigned(v, limit) > 0) {
                return dflt;
            }
            long nv = v * radix + d;
            if (Long.compareUnsigned(nv, v * radix) < 0) {
                return dflt; // overflow in the addition
            }
            v = nv;
        }
        return v;
    }
}
