package io.jpen.it.image;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.Network.Ipam;
import io.jpen.it.failover.Figures;
import io.jpen.it.failover.Report;
import io.jpen.node.testing.JpenProcess;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.Container.ExecResult;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.ImageFromDockerfile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The container image (issue #6 item 4): the recipe in {@code deploy/} is built with Testcontainers, a pair runs as two
 * containers on a container network with a VIP (NET_ADMIN, NET_RAW), a client container reaches the service through
 * the VIP, and killing the holder's container moves the VIP to the other.
 *
 * <p>No registry is reachable here: the recipe's base image must exist locally. {@code .ci/run} imports one built with
 * debootstrap ({@code JPEN_BASE_IMAGE}, default {@code jpen-ci/jre17:2}: Debian bookworm with openjdk-17-jre-headless,
 * iproute2, iputils-arping, procps, socat); it is passed as the recipe's build argument {@code BASE}, and any other image the
 * recipe names in {@code FROM} that is missing locally is tagged from it. The engine must run already
 * ({@code .ci/run} starts dockerd); the test is skipped with a loud message only where there is none, and fails
 * instead with {@code JPEN_DOCKER_REQUIRED=1} (CI). {@code -Djpen.image.recipe=PATH} tries another recipe.
 */
class ImageFailoverTest {
    /** Where the recipe may be, first match wins. */
    static final List<String> RECIPES = List.of("deploy/container/Dockerfile", "deploy/Dockerfile");
    /** What the recipe copies from the repository (its build context is the repository root). */
    static final List<String> CONTEXT = List.of("jpen", "deploy/target/jpen/lib", "vip-scripts", "deploy/sysctl");
    private static final String SUBNET = "10.79.250.0/24";
    private static final String VIP = "10.79.250.100";
    private static final Pattern FROM = Pattern.compile("(?im)^\\s*FROM\\s+(?:--\\S+\\s+)*(\\S+)");
    private static final Duration START = Duration.ofSeconds(120);

    private static Path recipe;
    private static String base;

    @BeforeAll
    static void engineAndRecipe() {
        boolean required = "1".equals(System.getenv("JPEN_DOCKER_REQUIRED")) || Boolean.getBoolean("jpen.docker.required");
        boolean available;
        try {
            available = DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            available = false;
        }
        if (!available) {
            String why = "no Docker engine: the container-image test needs one (CI starts dockerd in .ci/run; locally: "
                    + "see docs/testing.md)";
            System.err.println("\n*** jpen container-image test NOT RUN: " + why + "\n");
            if (required) {
                throw new IllegalStateException(why);
            }
            throw new TestAbortedException(why);
        }
        Path root = JpenProcess.root();
        String given = System.getProperty("jpen.image.recipe");
        recipe = given != null ? Path.of(given).toAbsolutePath()
                : RECIPES.stream().map(root::resolve).filter(Files::isRegularFile).findFirst().orElse(null);
        if (recipe == null) {
            String why = "no image recipe in " + RECIPES + " yet";
            System.err.println("\n*** jpen container-image test NOT RUN: " + why + "\n");
            throw new TestAbortedException(why);
        }
        assertThat(JpenProcess.distributionBuilt()).as("deploy/target/jpen/lib (mvn package)").isTrue();
        base = System.getenv().getOrDefault("JPEN_BASE_IMAGE", "jpen-ci/jre17:2");
    }

    @Test
    void aPairOfContainersServesThroughTheVipAndKillingTheHolderMovesIt() throws Exception {
        String image = buildImage();
        DockerClient docker = DockerClientFactory.instance().client();
        try (Network net = Network.builder().createNetworkCmdModifier(cmd -> cmd.withIpam(
                new Ipam().withConfig(new Ipam.Config().withSubnet(SUBNET)))).build();
             GenericContainer<?> backend = plain(net, "10.79.250.21")
                     .withCommand("socat", "TCP-LISTEN:9000,fork,reuseaddr", "SYSTEM:echo b1; exec cat");
             GenericContainer<?> client = plain(net, "10.79.250.31").withCommand("sleep", "3600");
             GenericContainer<?> n1 = node(image, net, "n1", "10.79.250.11");
             GenericContainer<?> n2 = node(image, net, "n2", "10.79.250.12")) {
            backend.start();
            client.start();
            n1.start();
            n2.start();
            Map<String, GenericContainer<?>> nodes = Map.of("n1", n1, "n2", n2);
            try {
                run(docker, client, nodes);
            } finally {
                Path logs = Path.of("target", "failover-logs", "image");
                Files.createDirectories(logs);
                for (Map.Entry<String, GenericContainer<?>> e : nodes.entrySet()) {
                    Files.writeString(logs.resolve(e.getKey() + ".log"), e.getValue().getLogs());
                }
            }
        }
    }

    private void run(DockerClient docker, GenericContainer<?> client, Map<String, GenericContainer<?>> nodes)
            throws Exception {
        String holder = awaitSingleHolder(nodes, null);
        await().atMost(Duration.ofSeconds(30)).until(() -> "b1".equals(whoAnswers(client)));

        long killed = System.nanoTime();
        docker.killContainerCmd(nodes.get(holder).getContainerId()).exec();
        String other = holder.equals("n1") ? "n2" : "n1";
        String next = awaitSingleHolder(Map.of(other, nodes.get(other)), other);
        long moved = System.nanoTime();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                .until(() -> "b1".equals(whoAnswers(client)));
        long served = System.nanoTime();
        assertThat(next).isEqualTo(other);
        Figures.Builder f = new Figures.Builder("container pair: holder's container killed", 1)
                .gapMs((served - killed) / 1_000_000)
                .extra("VIP on the other container after", (moved - killed) / 1_000_000);
        Report.add(f.build(), "image " + JpenProcess.root().relativize(recipe) + " on " + base
                + ", 2 containers, vip_quorum off; gap = kill to the first answer through the VIP, polled by "
                + "docker exec every 50 ms", new Report.Target("VIP moves, the client is served again",
                r -> r.stream().allMatch(x -> x.gapMs() >= 0)));
        Report.print();
    }

    /**
     * Builds the recipe with the repository root as its context, sending only what the recipe copies
     * ({@link #CONTEXT}), and bounded in time (a failed build must not hang the test).
     */
    @SuppressWarnings("deprecation") // withDockerfilePath: withDockerfile(Path) would pre-pull FROM ${BASE}
    private String buildImage() throws Exception {
        Path root = JpenProcess.root();
        String text = Files.readString(recipe);
        DockerClient docker = DockerClientFactory.instance().client();
        Matcher m = FROM.matcher(text);
        while (m.find()) {
            String from = m.group(1);
            if (from.startsWith("$") || from.equalsIgnoreCase("scratch")) {
                continue;
            }
            if (!imageExists(docker, from)) {
                // offline: stand in the locally built base for an image that cannot be pulled
                System.err.println("jpen image test: " + from + " is not available offline; tagging " + base + " as it");
                String[] repoTag = from.contains(":") ? from.split(":", 2) : new String[] {from, "latest"};
                docker.tagImageCmd(base, repoTag[0], repoTag[1]).exec();
            }
        }
        String inContext = root.relativize(recipe.toAbsolutePath()).toString();
        if (inContext.startsWith("..")) {
            inContext = "Dockerfile.jpen-test";
        }
        // the Dockerfile is given as a file of the context (not withDockerfile), so that Testcontainers does not try
        // to pull the images its FROM lines name (FROM ${BASE} is not an image name)
        ImageFromDockerfile img = new ImageFromDockerfile("jpen-test/jpen", false)
                .withFileFromPath(inContext, recipe)
                .withDockerfilePath(inContext)
                .withBuildArg("BASE", base);
        for (String p : CONTEXT) {
            img.withFileFromPath(p, root.resolve(p));
        }
        return img.get(5, java.util.concurrent.TimeUnit.MINUTES);
    }

    private static boolean imageExists(DockerClient docker, String name) {
        try {
            docker.inspectImageCmd(name).exec();
            return true;
        } catch (com.github.dockerjava.api.exception.NotFoundException e) {
            return false;
        }
    }

    private static GenericContainer<?> plain(Network net, String ip) {
        return new GenericContainer<>(System.getenv().getOrDefault("JPEN_BASE_IMAGE", "jpen-ci/jre17:2"))
                .withNetwork(net)
                .withCreateContainerCmdModifier(cmd -> cmd.withIpv4Address(ip));
    }

    private static GenericContainer<?> node(String image, Network net, String name, String ip) {
        List<String> args = new ArrayList<>(List.of("--node-name=" + name, "-C", ip + ":8888",
                "--cluster-name=jpt-image", "--cluster-members=10.79.250.11,10.79.250.12", "--cluster-bind=" + ip,
                "--vip-address=" + VIP + "/32@eth0", "8080", "10.79.250.21:9000"));
        return new GenericContainer<>(image)
                .withNetwork(net)
                .withCreateContainerCmdModifier(cmd -> {
                    cmd.withIpv4Address(ip);
                    // as deploy/HA.md says: the VIP scripts need NET_ADMIN (and NET_RAW for arping), and the
                    // ARP sysctls of deploy/sysctl are per network namespace
                    cmd.getHostConfig().withCapAdd(Capability.NET_ADMIN, Capability.NET_RAW)
                            .withSysctls(Map.of("net.ipv4.conf.all.arp_ignore", "1",
                                    "net.ipv4.conf.all.arp_announce", "2",
                                    "net.ipv4.conf.all.promote_secondaries", "1"));
                })
                .withCommand(args.toArray(String[]::new))
                .waitingFor(Wait.forLogMessage(".*started.*\\n", 1).withStartupTimeout(START));
    }

    /** Waits (bounded) until exactly one of {@code nodes} carries the VIP on eth0; returns its name. */
    private static String awaitSingleHolder(Map<String, GenericContainer<?>> nodes, String expected) {
        String[] found = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<String> holders = new ArrayList<>();
            for (Map.Entry<String, GenericContainer<?>> e : nodes.entrySet()) {
                if (e.getValue().isRunning() && holdsVip(e.getValue())) {
                    holders.add(e.getKey());
                }
            }
            found[0] = holders.size() == 1 ? holders.get(0) : null;
            return found[0] != null && (expected == null || expected.equals(found[0]));
        });
        return found[0];
    }

    private static boolean holdsVip(GenericContainer<?> c) throws IOException, InterruptedException {
        ExecResult r = c.execInContainer("ip", "-o", "-4", "addr", "show", "dev", "eth0");
        return r.getStdout().contains(" " + VIP + "/");
    }

    /** One connection from the client container through the VIP: the backend's name, or null. */
    private static String whoAnswers(GenericContainer<?> client) throws IOException, InterruptedException {
        ExecResult r = client.execInContainer("sh", "-c",
                "socat -T 2 - TCP:" + VIP + ":8080,connect-timeout=1 </dev/null | head -n 1");
        String out = r.getStdout().strip();
        return out.isEmpty() ? null : out;
    }
}
