import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * Runs one real OpenSearch node inside this JVM (the standard modules, analysis-common included),
 * bound to loopback on a fixed port. Used by deploy/stack.sh when Docker is not available.
 * Usage: java -cp CLASSPATH LocalNode.java BASE_DIR HTTP_PORT TRANSPORT_PORT [NODE_NAME CLUSTER]
 * Without NODE_NAME the node is a cluster of its own (discovery.type single-node). With NODE_NAME
 * and CLUSTER ("name:transport_port,..." of every node, this one included) it is one node of that
 * cluster, found through those transport ports; each node runs in its own JVM, so one can be
 * stopped (or killed) while the others keep serving.
 */
public class LocalNode {
    public static void main(String[] args) throws Exception {
        final String base = args[0];
        final int httpPort = Integer.parseInt(args[1]);
        final int transportPort = Integer.parseInt(args[2]);
        final String nodeName = args.length > 4 ? args[3] : null;
        final List<String> seeds = new ArrayList<>();
        final List<String> managers = new ArrayList<>();
        if (nodeName != null) {
            for (final String member : args[4].split(",")) {
                final String[] parts = member.split(":");
                managers.add(parts[0]);
                seeds.add("127.0.0.1:" + parts[1]);
            }
        }
        Files.createDirectories(Paths.get(base));
        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((number, settings) -> {
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("network.host", "127.0.0.1");
            if (nodeName == null) {
                settings.put("discovery.type", "single-node");
            } else {
                settings.put("node.name", nodeName);
                settings.putList("discovery.seed_hosts", seeds);
                settings.putList("cluster.initial_cluster_manager_nodes", managers);
            }
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
        if (nodeName == null) {
            // A cluster member answers once enough members have joined: the caller waits for that.
            runner.ensureYellow();
        }
        System.out.println("OpenSearch ready on http://127.0.0.1:" + httpPort);
        stopped.await();
    }
}
