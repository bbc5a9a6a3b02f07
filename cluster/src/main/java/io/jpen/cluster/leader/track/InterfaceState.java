package io.jpen.cluster.leader.track;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads whether a network interface is usable from sysfs (no fork, cheap enough to poll every 100 ms): it must exist,
 * be administratively up, and not be operationally down (no carrier, peer of a veth down). {@code unknown}, which
 * drivers without carrier reporting show, counts as up.
 */
final class InterfaceState {
    private final Path root;

    InterfaceState(Path sysClassNet) {
        this.root = sysClassNet;
    }

    static InterfaceState system() {
        return new InterfaceState(Path.of("/sys/class/net"));
    }

    boolean up(String iface) {
        Path dir = root.resolve(iface);
        try {
            long flags = Long.decode(Files.readString(dir.resolve("flags")).trim());
            if ((flags & 0x1) == 0) {
                return false; // IFF_UP cleared: ip link set ... down
            }
            String oper = Files.readString(dir.resolve("operstate")).trim();
            return oper.equals("up") || oper.equals("unknown");
        } catch (IOException | NumberFormatException e) {
            return false; // gone
        }
    }
}
