package org.esf4j.api;

import java.nio.channels.SeekableByteChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Several subscribers deciding the same AUTH events through one client, and so through one kernel
 * group (the model of Apple's Endpoint Security, where several clients see one event): each
 * subscriber sees every AUTH event of the client; a deny from any of them is sent at once
 * (<em>deny wins</em>); an allow is sent once every subscriber allowed (cached only when every one
 * asked for it); the earliest deadline of the subscribers governs, and at it the client's deadline
 * verdict goes to the kernel whoever has not answered.
 *
 * <p>Why one client rather than one per product component: the kernel asks fanotify groups one
 * after another, each waiting for its own answer, so two clients on one mount make a process wait
 * for the sum of their deadlines, and two that read the file each raise events for the other.
 * Through one client a process waits for the earliest deadline at most.
 *
 * <p>Subscribers are called one after another, in the order they were added, on the client's
 * handler thread; a subscriber that needs time should answer later through
 * {@link Authorization#respond(Verdict)} (return {@code null}) so that the others are not held up.
 * A subscriber that throws gives no answer: its failure is counted and logged as a handler error,
 * and, unless another subscriber already denied, the client's deadline verdict is sent at once (as
 * for a single handler that throws).
 * Combining answers allocates a little per event.
 *
 * <pre>{@code
 * Subscribers s = Subscribers.builder()
 *         .add("antivirus", Duration.ofMillis(200), av::decide)
 *         .add("dlp", Duration.ofMillis(500), dlp::decide)
 *         .build();
 * ClientConfig config = ClientConfig.builder().subscribe(EventKind.FILE_OPEN, Mode.AUTH)
 *         .subscribers(s).build(); // deadline 200 ms: the earliest
 * }</pre>
 *
 * @since 0.2
 */
public final class Subscribers implements AuthorizationCallback {

    private final List<String> names;
    private final List<AuthorizationCallback> callbacks;
    private final Duration earliest;

    private Subscribers(Builder b) {
        this.names = List.copyOf(b.names);
        this.callbacks = List.copyOf(b.callbacks);
        this.earliest = b.earliest;
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the subscribers' names, in call order */
    public List<String> names() {
        return names;
    }

    /** @return the earliest deadline of the subscribers: the client's deadline */
    public Duration earliestDeadline() {
        return earliest;
    }

    @Override
    public Verdict onAuthorization(Authorization<? extends Event> request) throws Exception {
        Combined c = new Combined(request, callbacks.size());
        Exception failure = null;
        for (int i = 0; i < callbacks.size(); i++) {
            View<?> v = new View<>(c, request);
            Verdict answer;
            try {
                answer = callbacks.get(i).onAuthorization(v);
            } catch (Exception e) {
                if (failure == null) {
                    failure = new Exception("subscriber " + names.get(i) + " failed", e);
                }
                continue;
            }
            if (answer != null) {
                v.respond(answer);
            }
        }
        if (failure != null) {
            throw failure; // counted and logged; the deadline verdict goes out unless a deny went first
        }
        return null; // answered, or to be answered, through the request
    }

    @Override
    public String toString() {
        return "Subscribers" + names;
    }

    /** The answers of one event's subscribers. */
    private static final class Combined {
        private final Authorization<? extends Event> request;
        private final AtomicInteger allowsLeft;
        private volatile boolean allCached = true;

        Combined(Authorization<? extends Event> request, int n) {
            this.request = request;
            this.allowsLeft = new AtomicInteger(n);
        }

        /** One subscriber's answer; true when it was the one sent to the kernel. */
        boolean answer(Verdict v) {
            if (!v.isAllowed()) {
                return request.respond(v); // deny wins, at once
            }
            if (!v.isCached()) {
                allCached = false;
            }
            if (allowsLeft.decrementAndGet() == 0) {
                return request.respond(allCached ? Verdict.allow().cached() : Verdict.allow());
            }
            return false;
        }
    }

    /** What one subscriber sees: the request, with its answer going into the combination. */
    private static final class View<E extends Event> implements Authorization<E> {
        private final Combined combined;
        private final Authorization<E> request;
        private final AtomicInteger answered = new AtomicInteger();

        @SuppressWarnings("unchecked")
        View(Combined combined, Authorization<? extends Event> request) {
            this.combined = combined;
            this.request = (Authorization<E>) request;
        }

        @Override
        public E event() {
            return request.event();
        }

        @Override
        public long deadlineNanos() {
            return request.deadlineNanos();
        }

        @Override
        public boolean respond(Verdict verdict) {
            Objects.requireNonNull(verdict, "verdict");
            // a subscriber's first answer counts, once
            return answered.compareAndSet(0, 1) && combined.answer(verdict);
        }

        @Override
        public Optional<SeekableByteChannel> file() {
            return request.file();
        }

        @Override
        public CompletableFuture<Verdict> verdict() {
            return request.verdict();
        }
    }

    /** Builds {@link Subscribers}. */
    public static final class Builder {
        private final List<String> names = new ArrayList<>();
        private final List<AuthorizationCallback> callbacks = new ArrayList<>();
        private Duration earliest;

        private Builder() {
        }

        /**
         * Adds a subscriber.
         *
         * @param name its name (for logs), unique
         * @param deadline how long it may take; the earliest of all subscribers governs
         * @param callback its callback
         * @return this
         * @throws IllegalArgumentException for a duplicate or blank name, or a deadline the client
         *         would refuse (outside [1 ms, 1 h])
         */
        public Builder add(String name, Duration deadline, AuthorizationCallback callback) {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(deadline, "deadline");
            Objects.requireNonNull(callback, "callback");
            if (name.isBlank() || names.contains(name)) {
                throw new IllegalArgumentException("subscriber names must be unique and not blank: '" + name + "'");
            }
            if (deadline.compareTo(Duration.ofMillis(1)) < 0 || deadline.compareTo(Duration.ofHours(1)) > 0) {
                throw new IllegalArgumentException("deadline of subscriber " + name + " must be in [1 ms, 1 h], got "
                        + deadline);
            }
            names.add(name);
            callbacks.add(callback);
            earliest = earliest == null || deadline.compareTo(earliest) < 0 ? deadline : earliest;
            return this;
        }

        /**
         * @return the subscribers
         * @throws IllegalStateException when none was added
         */
        public Subscribers build() {
            if (names.isEmpty()) {
                throw new IllegalStateException("add at least one subscriber");
            }
            return new Subscribers(this);
        }
    }
}
