package org.esf4j.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.TreeSet;
import org.esf4j.api.EventKind;
import org.esf4j.api.Mode;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.Coverage;
import org.esf4j.spi.Coverage.Field;
import org.esf4j.spi.Coverage.Support;

/**
 * {@code esf4j coverage}: what every backend on the class path declares it gives, per kind of
 * event, mode and field (its {@link Coverage}, which the conformance suite holds it to), as the
 * Markdown tables of README's field section.
 */
final class CoverageTable {

    private CoverageTable() {
    }

    /** The backends on the class path, by name. */
    static List<BackendProvider> providers() {
        List<BackendProvider> out = new ArrayList<>();
        ServiceLoader.load(BackendProvider.class, CoverageTable.class.getClassLoader()).forEach(out::add);
        out.sort(Comparator.comparing(BackendProvider::name));
        return out;
    }

    static String markdown(List<BackendProvider> providers) {
        StringBuilder sb = new StringBuilder();
        sb.append("| field | accessors | meaning | when absent |\n|---|---|---|---|\n");
        for (Field f : Field.values()) {
            sb.append("| ").append(f.name()).append(" | `").append(f.accessor()).append("` | ").append(f.meaning())
              .append(" | `").append(f.absent()).append("` |\n");
        }
        Set<EventKind> kinds = new TreeSet<>();
        java.util.Map<String, Integer> own = new java.util.TreeMap<>();
        for (BackendProvider p : providers) {
            for (EventKind k : p.coverage().kinds()) {
                if (k.isExtension()) {
                    own.merge(p.name(), 1, Integer::sum); // a source's own kinds: GenericEvent, one line below
                } else {
                    kinds.add(k);
                }
            }
        }
        for (EventKind k : kinds) {
            List<String> columns = new ArrayList<>();
            List<Map<Field, Support>> declared = new ArrayList<>();
            for (BackendProvider p : providers) {
                for (Mode m : Mode.values()) {
                    Map<Field, Support> f = p.coverage().fields(k, m);
                    if (!f.isEmpty()) {
                        columns.add(p.name() + " " + m);
                        declared.add(f);
                    }
                }
            }
            sb.append("\n**").append(k.eventClass().getSimpleName()).append("** (`").append(k.name()).append("`)\n\n| field |");
            columns.forEach(c -> sb.append(' ').append(c).append(" |"));
            sb.append("\n|---|");
            columns.forEach(c -> sb.append("---|"));
            sb.append('\n');
            Set<Field> rows = EnumSet.noneOf(Field.class);
            declared.forEach(d -> d.forEach((f, s) -> {
                if (s != Support.ABSENT) {
                    rows.add(f);
                }
            }));
            for (Field f : rows) {
                sb.append("| ").append(f.name()).append(" |");
                for (Map<Field, Support> d : declared) {
                    sb.append(' ').append(cell(d.getOrDefault(f, Support.ABSENT))).append(" |");
                }
                sb.append('\n');
            }
            for (BackendProvider p : providers) {
                Set<Coverage.Quirk> q = p.coverage().quirks().get(k);
                if (q != null && !q.isEmpty()) {
                    sb.append("\n").append(p.name()).append(":");
                    q.forEach(x -> sb.append(" ").append(x.text()).append(';'));
                    sb.setLength(sb.length() - 1);
                    sb.append('.');
                }
            }
            sb.append('\n');
        }
        own.forEach((backend, n) -> sb.append('\n').append(backend).append(": ").append(n)
                .append(" kinds of its own (`GenericEvent`), described in its section of this README.\n"));
        return sb.toString();
    }

    private static String cell(Support s) {
        return switch (s) {
            case EXACT -> "exact";
            case EXACT_OR_ABSENT -> "exact or absent";
            case MARKED -> "marked";
            case ABSENT -> "–";
        };
    }
}
