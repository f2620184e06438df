/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SM3Digest;

/**
 * A modeling namespace's hash function, by the kernel's crypto name ({@code digest=} of the
 * {@code external} command): the JDK's digests where it has them, Bouncy Castle's for those it
 * lacks ({@code sm3}). Not thread-safe.
 */
abstract class TsemDigest {

    /** Kernel shash name to JDK algorithm. */
    private static final Map<String, String> JDK = Map.of(
            "sha1", "SHA-1",
            "sha224", "SHA-224",
            "sha256", "SHA-256",
            "sha384", "SHA-384",
            "sha512", "SHA-512",
            "sha3-224", "SHA3-224",
            "sha3-256", "SHA3-256",
            "sha3-384", "SHA3-384",
            "sha3-512", "SHA3-512");

    /** @return the kernel names this class knows, for messages */
    static String known() {
        java.util.TreeSet<String> s = new java.util.TreeSet<>(JDK.keySet());
        s.add("sm3");
        return String.join(", ", s);
    }

    /**
     * @param kernelName the kernel's name, e.g. {@code sha256}, {@code sm3}
     * @return a new digest
     * @throws IllegalArgumentException for a name esf4j cannot compute
     */
    static TsemDigest of(String kernelName) {
        Objects.requireNonNull(kernelName, "digest");
        String n = kernelName.toLowerCase(Locale.ROOT);
        if (n.equals("sm3")) {
            return new Bc(n, new SM3Digest());
        }
        String jdk = JDK.get(n);
        if (jdk == null) {
            throw new IllegalArgumentException("digest '" + kernelName + "' is not one esf4j can compute: " + known());
        }
        try {
            return new Jdk(n, MessageDigest.getInstance(jdk));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalArgumentException("this JDK lacks " + jdk + " for digest '" + kernelName + "'", e);
        }
    }

    private final String name;

    TsemDigest(String name) {
        this.name = name;
    }

    /** @return the kernel name */
    final String name() {
        return name;
    }

    /** @return the output size in bytes */
    abstract int size();

    abstract void update(byte[] b, int off, int len);

    final void update(byte[] b) {
        update(b, 0, b.length);
    }

    /** Writes the digest into {@code out} at {@code off} and resets. */
    abstract void finish(byte[] out, int off);

    final byte[] finish() {
        byte[] out = new byte[size()];
        finish(out, 0);
        return out;
    }

    private static final class Jdk extends TsemDigest {
        private final MessageDigest md;

        Jdk(String name, MessageDigest md) {
            super(name);
            this.md = md;
        }

        @Override
        int size() {
            return md.getDigestLength();
        }

        @Override
        void update(byte[] b, int off, int len) {
            md.update(b, off, len);
        }

        @Override
        void finish(byte[] out, int off) {
            try {
                md.digest(out, off, md.getDigestLength());
            } catch (java.security.DigestException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    private static final class Bc extends TsemDigest {
        private final Digest d;

        Bc(String name, Digest d) {
            super(name);
            this.d = d;
        }

        @Override
        int size() {
            return d.getDigestSize();
        }

        @Override
        void update(byte[] b, int off, int len) {
            d.update(b, off, len);
        }

        @Override
        void finish(byte[] out, int off) {
            d.doFinal(out, off);
        }
    }
}
