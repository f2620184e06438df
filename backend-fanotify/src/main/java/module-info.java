/**
 * The fanotify backend: FileOpen and Exec authorization through fanotify permission events.
 */
module org.esf4j.backend.fanotify {
    requires org.esf4j.spi;
    requires org.slf4j;
    provides org.esf4j.spi.BackendProvider with org.esf4j.backend.fanotify.FanotifyProvider;
}
