/*
 * SPDX-License-Identifier: Apache-2.0
 */
package org.esf4j.backend.tsem;

import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The parameters of a new modeling namespace ({@code external} or {@code export} command) and of
 * its launch. Immutable; every {@code with…} method returns a copy.
 *
 * @since 0.2
 */
public final class TsemLaunch {

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.-]{1,32}");

    private final boolean external;
    private final String modelName;
    private final String digest;
    private final int cache;
    private final boolean nsrefCurrent;
    private final boolean enforce;
    private final boolean seal;
    private final TsemModel model;
    private final Duration timeout;

    private TsemLaunch(boolean external, String modelName, String digest, int cache, boolean nsrefCurrent,
                       boolean enforce, boolean seal, TsemModel model, Duration timeout) {
        this.external = external;
        this.modelName = modelName;
        this.digest = digest;
        this.cache = cache;
        this.nsrefCurrent = nsrefCurrent;
        this.enforce = enforce;
        this.seal = seal;
        this.model = model;
        this.timeout = timeout;
    }

    /**
     * An {@code external} namespace: every modeled operation of the workload waits in the kernel
     * until this client releases it (or its deadline does).
     *
     * @return the options
     */
    public static TsemLaunch external() {
        return new TsemLaunch(true, null, "sha256", 0, false, false, false, null, Duration.ofSeconds(10));
    }

    /**
     * An {@code export} namespace: the workload's events are reported ({@code async_event}) and
     * nothing waits; a verdict changes nothing.
     *
     * @return the options
     */
    public static TsemLaunch export() {
        return new TsemLaunch(false, null, "sha256", 0, false, false, false, null, Duration.ofSeconds(10));
    }

    /**
     * {@code model=NAME}: a model the kernel has registered (v4+); none means the kernel's default.
     *
     * @param name the model's name
     * @return a copy
     */
    public TsemLaunch withKernelModel(String name) {
        if (!NAME.matcher(Objects.requireNonNull(name, "name")).matches()) {
            throw new IllegalArgumentException("a model name is 1-32 of [A-Za-z0-9_.-], got '" + name + "'");
        }
        return new TsemLaunch(external, name, digest, cache, nsrefCurrent, enforce, seal, model, timeout);
    }

    /**
     * {@code digest=NAME}: the namespace's hash function by its kernel name (default {@code sha256});
     * it must be one esf4j can compute too ({@code sha1}, {@code sha224}, {@code sha256},
     * {@code sha384}, {@code sha512}, {@code sha3-224} … {@code sha3-512}, {@code sm3}).
     *
     * @param name the kernel's name
     * @return a copy
     */
    public TsemLaunch withDigest(String name) {
        TsemDigest.of(name); // refuse one esf4j cannot compute now, not at the first record
        return new TsemLaunch(external, modelName, name.toLowerCase(java.util.Locale.ROOT), cache, nsrefCurrent,
                enforce, seal, model, timeout);
    }

    /**
     * {@code cache=N}: the size of the namespace's preallocated event magazines (kernel default 128).
     *
     * @param n 1 to 65536
     * @return a copy
     */
    public TsemLaunch withCache(int n) {
        if (n < 1 || n > 65536) {
            throw new IllegalArgumentException("cache must be 1-65536, got " + n);
        }
        return new TsemLaunch(external, modelName, digest, n, nsrefCurrent, enforce, seal, model, timeout);
    }

    /**
     * {@code nsref=current}: report UIDs and GIDs in the workload's own user namespace rather than
     * the initial one (the default).
     *
     * @return a copy
     */
    public TsemLaunch withCurrentUserNamespace() {
        return new TsemLaunch(external, modelName, digest, cache, true, enforce, seal, model, timeout);
    }

    /**
     * Writes {@code enforce} from inside the namespace before the command starts: an untrusted
     * process's later operations then fail with {@code EPERM} instead of being only logged. The
     * kernel takes this command only from a process in the namespace, so it can be given only at
     * launch.
     *
     * @return a copy
     */
    public TsemLaunch withEnforce() {
        return new TsemLaunch(external, modelName, digest, cache, nsrefCurrent, true, seal, model, timeout);
    }

    /**
     * Writes {@code seal} from inside the namespace before the command starts (after
     * {@code enforce}, when both are asked): the kernel's model of the namespace is frozen and
     * further {@code enforce}/{@code seal} commands fail with {@code EPERM}.
     *
     * @return a copy
     */
    public TsemLaunch withSeal() {
        return new TsemLaunch(external, modelName, digest, cache, nsrefCurrent, enforce, true, model, timeout);
    }

    /**
     * Models the workload in user space: every event's security state coefficient is computed and
     * learned or checked (see {@link TsemModel}).
     *
     * @param m the model, learning or enforcing
     * @return a copy
     */
    public TsemLaunch withModel(TsemModel m) {
        Objects.requireNonNull(m, "model");
        if (!m.digestName().equals(digest)) {
            throw new IllegalArgumentException("the model uses " + m.digestName() + " and the namespace " + digest
                    + ": call withDigest first");
        }
        return new TsemLaunch(external, modelName, digest, cache, nsrefCurrent, enforce, seal, m, timeout);
    }

    /**
     * How long the launch waits for the shell to report the namespace (default 10 s).
     *
     * @param d a positive duration
     * @return a copy
     */
    public TsemLaunch withTimeout(Duration d) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException("timeout must be positive, got " + d);
        }
        return new TsemLaunch(external, modelName, digest, cache, nsrefCurrent, enforce, seal, model, d);
    }

    /** @return true for {@code external}, false for {@code export} */
    public boolean isExternal() {
        return external;
    }

    /** @return the kernel model's name, or null */
    public String kernelModel() {
        return modelName;
    }

    /** @return the digest's kernel name */
    public String digest() {
        return digest;
    }

    /** @return the cache size, or 0 for the kernel's default */
    public int cache() {
        return cache;
    }

    /** @return whether {@code nsref=current} */
    public boolean currentUserNamespace() {
        return nsrefCurrent;
    }

    /** @return whether {@code enforce} is written at launch */
    public boolean enforce() {
        return enforce;
    }

    /** @return whether {@code seal} is written at launch */
    public boolean seal() {
        return seal;
    }

    /** @return the userspace model, or null */
    public TsemModel model() {
        return model;
    }

    /** @return the launch timeout */
    public Duration timeout() {
        return timeout;
    }

    /**
     * The namespace command, without a key and without the final newline.
     *
     * @return e.g. {@code external digest=sha256}
     */
    String command() {
        StringBuilder b = new StringBuilder(external ? "external" : "export");
        if (modelName != null) {
            b.append(" model=").append(modelName);
        }
        if (nsrefCurrent) {
            b.append(" nsref=current");
        }
        b.append(" digest=").append(digest);
        if (cache > 0) {
            b.append(" cache=").append(cache);
        }
        return b.toString();
    }

    @Override
    public String toString() {
        return command() + (enforce ? " +enforce" : "") + (seal ? " +seal" : "") + (model != null ? " +" + model : "");
    }
}
