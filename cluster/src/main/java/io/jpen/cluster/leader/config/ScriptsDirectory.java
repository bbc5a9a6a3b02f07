package io.jpen.cluster.leader.config;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.Optional;

/**
 * Finds the vip-scripts directory when {@code vip_scripts_dir} is not given: {@code $JPEN_VIP_SCRIPTS}, else a
 * {@code vip-scripts} directory holding {@code vip-up} in the jar's directory or up to five levels above it. That
 * covers an installed layout ({@code /opt/jpen/lib/*.jar} next to {@code /opt/jpen/vip-scripts}) and a source tree
 * ({@code deploy/target/jpen/lib} or {@code cluster/target/classes} below {@code vip-scripts/}).
 */
final class ScriptsDirectory {
    private ScriptsDirectory() {
    }

    static Optional<Path> locate() {
        String env = System.getenv("JPEN_VIP_SCRIPTS");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env));
        }
        CodeSource cs = ScriptsDirectory.class.getProtectionDomain().getCodeSource();
        if (cs == null) {
            return Optional.empty();
        }
        Path p;
        try {
            p = Path.of(cs.getLocation().toURI()).toAbsolutePath();
        } catch (URISyntaxException | IllegalArgumentException e) {
            return Optional.empty();
        }
        for (int i = 0; i < 6 && p != null; i++) {
            Path candidate = p.resolve("vip-scripts");
            if (Files.isRegularFile(candidate.resolve("vip-up"))) {
                return Optional.of(candidate);
            }
            p = p.getParent();
        }
        return Optional.empty();
    }
}
