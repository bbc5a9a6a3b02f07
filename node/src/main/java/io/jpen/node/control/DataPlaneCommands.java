package io.jpen.node.control;

import io.jpen.node.config.ConfigException;
import io.jpen.node.config.Numbers;
import io.jpen.node.config.Settings;
import io.jpen.node.proxyproto.ProxyProtocolMode;
import io.jpen.node.tls.TlsConfig;
import io.jpen.node.udp.UdpCheck;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Control commands for TLS termination (Pen's {@code ssl_*} and jpen's names for {@code -E -K -G -A -R -L}), the
 * PROXY protocol and UDP flows and checks. Like Pen's {@code ssl_*} commands they reply nothing; a bad argument gets
 * an error reply. TLS files are not read here: the node loads them off the event loops after the change is committed
 * (and on SIGHUP), keeping the certificate in force if they cannot be loaded.
 */
final class DataPlaneCommands {
    private DataPlaneCommands() {
    }

    static void register(CommandInterpreter ci) {
        // ------------------------------------------------------------ TLS termination
        path(ci, "ssl_certificate", (t, v) -> t.withCertificate(v));
        path(ci, "ssl_key", (t, v) -> t.withKey(v));
        path(ci, "ssl_ca_file", (t, v) -> t.withCaFile(v));
        path(ci, "ssl_ca_dir", (t, v) -> t.withCaDir(v));
        path(ci, "ssl_sni_path", (t, v) -> t.withSniPath(v));
        ci.registerEdit("ssl_verify_client", (a, e) -> e.settings().tls = e.settings().tls.withVerifyClient(true));
        ci.registerEdit("no ssl_verify_client", (a, e) -> e.settings().tls = e.settings().tls.withVerifyClient(false));
        ci.registerEdit("ssl_protocol", (a, e) -> {
            String p = TlsConfig.checkProtocol(a.require(1, "protocol (expected: ssl_protocol ssl23|tls1.2|tls1.3)"));
            e.settings().tls = e.settings().tls.withProtocol(p);
        });
        ci.registerEdit("ssl_ciphers", (a, e) -> {
            // as Pen: without argument, back to the defaults
            List<String> c = a.has(1) ? Arrays.stream(a.word(1).split(":")).filter(s -> !s.isEmpty()).toList() : List.of();
            e.settings().tls = e.settings().tls.withCiphers(c);
        });
        ci.registerEdit("ssl_option", (a, e) -> {
            String o = a.require(1, "option (expected: ssl_option no_tlsv1.2|no_tlsv1.3|cipher_server_preference)");
            if (!TlsConfig.OPTION_WORDS.contains(o)) {
                throw ConfigException.of(o, "unknown ssl_option (expected: one of " + String.join("|", TlsConfig.OPTION_WORDS) + ")");
            }
            Set<String> s = new HashSet<>(e.settings().tls.options());
            s.add(o);
            e.settings().tls = e.settings().tls.withOptions(s);
        });
        ci.registerEdit("no ssl_option", (a, e) -> e.settings().tls = e.settings().tls.withOptions(Set.of()));
        ci.registerRead("ssl_client_renegotiation_interval", (a, e) ->
                // Pen limits how often a client may renegotiate; jpen's TLS never accepts a client-initiated
                // renegotiation (TLS 1.3 has none), which is stricter than any interval
                Numbers.parseInt(a.require(1, "seconds (expected: ssl_client_renegotiation_interval N)"),
                        "ssl_client_renegotiation_interval", 0, Integer.MAX_VALUE));
        ci.registerRead("ssl_ocsp_response", (a, e) -> {
            throw ConfigException.of("ssl_ocsp_response", "OCSP stapling is not supported yet");
        });

        // ------------------------------------------------------------ PROXY protocol
        ci.registerEdit("send_proxy", (a, e) -> e.settings().sendProxy =
                ProxyProtocolMode.parse(a.require(1, "version (expected: send_proxy v1|v2|off)")));
        ci.registerEdit("no send_proxy", (a, e) -> e.settings().sendProxy = ProxyProtocolMode.OFF);
        ci.registerEdit("accept_proxy", (a, e) -> e.settings().acceptProxy = true);
        ci.registerEdit("no accept_proxy", (a, e) -> e.settings().acceptProxy = false);

        // ------------------------------------------------------------ UDP (-U)
        ci.registerEdit("udp_idle_timeout", (a, e) -> {
            if (a.has(1)) {
                e.settings().udpIdleTimeout = Numbers.parseInt(a.word(1), "udp_idle_timeout", 1, 86400);
            }
            e.reply().line(Integer.toString(e.settings().udpIdleTimeout));
        });
        ci.registerEdit("udp_check", (a, e) -> {
            UdpCheck c = e.settings().udpCheck;
            int interval = Numbers.parseInt(a.require(1, "seconds (expected: udp_check SECONDS [FALL [RISE]])"),
                    "udp_check interval", 0, 3600);
            int fall = a.has(2) ? Numbers.parseInt(a.word(2), "udp_check fall", 1, 100) : c.fall();
            int rise = a.has(3) ? Numbers.parseInt(a.word(3), "udp_check rise", 1, 100) : c.rise();
            e.settings().udpCheck = c.withTiming(interval, fall, rise);
        });
        ci.registerEdit("no udp_check", (a, e) -> e.settings().udpCheck = e.settings().udpCheck.withTiming(0,
                e.settings().udpCheck.fall(), e.settings().udpCheck.rise()));
        ci.registerEdit("udp_check_send", (a, e) -> e.settings().udpCheck = e.settings().udpCheck.withProbe(
                UdpCheck.unescape(a.require(1, "datagram (expected: udp_check_send TEXT, escapes \\r \\n \\t \\\\ \\xHH)"))));
        ci.registerEdit("udp_check_expect", (a, e) -> e.settings().udpCheck = e.settings().udpCheck.withExpect(
                a.has(1) ? UdpCheck.unescape(a.word(1)) : new byte[0]));
    }

    /** {@code server N send_proxy v1|v2|off|default} ({@code default}: follow the global {@code send_proxy}). */
    static void serverSendProxy(Settings.Builder b, int slot, String word) {
        if ("default".equals(word)) {
            b.serverSendProxy.remove(slot);
        } else {
            b.serverSendProxy.put(slot, ProxyProtocolMode.parse(word));
        }
    }

    private interface TlsEdit {
        TlsConfig apply(TlsConfig t, String value);
    }

    /** {@code NAME PATH} sets it; {@code no NAME} clears it. */
    private static void path(CommandInterpreter ci, String name, TlsEdit edit) {
        ci.registerEdit(name, (a, e) -> e.settings().tls = edit.apply(e.settings().tls,
                a.require(1, "path (expected: " + name + " PATH)")));
        ci.registerEdit("no " + name, (a, e) -> e.settings().tls = edit.apply(e.settings().tls, null));
    }
}
