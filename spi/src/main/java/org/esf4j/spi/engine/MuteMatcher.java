package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.esf4j.api.EventType;
import org.esf4j.api.MuteRule;
import org.esf4j.spi.RawEvent;

/**
 * Muting with Apple ES semantics, evaluated on the reader thread without allocation. Kinds are
 * evaluated in order (process, executable path, target path); any kind may mute. A kind whose
 * muting is inverted turns its rules into a selection: an event that matches none of them is
 * muted (so inverting a kind with no rules mutes every event of the types it applies to). Paths
 * are resolved only when a rule of their kind exists.
 */
final class MuteMatcher {

    private static final MuteRule.Kind[] KINDS = MuteRule.Kind.values();

    /** [type][kind] → rules; null when the kind plays no part for the type. */
    private final Rule[][][] rules = new Rule[EventType.values().length][KINDS.length][];
    private final boolean[][] inverted = new boolean[EventType.values().length][KINDS.length];
    private final boolean any;

    private record Rule(int pid, byte[] path, boolean prefix) {
    }

    MuteMatcher(List<MuteRule> muteRules, Set<MuteRule.Kind> invertedKinds) {
        boolean some = false;
        for (EventType t : EventType.values()) {
            for (MuteRule.Kind k : KINDS) {
                List<Rule> list = new ArrayList<>();
                for (MuteRule r : muteRules) {
                    if (r.kind() == k && r.appliesTo(t)) {
                        list.add(new Rule(r.pid(), Bytes.utf8(r.path()), r.prefix()));
                    }
                }
                boolean inv = invertedKinds.contains(k);
                inverted[t.ordinal()][k.ordinal()] = inv;
                if (inv || !list.isEmpty()) {
                    rules[t.ordinal()][k.ordinal()] = list.toArray(new Rule[0]);
                    some = true;
                }
            }
        }
        this.any = some;
    }

    /** @return true when no rule and no inversion exists: muting never applies */
    boolean isEmpty() {
        return !any;
    }

    boolean isMuted(RawEvent e) {
        if (!any) {
            return false;
        }
        int t = e.type().ordinal();
        for (MuteRule.Kind k : KINDS) {
            Rule[] rs = rules[t][k.ordinal()];
            if (rs == null) {
                continue;
            }
            boolean match = false;
            for (Rule r : rs) {
                if (matches(r, k, e)) {
                    match = true;
                    break;
                }
            }
            if (match != inverted[t][k.ordinal()]) {
                return true;
            }
        }
        return false;
    }

    private static boolean matches(Rule r, MuteRule.Kind k, RawEvent e) {
        switch (k) {
            case PROCESS:
                return e.pid() == r.pid;
            case EXECUTABLE_PATH: {
                int n = e.executablePathLength();
                return r.prefix ? Bytes.startsWith(e.executablePath(), n, r.path) : Bytes.equals(e.executablePath(), n, r.path);
            }
            default: {
                int n = e.targetPathLength();
                return r.prefix ? Bytes.startsWith(e.targetPath(), n, r.path) : Bytes.equals(e.targetPath(), n, r.path);
            }
        }
    }
}
