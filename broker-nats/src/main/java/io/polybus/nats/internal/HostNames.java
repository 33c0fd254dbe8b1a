package io.polybus.nats.internal;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The configured servers' host names by the addresses they resolve to: jnats resolves the names and opens its TLS
 * sockets to the addresses, but the server's certificate names the host, and the host-name check needs it. Resolved
 * once, at open. Immutable.
 */
final class HostNames {
    private final Map<String, String> byAddress;

    private HostNames(Map<String, String> byAddress) {
        this.byAddress = byAddress;
    }

    /** @param servers {@code nats://host:port} or {@code tls://host:port} */
    static HostNames of(List<String> servers) {
        Map<String, String> byAddress = new HashMap<>();
        for (String server : servers) {
            String host = URI.create(server).getHost();
            try {
                for (InetAddress address : InetAddress.getAllByName(host)) {
                    byAddress.putIfAbsent(address.getHostAddress(), host);
                }
            } catch (UnknownHostException e) {
                // jnats reports the name it cannot resolve when it connects.
            }
        }
        return new HostNames(Map.copyOf(byAddress));
    }

    /** The configured name that resolved to {@code host}, or {@code host} itself. */
    String nameOf(String host) {
        return byAddress.getOrDefault(host, host);
    }
}
