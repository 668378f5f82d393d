import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one real OpenSearch node inside this JVM (the standard modules, analysis-common included),
 * bound to loopback on a fixed port. Used by deploy/stack.sh when Docker is not available.
 * Usage: java -cp CLASSPATH LocalNode.java BASE_DIR HTTP_PORT TRANSPORT_PORT
 */
public class LocalNode {
    public static void main(String[] args) throws Exception {
        final String base = args[0];
        final int httpPort = Integer.parseInt(args[1]);
        final int transportPort = Integer.parseInt(args[2]);
        Files.createDirectories(Paths.get(base));
        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((number, settings) -> {
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("network.host", "127.0.0.1");
            settings.put("discovery.type", "single-node");
            settings.putList("node.roles", "cluster_manager", "data", "ingest");
            // Disk watermarks would turn indices read-only on a nearly full dev disk.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
            settings.put("action.auto_create_index", false);
        });
        final CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                System.err.println("close failed: " + e);
            }
            stopped.countDown();
        }));
        runner.build(OpenSearchRunner.newConfigs().basePath(base).numOfNode(1).clusterName("contacts-local").disableESLogger());
        runner.ensureYellow();
        System.out.println("OpenSearch ready on http://127.0.0.1:" + httpPort);
        stopped.await();
    }
}
