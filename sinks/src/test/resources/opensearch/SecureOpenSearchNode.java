import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.settings.Settings;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.security.OpenSearchSecurityPlugin;
import org.opensearch.transport.Netty4Plugin;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * A single-node OpenSearch 2.19 with its security plug-in (TLS on HTTP and transport, HTTP basic authentication
 * against the plug-in's internal users), for OpenSearchSecurityTest. Run by the test in a JVM of its own with Java's
 * source launcher, on the jars of scripts/servers/opensearch/pom.xml and those of the plug-in's zip:
 *
 * <pre>java -cp JARS SecureOpenSearchNode.java HOME</pre>
 *
 * Every setting comes from HOME/config/opensearch.yml, the plug-in's files from HOME/config/opensearch-security/.
 * SIGTERM closes the node.
 */
public final class SecureOpenSearchNode extends Node {

    private SecureOpenSearchNode(Path home) {
        super(InternalSettingsPreparer.prepareEnvironment(Settings.builder().put("path.home", home.toString()).build(),
                Map.of(), home.resolve("config"), () -> "polybus-secure"),
                List.<Class<? extends Plugin>>of(Netty4Plugin.class, CommonAnalysisPlugin.class,
                        OpenSearchSecurityPlugin.class), true);
    }

    public static void main(String[] args) throws Exception {
        Node node = new SecureOpenSearchNode(Path.of(args[0]).toAbsolutePath());
        CountDownLatch closed = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                closed.countDown();
            }
        }, "opensearch-shutdown"));
        node.start();
        System.out.println("SecureOpenSearchNode: started");
        closed.await();
    }
}
