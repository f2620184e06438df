/**
 * The esf4j command line: {@code esf4j probe | watch | enforce}.
 */
module org.esf4j.cli {
    requires org.esf4j.api;
    requires org.esf4j.spi;
    requires org.slf4j;
}
