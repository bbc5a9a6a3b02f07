package io.jpen.cluster.state;

import com.hazelcast.config.Config;
import com.hazelcast.config.EvictionPolicy;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.config.MergePolicyConfig;
import com.hazelcast.config.NetworkConfig;

import java.util.ArrayList;
import java.util.List;

/**
 * The embedded Hazelcast member's configuration, built in code from {@link ClusterOptions} (no hazelcast.xml is
 * read). What each choice is for:
 * <ul>
 *   <li>the member binds {@code cluster_bind:cluster_port} and nothing else (no wildcard, no port auto-increment),
 *       and its outgoing connections leave from that address too;</li>
 *   <li>it joins through the static member list over TCP; multicast and cloud auto-detection are off unless
 *       {@code cluster_multicast on};</li>
 *   <li>failure detection in seconds (heartbeat 1 s, dead after 5 s) and merge checks every 5 s instead of
 *       Hazelcast's minutes, so a healed partition merges back quickly;</li>
 *   <li>every map keeps {@code cluster_backups} synchronous backups and merges with {@link NewestStampMergePolicy};</li>
 *   <li>the client map is bounded (LRU) as a safety net for memory only: each node's own table applies {@code -c}
 *       exactly, the shared store keeps at least twice as many entries per member;</li>
 *   <li>no Java serialization is needed (all values are strings, processors are DataSerializable); the filter
 *       still refuses the known gadget classes in case something sends some;</li>
 *   <li>no phone-home, no shutdown hook (the node shuts the member down itself, after its last writes).</li>
 * </ul>
 */
final class MemberConfig {
    /** Smallest bound of the shared client store per member (Hazelcast needs room for a few entries per partition). */
    static final int MIN_STORE_PER_MEMBER = 1000;

    private MemberConfig() {
    }

    static Config build(ClusterOptions o, String instanceName, int clientsMax) {
        Config c = new Config();
        c.setClusterName(o.name());
        c.setInstanceName(instanceName);
        c.setProperty("hazelcast.logging.type", "slf4j");
        c.setProperty("hazelcast.phone.home.enabled", "false");
        c.setProperty("hazelcast.shutdownhook.enabled", "false");
        c.setProperty("hazelcast.local.localAddress", o.bind().getHostAddress());
        c.setProperty("hazelcast.socket.bind.any", "false");
        c.setProperty("hazelcast.socket.client.bind.any", "false");
        c.setProperty("hazelcast.heartbeat.interval.seconds", Integer.toString(o.heartbeatSeconds()));
        c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(o.failureSeconds()));
        c.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(o.mergeSeconds()));
        c.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(o.mergeSeconds()));
        // a planned stop hands the partitions over, but never waits for minutes
        c.setProperty("hazelcast.graceful.shutdown.max.wait", "15");
        c.setProperty("hazelcast.wait.seconds.before.join", "1");

        NetworkConfig net = c.getNetworkConfig();
        net.setPort(o.port()).setPortAutoIncrement(false).setPortCount(1);
        net.getInterfaces().setEnabled(false); // the address is given by hazelcast.local.localAddress above
        JoinConfig join = net.getJoin();
        join.getAutoDetectionConfig().setEnabled(false);
        join.getMulticastConfig().setEnabled(o.multicast()).setMulticastTimeToLive(1);
        List<String> members = new ArrayList<>();
        for (String m : o.members()) {
            members.add((m.indexOf(':') >= 0 ? "[" + m + "]" : m) + ":" + o.port());
        }
        join.getTcpIpConfig().setEnabled(!o.multicast()).setMembers(members).setConnectionTimeoutSeconds(2);

        c.getSerializationConfig().setJavaSerializationFilterConfig(new JavaSerializationFilterConfig());

        String service = o.service();
        MergePolicyConfig merge = new MergePolicyConfig(NewestStampMergePolicy.class.getName(), 100);
        MapConfig clients = map(SharedMaps.clientsName(service), o, merge);
        clients.getEvictionConfig().setEvictionPolicy(EvictionPolicy.LRU).setMaxSizePolicy(MaxSizePolicy.PER_NODE)
                .setSize(Math.max(MIN_STORE_PER_MEMBER, 2 * clientsMax));
        c.addMapConfig(clients);
        c.addMapConfig(map(SharedMaps.healthName(service), o, merge));
        c.addMapConfig(map(SharedMaps.settingsName(service), o, merge));
        return c;
    }

    private static MapConfig map(String name, ClusterOptions o, MergePolicyConfig merge) {
        return new MapConfig(name).setBackupCount(o.backups()).setAsyncBackupCount(0)
                .setInMemoryFormat(InMemoryFormat.BINARY).setMergePolicyConfig(new MergePolicyConfig(merge));
    }
}
