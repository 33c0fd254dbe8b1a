package io.polybus.zeromq;

import io.polybus.Config;
import io.polybus.testkit.BrokerConformanceSuite;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * The whole contract on ZeroMQ, in process: every test's broker listens on a free port of its own and sends to it.
 * What ZeroMQ cannot keep is asserted as refused.
 */
class ZeroMqConformanceTest extends BrokerConformanceSuite {
    private String endpoint;

    @Override
    protected Config brokerConfig() {
        if (endpoint == null) {
            endpoint = "tcp://127.0.0.1:" + freePort();
        }
        return Config.of("type", "zeromq", "subscriber-endpoint", endpoint, "publisher-endpoints", endpoint);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
