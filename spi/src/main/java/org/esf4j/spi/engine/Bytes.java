package org.esf4j.spi.engine;

/** Allocation-free comparisons of UTF-8 path bytes. */
final class Bytes {
    private Bytes() {
    }

    static boolean equals(byte[] a, int aLen, byte[] b) {
        if (aLen != b.length) {
            return false;
        }
        return java.util.Arrays.equals(a, 0, aLen, b, 0, b.length);
    }

    static boolean startsWith(byte[] a, int aLen, byte[] prefix) {
        return aLen >= prefix.length && java.util.Arrays.equals(a, 0, prefix.length, prefix, 0, prefix.length);
    }

    /**
     * Whether {@code path} is {@code dir} or lies under it, matching whole components
     * ({@code /srv/a} is under {@code /srv}, {@code /srvx} is not). {@code dir} has no trailing
     * slash, except for the root {@code /} itself.
     */
    static boolean atOrUnder(byte[] path, int len, byte[] dir) {
        if (!startsWith(path, len, dir)) {
            return false;
        }
        return len == dir.length || dir[dir.length - 1] == '/' || path[dir.length] == '/';
    }

    /** FNV-1a over {@code [0, len)}. */
    static long hash(byte[] a, int len) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < len; i++) {
            h ^= a[i] & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }
}
