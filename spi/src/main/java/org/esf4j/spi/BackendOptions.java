package org.esf4j.spi;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.esf4j.api.Esf4jException;

/**
 * The one parser of backend options ({@code ClientConfig.Builder.backendOption}): the options of
 * one backend, keyed {@code <backend>.<option>}, checked against the options it knows (an unknown
 * one is refused, naming the known ones), each value parsed with its range in the message when it
 * is wrong. Options of other backends are ignored.
 *
 * @since 0.1
 */
public final class BackendOptions {

    private final Map<String, String> all;
    private final String prefix;

    private BackendOptions(Map<String, String> all, String prefix) {
        this.all = all;
        this.prefix = prefix;
    }

    /**
     * The options of one backend.
     *
     * @param all every backend option of the client
     * @param backend the backend's name
     * @param known the option names it knows, without the prefix
     * @return the parser
     * @throws Esf4jException naming an unknown option
     */
    public static BackendOptions of(Map<String, String> all, String backend, String... known) {
        String prefix = backend + ".";
        Set<String> k = new TreeSet<>(Arrays.asList(known));
        for (String key : all.keySet()) {
            if (key.startsWith(prefix) && !k.contains(key.substring(prefix.length()))) {
                StringBuilder names = new StringBuilder();
                k.forEach(n -> names.append(names.length() == 0 ? "" : ", ").append(prefix).append(n));
                throw new Esf4jException("unknown " + backend + " option '" + key + "' (known: "
                        + (names.length() == 0 ? "none" : names) + ")");
            }
        }
        return new BackendOptions(all, prefix);
    }

    /**
     * Whether an option is set.
     *
     * @param name the option, without the prefix
     * @return true when set
     */
    public boolean has(String name) {
        return all.containsKey(prefix + name);
    }

    /**
     * A string option.
     *
     * @param name the option, without the prefix
     * @return its value (trimmed), or null when not set
     */
    public String string(String name) {
        String v = all.get(prefix + name);
        return v == null ? null : v.trim();
    }

    /**
     * An integer option in a range.
     *
     * @param name the option
     * @param dflt the default
     * @param min the least value
     * @param max the greatest value
     * @return the value
     * @throws Esf4jException when it is not a number in the range
     */
    public int integer(String name, int dflt, int min, int max) {
        String v = string(name);
        if (v == null) {
            return dflt;
        }
        int n;
        try {
            n = Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new Esf4jException(prefix + name + " must be a number, got '" + v + "'");
        }
        if (n < min || n > max) {
            throw new Esf4jException(prefix + name + " must be between " + min + " and " + max + ", got " + n);
        }
        return n;
    }

    /**
     * A boolean option ({@code true} or {@code false}).
     *
     * @param name the option
     * @param dflt the default
     * @return the value
     * @throws Esf4jException for another value
     */
    public boolean bool(String name, boolean dflt) {
        String v = string(name);
        if (v == null) {
            return dflt;
        }
        if (!v.equals("true") && !v.equals("false")) {
            throw new Esf4jException(prefix + name + " must be true or false, got '" + v + "'");
        }
        return v.equals("true");
    }

    /**
     * One of a set of words.
     *
     * @param name the option
     * @param dflt the default
     * @param allowed the words
     * @return the value
     * @throws Esf4jException for another word
     */
    public String choice(String name, String dflt, String... allowed) {
        String v = string(name);
        if (v == null) {
            return dflt;
        }
        if (!Arrays.asList(allowed).contains(v)) {
            throw new Esf4jException(prefix + name + " must be one of " + String.join(", ", allowed) + ", got '" + v
                    + "'");
        }
        return v;
    }
}
