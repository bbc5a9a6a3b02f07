package io.jpen.it.net;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/**
 * Command lines for the small helper programs of {@code io.jpen.it.agent} (backends, the client probe): a JVM of the
 * same Java as the tests, with the test classes as its class path, sized small and started fast.
 */
public final class Agents {
    private Agents() {
    }

    /** {@code java ... MAIN}: to run with {@link Host#start} or {@link Host#startPiped} (which add the namespace). */
    public static List<String> java(Host host, Class<?> main, String heap) {
        return List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-Xss256k", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
                "-Djava.net.preferIPv4Stack=true",
                "-cp", classes().toString(), main.getName());
    }

    /** Where the test classes are (target/test-classes). */
    public static Path classes() {
        try {
            return Path.of(Agents.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }
}
