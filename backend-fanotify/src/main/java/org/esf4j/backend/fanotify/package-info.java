/**
 * fanotify permission events as an esf4j backend ({@code fanotify}): Exec from
 * {@code FAN_OPEN_EXEC_PERM} / {@code FAN_OPEN_EXEC}, FileOpen from {@code FAN_OPEN_PERM} /
 * {@code FAN_OPEN}. Decision class USERSPACE: the opener waits in the kernel until the library
 * answers.
 */
package org.esf4j.backend.fanotify;
