package io.jpen.node.config;

import io.jpen.node.tls.TlsConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Pen's command line: {@code jpen [options] [host:]port|/unix/path server1 [server2 ...]}, GNU style (options may
 * follow the positional arguments, flags may be combined as {@code -hr}, an option's value may be attached as in
 * {@code -b30}; {@code --} ends the options). Options that set runtime settings are translated to the equivalent
 * control commands ({@code -b 30} is {@code blacklist 30}), so there is one parser for settings.
 *
 * <p>Unlike Pen, every malformed value is an error that names the option and the value.
 */
public final class CommandLine {

    /** What {@code --help} prints. */
    public static final String USAGE = """
            usage:
              jpen [options] [host:]port|/unix/path h1[:p1[:soft[:hard[:weight[:prio]]]]] [h2...]
              jpen ctl host:port|/unix/path COMMAND...     send one control command (like penctl)

              -b sec     blacklist time for failed servers [30]
              -c N       client table size, least recently seen evicted [2048]
              -e host:p  emergency server, used when every server failed
              -B host:p  abuse server, for clients denied by the client ACL
              -t sec     upstream connect timeout [3]
              -x N       max simultaneous client connections; more wait in the backlog [500]
              -T sec     client tracking time, 0 = forever [0]
              -h         hash the client address to choose a server
              -r         ignore the client table (round robin)
              -s         stubborn: never fail over, close the client instead
              -W         weight: least connections relative to weight
              -H         add X-Forwarded-For and X-Forwarded-Proto to every HTTP request (kept if present)
              -U         UDP: balance datagrams (flows by client address and port)
              -a         ascii instead of hex in traffic dumps
              -d         more verbose logging (repeatable)
              -f         stay in the foreground (jpen always does)
              -p file    write the process id to file
              -l file    request log
              -w file    HTML status page, written on SIGUSR1 and by 'status'
              -q N       listen backlog [500, minimum 50]
              -m N       accepts per wake-up [100]
              -C [addr:]port|/path  control port (a bare port binds 127.0.0.1 only)
              -F file    config file of control commands, re-read on SIGHUP
              -O cmd, -o cmd  run one control command at start
              -X         enable the 'exit' control command
              -P         use poll (accepted; jpen always behaves like Pen's -P)
              -u user    accepted only for the user jpen already runs as (use systemd User=)
              -E file    TLS termination: PEM certificate chain (TLS 1.3 and 1.2)
              -K file    PEM private key [in the -E file]
              -G file    PEM CA certificates for client certificates
              -A dir     directory of PEM CA certificates
              -R         require a valid client certificate
              -L proto   ssl23 (TLS 1.3+1.2) [ssl23], tls1.2, tls1.3
              -Z         accepted, no effect
              -j         not supported (chroot)

            data-plane control commands (use -o CMD, the -F file or the control port):
              http | no http             X-Forwarded-For/-Proto, like -H
              ssl_sni_path DIR           per-name NAME.crt, NAME.key [NAME.ca] for SNI, as Pen
              ssl_ciphers A:B | ssl_option no_tlsv1.2|no_tlsv1.3|cipher_server_preference
              send_proxy v1|v2|off       PROXY protocol header to every backend [off]
              server N send_proxy v1|v2|off|default   ... to one backend
              accept_proxy               clients arrive with a PROXY v1/v2 header from another balancer
              transparent                connect to backends from the client's address (root; deploy/transparent.md)
              source IP                  connect to backends from this local address
              udp_idle_timeout N         forget a silent UDP flow after N s [10]
              udp_check SEC [FALL [RISE]]  active UDP health check [off; 2 2]
              udp_check_send TEXT / udp_check_expect TEXT   probe and expected reply prefix (escapes \\r \\n \\xHH)
              idle_timeout N, tcp_fastclose up|down|both|off, pending_max N, tcp_nodelay   as in Pen

              --help, --version
              --workers=N        event-loop threads [number of CPUs]
              --node-name=NAME   name used in logs and cluster views [host name]
              --cluster-*=VALUE  cluster settings (see README); also as 'cluster_*' lines in the -F file
            """;

    /** Options taking a value. */
    private static final String WITH_ARG = "bceBtxTplqmuCFwOojEKGAL";

    private CommandLine() {
    }

