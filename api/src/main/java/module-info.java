/**
 * The esf4j API: what security products program against. No dependencies.
 *
 * @since 0.1
 */
module org.esf4j.api {
    exports org.esf4j.api;
    uses org.esf4j.api.Engine;
}
