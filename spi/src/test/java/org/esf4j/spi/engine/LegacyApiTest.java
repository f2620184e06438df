package org.esf4j.spi.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.esf4j.api.ClientConfig;
import org.esf4j.api.EventKind;
import org.esf4j.api.EventType;
import org.esf4j.api.Mode;
import org.esf4j.api.SecurityEvent;
import org.esf4j.spi.BackendProvider;
import org.esf4j.spi.nativeio.Natives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Code written against the 0.1 API (four event types, a sealed {@code SecurityEvent}, the v1
 * handlers; {@code src/test/resources/legacy}) keeps working now that the event model is open:
 * <ul>
 *   <li>its source compiles unchanged against today's API (an exhaustive pattern switch over
 *       {@code SecurityEvent} and a switch over {@code EventType} included, on Java 21+);</li>
 *   <li>compiled against the 0.1 API itself (taken from this repository's history), its class files
 *       link and run against today's API (binary compatibility);</li>
 *   <li>it runs against today's engine while the backend also reports a kind it has never heard
 *       of ({@code SOCKET_CONNECT}): that event never reaches its handlers.</li>
 * </ul>
 */
class LegacyApiTest {

    /** The last commit with the 0.1 API (before the event model was opened). */
    private static final String API_0_1 = "d058b747d7ac8c7e284fbeb1fe1f314828e42c41";
    private static final int PID = (int) ProcessHandle.current().pid();

    @TempDir
    Path tmp;

    @Test
    void sourceWrittenForTheFourKindApiCompilesUnchanged() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("current"));
        compile(legacySources(), List.of(apiLocation()), out);
        runAgainstTodaysEngine(out);
    }

    @Test
    void classesCompiledAgainstTheFourKindApiRunAgainstTodaysApi() throws Exception {
        Path root = repositoryRoot();
        Path oldApi = Files.createDirectories(tmp.resolve("api-0.1-src"));
        Process git = new ProcessBuilder("git", "-C", root.toString(), "archive", API_0_1, "api/src/main/java")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Process tar = new ProcessBuilder("tar", "-x", "-C", oldApi.toString()).redirectErrorStream(true).start();
        try (InputStream in = git.getInputStream(); var to = tar.getOutputStream()) {
            in.transferTo(to);
        }
        assertEquals(0, git.waitFor(), "git archive of the 0.1 API (" + API_0_1 + ") failed: is this a clone with "
                + "its history?");
        assertEquals(0, tar.waitFor(), new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        List<Path> apiSources;
        try (Stream<Path> s = Files.walk(oldApi)) {
            apiSources = s.filter(p -> p.toString().endsWith(".java") && !p.endsWith("module-info.java")).toList();
        }
        Path oldApiClasses = Files.createDirectories(tmp.resolve("api-0.1"));
        compile(apiSources, List.of(), oldApiClasses);
        Path out = Files.createDirectories(tmp.resolve("against-0.1"));
        compile(legacySources(), List.of(oldApiClasses), out);
        runAgainstTodaysEngine(out); // today's API classes are the ones on this test's class path
    }

    /** Loads the legacy classes over today's API and engine and runs them. */
    private static void runAgainstTodaysEngine(Path classes) throws Exception {
        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()},
                LegacyApiTest.class.getClassLoader())) {
            Class<?> user = loader.loadClass("com.example.legacy.LegacyUser");
            for (EventType t : EventType.values()) {
                assertEquals(t.shortName(), call(user, "shortNameOf", t));
            }
            @SuppressWarnings("unchecked")
            List<SecurityEvent> built = (List<SecurityEvent>) call(user, "constructed");
            assertEquals(4, built.size());
            for (SecurityEvent e : built) {
                assertTrue(((String) call(user, "describe", e)).startsWith(e.type().shortName()));
            }
            if (Runtime.version().feature() >= 21) {
                Class<?> sw = loader.loadClass("com.example.legacy.LegacySwitch");
                for (SecurityEvent e : built) {
                    assertTrue(((String) call(sw, "kind", e)).startsWith(e.type().shortName()));
                    assertEquals(e.type().ordinal(), call(sw, "ordinalOf", e.type()));
                }
                assertTrue(call(sw, "guard") instanceof org.esf4j.api.AuthorizationHandler);
            }

            List<String> log = new CopyOnWriteArrayList<>();
            Consumer<String> sink = log::add;
            ClientConfig config = (ClientConfig) call(user, "config", sink);
            FakeBackend.Provider provider = new FakeBackend.Provider();
            assertTrue(provider.offers().containsKey(EventKind.SOCKET_CONNECT), "the fake must offer the new kind");
            Map<EventKind, BackendProvider> routing = new TreeMap<>();
            config.kinds().keySet().forEach(k -> routing.put(k, provider));
            try (EsfClient client = EsfClient.open(config, routing, Natives.get())) {
                FakeBackend b = provider.last;
                b.deliver(EventKind.EXEC, Mode.AUTH, PID, 1, "/usr/bin/true", "/usr/bin/bash", 11, 1);
                b.deliver(EventKind.FILE_OPEN, Mode.AUTH, PID, 2, "/srv/secret.key", "/usr/bin/cat", 12, 1);
                b.deliver(EventKind.SOCKET_BIND, Mode.NOTIFY, PID, 0, "", "/usr/bin/nc", 0, 0);
                b.deliver(EventKind.SOCKET_CONNECT, Mode.AUTH, PID, 3, "", "/usr/bin/curl", 0, 0);
                assertTrue(b.await(1, 5000), "exec allowed");
                assertFalse(b.await(2, 5000), "open of a key denied by the legacy guard");
                assertTrue(b.await(3, 5000), "the unsubscribed connect is answered by policy at once");
                EngineTest.waitFor(() -> log.size() >= 3);
                Thread.sleep(200);
                assertEquals(1, b.answerCount(3));
                assertEquals(3, log.size(), log.toString());
                assertTrue(log.get(0).startsWith("exec: exec /usr/bin/true"), log.toString());
                assertTrue(log.get(1).startsWith("open: open /srv/secret.key"), log.toString());
                assertTrue(log.stream().anyMatch(l -> l.startsWith("bind: bind")), log.toString());
                assertTrue(log.stream().noneMatch(l -> l.toLowerCase(Locale.ROOT).contains("connect")), log.toString());
                assertEquals(0, client.stats().total().handlerErrors(), client.stats().toString());
                assertEquals(1, client.stats().total().errors(), "the unsubscribed event counts as a backend error");
            }
        }
    }

    private static Object call(Class<?> c, String name, Object... args) throws Exception {
        for (Method m : c.getMethods()) {
            if (m.getName().equals(name) && m.getParameterCount() == args.length) {
                try {
                    return m.invoke(null, args);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof Exception x) {
                        throw x;
                    }
                    throw new AssertionError(e.getCause());
                }
            }
        }
        throw new AssertionError("no method " + name + " in " + c);
    }

    /** The legacy sources; the pattern-switch one only where the compiler has Java 21. */
    private List<Path> legacySources() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("legacy/com/example/legacy"));
        List<Path> out = new ArrayList<>();
        for (String name : List.of("LegacyUser.java", "LegacySwitch.java")) {
            if (name.equals("LegacySwitch.java") && Runtime.version().feature() < 21) {
                continue;
            }
            try (InputStream in = LegacyApiTest.class.getResourceAsStream("/legacy/com/example/legacy/" + name)) {
                assertTrue(in != null, name + " is missing from the test resources");
                out.add(Files.write(dir.resolve(name), in.readAllBytes()));
            }
        }
        return out;
    }

    static void compile(List<Path> sources, List<Path> classPath, Path out) throws IOException {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertTrue(javac != null, "no Java compiler in this runtime (a JDK is needed)");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager fm = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            List<String> options = new ArrayList<>(List.of("-d", out.toString(), "-proc:none", "-Xlint:-options"));
            if (!classPath.isEmpty()) {
                options.addAll(List.of("-cp", String.join(java.io.File.pathSeparator,
                        classPath.stream().map(Path::toString).toList())));
            }
            boolean ok = javac.getTask(null, fm, diagnostics, options, null, fm.getJavaFileObjectsFromPaths(sources))
                    .call();
            List<String> errors = diagnostics.getDiagnostics().stream()
                    .filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                    .map(d -> d.getSource() + ":" + d.getLineNumber() + ": " + d.getMessage(Locale.ROOT)).toList();
            assertTrue(ok && errors.isEmpty(), "compilation failed: " + errors);
        }
    }

    /** Where today's API classes are (a directory or a jar). */
    static Path apiLocation() throws Exception {
        return Path.of(EventType.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static Path repositoryRoot() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve(".git")) && !Files.isRegularFile(p.resolve(".git"))) {
            p = p.getParent();
        }
        assertTrue(p != null, "not in a git checkout: the 0.1 API is taken from the repository's history");
        return p;
    }
}
