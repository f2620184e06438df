/**
 * The esf4j event API: probe the host with {@link org.esf4j.api.EndpointSecurity#probe()},
 * open a {@link org.esf4j.api.Client} with a {@link org.esf4j.api.ClientConfig}, receive
 * {@link org.esf4j.api.Event}s and answer {@link org.esf4j.api.Authorization}s.
 *
 * <h2>How the event model grows</h2>
 * esf4j promises one stable API while kernel sources keep adding hooks (TSEM and ESF bring kinds
 * of event that fanotify, audit and BPF LSM do not have). The rules below make adding a kind of
 * event, or a field, a change that no user's code notices.
 *
 * <ol>
 *   <li><b>Two roots, one of them closed.</b> {@link org.esf4j.api.Event} is the open root of
 *       every event; {@link org.esf4j.api.SecurityEvent} is the sealed set of the four original
 *       kinds (exec, file open, socket bind, io_uring command), closed for good, together with its
 *       enum {@link org.esf4j.api.EventType} and its rule set {@link org.esf4j.api.PolicyRule}. A
 *       switch over a {@code SecurityEvent}, an {@code EventType} or a {@code PolicyRule} written
 *       for the first release stays exhaustive for ever. Kinds added since
 *       ({@link org.esf4j.api.SocketConnectEvent}) and kinds of one source
 *       ({@link org.esf4j.api.GenericEvent} with an {@link org.esf4j.api.EventKind#extension
 *       extension kind}) are {@code Event}s only, named by an {@link org.esf4j.api.EventKind} (a
 *       class with constants, not an enum), with rules that are {@link org.esf4j.api.Rule}s.
 *       Code written against the open root switches with a {@code default} branch.</li>
 *   <li><b>Opt-in kinds</b> (as Apple Endpoint Security's subscriptions): a client receives only
 *       the kinds it subscribed to. The handlers of the first release
 *       ({@link org.esf4j.api.EventHandler}, {@link org.esf4j.api.AuthorizationHandler},
 *       {@link org.esf4j.api.DecisionListener}) take a {@code SecurityEvent} and so only ever
 *       receive the four original kinds; {@link org.esf4j.api.ClientConfig.Builder#build()}
 *       refuses a subscription to another kind that would reach them. Their open counterparts
 *       ({@link org.esf4j.api.EventCallback}, {@link org.esf4j.api.AuthorizationCallback},
 *       {@link org.esf4j.api.DecisionCallback}) take any {@code Event}. Code compiled against
 *       the first release therefore never meets an event it cannot name, and never a
 *       {@link java.lang.MatchException}.</li>
 *   <li><b>Explicit ids.</b> Everything that crosses into C, a file or a metric carries an id
 *       that is written down, never an ordinal: {@link org.esf4j.api.EventKind#id()} (the BPF
 *       programs use the same numbers), {@link org.esf4j.api.DecisionClass#strength()} (the
 *       routing order). A new constant can go anywhere.</li>
 *   <li><b>Records grow at the end and keep their constructors.</b> A field is added as a new
 *       last component, and every constructor a release had stays, filling the new components
 *       with their documented "absent" value ({@code ""}, {@code -1},
 *       {@link org.esf4j.api.PathState#UNKNOWN}, {@link org.esf4j.api.Accuracy#UNKNOWN}); no
 *       accessor is ever removed or changes its meaning except to stop a guess. Deconstruction
 *       patterns ({@code case ExecEvent(var h, var exe, ...)}) list every component, so they are
 *       tied to one version: match by type and call accessors. Interfaces
 *       ({@link org.esf4j.api.ProcessInfo}, {@link org.esf4j.api.Client}) grow by default
 *       methods.</li>
 *   <li><b>No field is silently wrong.</b> A value a source does not give is absent (an empty
 *       string or list, {@link org.esf4j.api.ProcessInfo#UNKNOWN}, an empty
 *       {@link java.util.Optional}), never a guess that may belong to another process or file;
 *       a value rebuilt after the fact says so ({@link org.esf4j.api.PathState},
 *       {@link org.esf4j.api.Accuracy}). What each backend gives is in the README's field
 *       table, and a conformance suite checks every field against an independent witness.</li>
 * </ol>
 *
 * <h2>When delivery starts and stops</h2>
 * {@link org.esf4j.api.EndpointSecurity#newClient} returns once the kernel objects are live and
 * the readers run: every event the kernel reports from then on is delivered or counted in a
 * {@link org.esf4j.api.DropNotice}. {@link org.esf4j.api.Client#close()} first reads what the
 * kernel had queued, so events that happened before {@code close()} was called are delivered
 * too (or counted).
 *
 * @since 0.1
 */
package org.esf4j.api;
