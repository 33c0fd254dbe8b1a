package io.polybus.agent.internal.syslog;

import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/** How a syslog source receives: the UDP or the TCP listener, on the source's selector. Not thread-safe. */
interface Listener extends AutoCloseable {

    /** Binds {@code address} and registers with {@code selector}. */
    void bind(InetSocketAddress address, Selector selector) throws IOException;

    /** The bound address (the port chosen when port 0 was asked for). */
    InetSocketAddress address() throws IOException;

    /**
     * Handles one selected key.
     *
     * @return false when the agent stopped while an event waited for room to send: nothing more can be sent
     */
    boolean handle(SelectionKey key);

    /** The source ends: sends what open connections hold (unless {@code send} is false: the agent stopped) and closes them. */
    void finish(Selector selector, boolean send);

    /** Closes the listening socket. */
    @Override
    void close();

    /** {@code host:port}, with brackets around an IPv6 address. */
    static String peer(SocketAddress address) {
        InetSocketAddress a = (InetSocketAddress) address;
        InetAddress ip = a.getAddress();
        String host = ip == null ? a.getHostString() : ip.getHostAddress();
        return (ip instanceof Inet6Address ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
