package org.esf4j.api;

/**
 * Events were lost. Drops are never silent: every layer that can lose events reports here.
 *
 * @param source backend name, or {@code "engine"}
 * @param layer where the loss happened, e.g. {@code "kernel-queue"}, {@code "ring-buffer"},
 *              {@code "engine-queue"}
 * @param count number of events lost, or -1 when the source says only that some were lost
 *              (e.g. fanotify's queue overflow)
 * @param firstMissingSequence first client sequence number not delivered, or -1 when the lost
 *                             events never received numbers
 * @param detail human-readable detail
 * @since 0.1
 */
public record DropNotice(String source, String layer, long count, long firstMissingSequence, String detail) {
}
