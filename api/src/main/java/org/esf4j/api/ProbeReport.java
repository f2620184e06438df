package org.esf4j.api;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The result of {@link EndpointSecurity#probe()}.
 *
 * @param kernelRelease {@code uname -r}
 * @param javaVersion the running JDK's version
 * @param backends one entry per backend found on the class path, in priority order
 * @param probeNanos how long the probe took
 * @since 0.1
 */
public record ProbeReport(String kernelRelease, String javaVersion, List<BackendStatus> backends, long probeNanos) {

    /**
     * Copies.
     *
     * @param kernelRelease release
     * @param javaVersion java version
     * @param backends backends
     * @param probeNanos duration
     */
    public ProbeReport {
        backends = List.copyOf(backends);
    }

    /**
     * The best decision class per original event type over the available backends.
     *
     * @return event type to decision class; absent when no available backend offers the type
     */
    public Map<EventType, DecisionClass> bestDecisionClasses() {
        Map<EventType, DecisionClass> best = new TreeMap<>();
        bestOffers().forEach((k, c) -> {
            EventType t = EventType.of(k);
            if (t != null) {
                best.put(t, c);
            }
        });
        return best;
    }

    /**
     * The best decision class per kind of event over the available backends (the strongest, by
     * {@link DecisionClass#strength()}).
     *
     * @return kind to decision class; absent when no available backend offers the kind
     */
    public Map<EventKind, DecisionClass> bestOffers() {
        Map<EventKind, DecisionClass> best = new TreeMap<>();
        for (BackendStatus b : backends) {
            if (!b.available()) {
                continue;
            }
            b.offers().forEach((k, c) -> best.merge(k, c, (x, y) -> x.strength() <= y.strength() ? x : y));
        }
        return best;
    }

    /**
     * The report as a JSON object: {@code {"kernel":..,"java":..,"probeMillis":..,"backends":[..]}}.
     *
     * @return JSON text
     */
    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append("{\"kernel\":").append(Json.quote(kernelRelease))
          .append(",\"java\":").append(Json.quote(javaVersion))
          .append(",\"probeMillis\":").append(String.format(java.util.Locale.ROOT, "%.1f", probeNanos / 1e6))
          .append(",\"backends\":[");
        for (int i = 0; i < backends.size(); i++) {
            BackendStatus b = backends.get(i);
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"name\":").append(Json.quote(b.name()))
              .append(",\"available\":").append(b.available())
              .append(",\"reasonCode\":").append(Json.quote(b.reason().name()))
              .append(",\"reason\":").append(Json.quote(b.message()));
            if (!b.available()) {
                sb.append(",\"remedy\":").append(Json.quote(b.remedy()));
            }
            sb.append(",\"binding\":").append(Json.quote(b.binding())).append(",\"events\":{");
            boolean first = true;
            for (Map.Entry<EventKind, DecisionClass> e : b.offers().entrySet()) {
                if (!first) {
                    sb.append(',');
                }
                first = false;
                sb.append(Json.quote(e.getKey().name())).append(':').append(Json.quote(e.getValue().name()));
            }
            sb.append("}}");
        }
        return sb.append("]}").toString();
    }
}