    /** Thrown for {@code --help} and {@code --version}: print and exit 0. */
    public static final class InfoRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public InfoRequested(String text) {
            super(text, null, false, false);
        }
    }

    public static StartupOptions parse(List<String> args, String version) {
        List<String> positional = new ArrayList<>();
        List<String> settingOptions = new ArrayList<>();
        List<String> commands = new ArrayList<>();
        Map<String, String> ext = new LinkedHashMap<>();
        List<String> notices = new ArrayList<>();
        String configFile = null;
        String control = null;
        String pidFile = null;
        String emergency = null;
        String abuse = null;
        int debug = 0;
        int backlog = 500;
        int multiAccept = 100;
        boolean exitEnabled = false;
        boolean foreground = false;
        boolean udp = false;
        int workers = Runtime.getRuntime().availableProcessors();
        String nodeName = null;

        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if ("--".equals(a)) {
                positional.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (a.startsWith("--")) {
                String name = a.substring(2);
                String value = null;
                int eq = name.indexOf('=');
                if (eq >= 0) {
                    value = name.substring(eq + 1);
                    name = name.substring(0, eq);
                }
                switch (name) {
                    case "help" -> throw new InfoRequested(USAGE);
                    case "version" -> throw new InfoRequested("jpen " + version + "\n");
                    default -> {
                    }
                }
                if (value == null) {
                    if (i + 1 >= args.size()) {
                        throw ConfigException.of(a, "option needs a value (expected: --" + name + "=VALUE)");
                    }
                    value = args.get(++i);
                }
                switch (name) {
                    case "workers" -> workers = Numbers.parseInt(value, "--workers", 1, 1024);
                    case "node-name" -> nodeName = value;
                    default -> {
                        if (!name.startsWith("cluster-") && !name.startsWith("vip-") && !name.startsWith("jgroups-")
                                && !name.startsWith("drain-")) {
                            throw ConfigException.of(a, "unknown option (expected: see jpen --help)");
                        }
                        ext.put(name.replace('-', '_'), value);
                    }
                }
                continue;
            }
            if (a.length() < 2 || a.charAt(0) != '-') {
                positional.add(a);
                continue;
            }
            for (int j = 1; j < a.length(); j++) {
                char c = a.charAt(j);
                String opt = "-" + c;
                String value = null;
                if (WITH_ARG.indexOf(c) >= 0) {
                    if (j + 1 < a.length()) {
                        value = a.substring(j + 1);
                    } else if (i + 1 < args.size()) {
                        value = args.get(++i);
                    } else {
                        throw ConfigException.of(opt, "option needs a value");
                    }
                    j = a.length();
                }
                switch (c) {
                    case 'b' -> settingOptions.add("blacklist " + num(opt, value, 0));
                    case 'c' -> settingOptions.add("clients_max " + num(opt, value, 1));
                    case 't' -> settingOptions.add("timeout " + num(opt, value, 1));
                    case 'x' -> settingOptions.add("conn_max " + num(opt, value, 1));
                    case 'T' -> settingOptions.add("tracking " + num(opt, value, 0));
                    case 'h' -> settingOptions.add("hash");
                    case 'r' -> settingOptions.add("roundrobin");
                    case 's' -> settingOptions.add("stubborn");
                    case 'W' -> settingOptions.add("weight");
                    case 'H' -> settingOptions.add("http");
                    case 'a' -> settingOptions.add("ascii");
                    case 'l' -> settingOptions.add("log " + value);
                    case 'w' -> settingOptions.add("web_stats " + value);
                    case 'd' -> debug++;
                    case 'e' -> emergency = value;
                    case 'B' -> abuse = value;
                    case 'p' -> pidFile = value;
                    case 'q' -> {
                        backlog = num(opt, value, 0);
                        if (backlog < 50) {
                            notices.add("listen_queue bumped to 50");
                            backlog = 50;
                        }
                    }
                    case 'm' -> {
                        multiAccept = num(opt, value, 0);
                        if (multiAccept < 1) {
                            notices.add("multi_accept bumped to 1");
                            multiAccept = 1;
                        }
                    }
                    case 'C' -> control = value;
                    case 'F' -> configFile = value;
                    case 'O', 'o' -> commands.add(value);
                    case 'X' -> exitEnabled = true;
                    case 'f' -> foreground = true;
                    case 'P' -> notices.add("-P: jpen always fails over on refused connects, as Pen does with poll");
                    case 'u' -> {
                        String me = System.getProperty("user.name");
                        if (!value.equals(me)) {
                            throw ConfigException.of("-u " + value, "jpen cannot change user; start it as " + value
                                    + " (e.g. systemd User=" + value + ") (expected: -u " + me + ")");
                        }
                    }
                    case 'D', 'Q', 'n' -> notices.add("-" + c + " is obsolete and ignored");
                    case 'S' -> {
                        notices.add("-S is obsolete and ignored");
                        if (i + 1 < args.size() && j + 1 >= a.length()) {
                            i++;
                        }
                    }
                    case 'i' -> throw new InfoRequested("Windows only\n");
                    case 'U' -> udp = true;
                    case 'E' -> settingOptions.add("ssl_certificate " + path(opt, value));
                    case 'K' -> settingOptions.add("ssl_key " + path(opt, value));
                    case 'G' -> settingOptions.add("ssl_ca_file " + path(opt, value));
                    case 'A' -> settingOptions.add("ssl_ca_dir " + path(opt, value));
                    case 'R' -> settingOptions.add("ssl_verify_client");
                    case 'L' -> settingOptions.add("ssl_protocol " + TlsConfig.checkProtocol(value));
                    case 'Z' -> notices.add("-Z (SSL compatibility mode) has no effect: Java's TLS needs no workarounds");
                    case 'j' -> throw notYet(opt, "chroot");
                    default -> throw ConfigException.of(opt, "unknown option (expected: see jpen --help)");
                }
            }
        }

        String listen = positional.isEmpty() ? null : positional.get(0);
        List<String> servers = positional.size() > 1 ? List.copyOf(positional.subList(1, positional.size())) : List.of();
        if (listen == null && configFile == null) {
            throw ConfigException.of("", "no listen address given (expected: jpen [options] [host:]port server...; see jpen --help)");
        }
        return new StartupOptions(listen, servers, List.copyOf(settingOptions), List.copyOf(commands), configFile,
                control, pidFile, emergency, abuse, debug, backlog, multiAccept, exitEnabled, udp, foreground,
                workers, nodeName, Map.copyOf(ext), List.copyOf(notices));
    }

    private static ConfigException notYet(String opt, String what) {
        return ConfigException.of(opt, what + " is not supported yet");
    }

    /** Options become control commands, which split on spaces. */
    private static String path(String opt, String value) {
        if (value.isEmpty() || value.indexOf(' ') >= 0) {
            throw ConfigException.of(value, opt + " needs a file name without spaces");
        }
        return value;
    }

    private static int num(String opt, String value, int min) {
        return Numbers.parseInt(value, opt, min, Integer.MAX_VALUE);
    }
}
