package org.esf4j.spi.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.esf4j.api.EventKind;
import org.esf4j.api.MuteRule;
import org.esf4j.spi.RawEvent;

/**
 * Muting with Apple ES semantics, evaluated on the reader thread without allocation. Kinds are
 * evaluated in order (process, executable path, target path); any kind may mute. A kind whose
 * muting is inverted turns its rules into a selection: an event that matches none of them is
 * muted (so inverting a kind with no rules mutes every event of the kinds it applies to). Paths
 * are resolved only when a rule of their kind exists. The rules of each kind of event are
 * gathered the first time an event of that kind comes (the only allocation).
 */
final class MuteMatcher {

    private static final MuteRule.Kind[] KINDS = MuteRule.Kind.values();

    private final List<MuteRule> muteRules;
    private final Set<MuteRule.Kind> invertedKinds;
    private final boolean any;
    /** Per event kind: [rule kind] → rules (null when the rule kind plays no part). */
    private final Map<EventKind, Rule[][]> byEvent = new ConcurrentHashMap<>();

    private record Rule(int pid, byte[] path, boolean prefix) {
    }

    MuteMatcher(List<MuteRule> muteRules, Set<MuteRule.Kind> invertedKinds) {
        this.muteRules = List.copyOf(muteRules);
        this.invertedKinds = Set.copyOf(invertedKinds);
        this.any = !muteRules.isEmpty() || !invertedKinds.isEmpty();
    }

    /** @return true when no rule and no inversion exists: muting never applies */
    boolean isEmpty() {
        return !any;
    }

    private Rule[][] rules(EventKind event) {
        Rule[][] r = byEvent.get(event);
        if (r == null) {
            r = new Rule[KINDS.length][];
            for (MuteRule.Kind k : KINDS) {
                List<Rule> list = new ArrayList<>();
                for (MuteRule m : muteRules) {
                    if (m.kind() == k && m.appliesTo(event)) {
                        list.add(new Rule(m.pid(), Bytes.utf8(m.path()), m.prefix()));
                    }
                }
                if (invertedKinds.contains(k) || !list.isEmpty()) {
                    r[k.ordinal()] = list.toArray(new Rule[0]);
                }
            }
            byEvent.put(event, r);
        }
        return r;
    }

    boolean isMuted(RawEvent e) {
        if (!any) {
            return false;
        }
        Rule[][] rules = rules(e.kind());
        for (MuteRule.Kind k : KINDS) {
            Rule[] rs = rules[k.ordinal()];
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
            if (match != invertedKinds.contains(k)) {
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
