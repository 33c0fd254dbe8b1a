package io.polybus.artemis.internal;

import org.apache.activemq.artemis.core.remoting.impl.ssl.CachingSSLContextFactory;
import org.apache.activemq.artemis.spi.core.remoting.ssl.SSLContextConfig;
import org.apache.activemq.artemis.spi.core.remoting.ssl.SSLContextFactory;

import javax.net.ssl.SSLContext;
import java.util.Map;

/**
 * Hands the Netty connector of a Polybus connection the {@link SSLContext} of its own {@code tls.*} keys, which the
 * locator puts into the connector's parameters under {@link #CONTEXT}: the core client otherwise builds contexts only
 * from key store paths and passwords (or takes the JVM's default). Connectors without that parameter (anyone
 * else's in the same JVM) get exactly what Artemis's own factory gives them.
 *
 * <p>Found by the core client through {@code ServiceLoader}; it takes the factory of the highest priority, so this
 * one ranks above Artemis's (5 and 10). {@link ArtemisSettings} checks at open that it was chosen. Thread-safe.
 */
public final class PolybusSslContextFactory implements SSLContextFactory {
    /** The connector parameter that carries the context; never a URL parameter, so users cannot set it. */
    static final String CONTEXT = "polybus.sslContext";
    static final int PRIORITY = 1000;

    private final SSLContextFactory artemis = new CachingSSLContextFactory();

    @Override
    public SSLContext getSSLContext(SSLContextConfig config, Map<String, Object> options) throws Exception {
        if (options != null && options.get(CONTEXT) instanceof SSLContext context) {
            return context;
        }
        return artemis.getSSLContext(config, options);
    }

    @Override
    public void clearSSLContexts() {
        artemis.clearSSLContexts();
    }

    @Override
    public int getPriority() {
        return PRIORITY;
    }
}
