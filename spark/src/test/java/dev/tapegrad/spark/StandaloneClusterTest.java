package dev.tapegrad.spark;

import static dev.tapegrad.spark.Fixtures.Example;
import static dev.tapegrad.spark.Fixtures.Mlp;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tapegrad.optim.Adam;
import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Trains on a real Spark standalone cluster on this machine: a Master and two Workers, each its own
 * JVM started from the classes in spark-core, every one bound to 127.0.0.1, each Worker running one
 * single-core executor JVM. The result must be bit-identical to the same training on {@code
 * local[2]}: closures, the factory, broadcasts and the executor-side model cache work across
 * processes, and the float sums do not depend on where or in which order tasks ran.
 *
 * <p>The executors get the test's class path (tapegrad's classes and every dependency) through
 * {@code spark.executor.extraClassPath}; the Workers' Spark home is an empty folder.
 *
 * <p>It starts five JVMs and takes one to two minutes on two busy cores, more than the suite's
 * budget, so it is tagged {@code cluster} and runs with {@code -Pspark-cluster} (which {@code
 * .ci/run} passes).
 */
@Tag("cluster")
class StandaloneClusterTest {
  private static final String LOOPBACK = "127.0.0.1";
  private static final List<Example> EXAMPLES = Fixtures.examples(160, 12);
  private static final List<Process> PROCESSES = new ArrayList<>();
  private static final Thread CLEANUP = new Thread(StandaloneClusterTest::stopAll);

  @TempDir static Path dir;

  @AfterAll
  static void stopCluster() {
    stopAll();
  }

  /** Stops the Workers' executors, the Workers and the Master, forcibly if they linger. */
  private static synchronized void stopAll() {
    List<ProcessHandle> all = new ArrayList<>();
    for (Process p : PROCESSES) {
      p.descendants().forEach(all::add);
      all.add(p.toHandle());
    }
    all.forEach(ProcessHandle::destroy);
    for (ProcessHandle h : all) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        h.destroyForcibly();
      }
    }
    PROCESSES.clear();
  }

  private static float[] train(JavaSparkContext sc) throws IOException {
    JavaRDD<Example> data = sc.parallelize(EXAMPLES, 4);
    Mlp model = Fixtures.model(5);
    Adam adam = new Adam(model.parameters(), Adam.options().lr(1e-2));
    try (var trainer =
        DataParallelTrainer.builder(data, Fixtures.factory(), Fixtures.loss())
            .globalBatch(40)
            .seed(9)
            .clipGradNorm(1)
            .build(model, adam)) {
      new TrainingLoop(trainer).run(0, 6);
    }
    return Fixtures.flat(model);
  }

  @Test
  void trainingOnTwoExecutorJvmsIsBitIdenticalToLocalMode() throws Exception {
    float[] local;
    JavaSparkContext sc = Fixtures.context("local[2]", "StandaloneClusterTest-local");
    try {
      local = train(sc);
    } finally {
      sc.stop();
    }

    Runtime.getRuntime().addShutdownHook(CLEANUP);
    try {
      String classPath = testClassPath();
      int masterPort = freePort();
      Path sparkHome = Files.createDirectories(dir.resolve("spark-home/jars"));
      start(
          "master",
          classPath,
          sparkHome.getParent(),
          "org.apache.spark.deploy.master.Master",
          "--host",
          LOOPBACK,
          "--port",
          Integer.toString(masterPort),
          "--webui-port",
          Integer.toString(freePort()));
      waitForPort(masterPort, 60);
      String master = "spark://" + LOOPBACK + ":" + masterPort;
      for (int w = 0; w < 2; w++) {
        start(
            "worker-" + w,
            classPath,
            sparkHome.getParent(),
            "org.apache.spark.deploy.worker.Worker",
            "--host",
            LOOPBACK,
            "--port",
            Integer.toString(freePort()),
            "--webui-port",
            Integer.toString(freePort()),
            "--cores",
            "1",
            "--memory",
            "1g",
            "--work-dir",
            Files.createDirectories(dir.resolve("work-" + w)).toString(),
            master);
      }

      SparkConf conf =
          new SparkConf()
              .setMaster(master)
              .setAppName("StandaloneClusterTest")
              .set("spark.driver.host", LOOPBACK)
              .set("spark.driver.bindAddress", LOOPBACK)
              .set("spark.ui.enabled", "false")
              .set("spark.ui.showConsoleProgress", "false")
              .set("spark.executor.cores", "1")
              .set("spark.cores.max", "2")
              .set("spark.executor.memory", "512m")
              .set("spark.executor.extraClassPath", classPath)
              .set("spark.executorEnv.SPARK_LOCAL_IP", LOOPBACK);
      JavaSparkContext cluster = new JavaSparkContext(conf);
      try {
        waitForExecutors(cluster, 2, 90);
        Set<String> jvms =
            new HashSet<>(
                cluster
                    .parallelize(List.of(0, 1, 2, 3, 4, 5, 6, 7), 8)
                    .map(
                        i -> {
                          Thread.sleep(300); // long enough that both executors get tasks
                          return Long.toString(ProcessHandle.current().pid());
                        })
                    .collect());
        jvms.remove(Long.toString(ProcessHandle.current().pid()));
        assertTrue(jvms.size() == 2, "tasks ran in executor JVMs " + jvms + "\n" + logs());
        float[] distributed = train(cluster);
        assertArrayEquals(local, distributed, "cluster and local[2] differ\n" + logs());
      } finally {
        cluster.stop();
      }
    } finally {
      stopAll();
      Runtime.getRuntime().removeShutdownHook(CLEANUP);
    }
  }

  /** The test's class path; surefire may hide it behind a manifest-only jar. */
  private static String testClassPath() {
    String path = System.getProperty("surefire.test.class.path");
    return path != null && !path.isEmpty() ? path : System.getProperty("java.class.path");
  }

  private static void start(
      String name, String classPath, Path sparkHome, String mainClass, String... args)
      throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.addAll(List.of(System.getProperty("tapegrad.spark.jvmOptions", "").split(" ")));
    command.removeIf(String::isEmpty);
    command.add("-cp");
    command.add(classPath);
    command.add(mainClass);
    command.addAll(List.of(args));
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve(name + ".log").toFile());
    builder.environment().put("SPARK_HOME", sparkHome.toString());
    builder.environment().put("SPARK_SCALA_VERSION", "2.13");
    builder.environment().put("SPARK_LOCAL_IP", LOOPBACK);
    builder.environment().put("SPARK_LOCAL_HOSTNAME", LOOPBACK);
    builder.environment().put("SPARK_PUBLIC_DNS", LOOPBACK);
    synchronized (StandaloneClusterTest.class) {
      PROCESSES.add(builder.start());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(LOOPBACK))) {
      return socket.getLocalPort();
    }
  }

  private static void waitForPort(int port, int seconds) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress(LOOPBACK, port), 500);
        return;
      } catch (IOException notYet) {
        Thread.sleep(200);
      }
    }
    throw new AssertionError(
        "the Master did not listen on port " + port + " within " + seconds + " s\n" + logs());
  }

  private static void waitForExecutors(JavaSparkContext sc, int count, int seconds)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < deadline) {
      // the driver counts itself among the executors
      if (sc.sc().getExecutorMemoryStatus().size() >= count + 1) {
        return;
      }
      Thread.sleep(200);
    }
    throw new AssertionError(
        count + " executors did not register within " + seconds + " s\n" + logs());
  }

  /** The last lines of every cluster process's log, for failure messages. */
  private static String logs() {
    StringBuilder sb = new StringBuilder();
    File[] files = dir.toFile().listFiles((d, name) -> name.endsWith(".log"));
    if (files != null) {
      for (File f : files) {
        try {
          List<String> lines = Files.readAllLines(f.toPath(), StandardCharsets.UTF_8);
          sb.append("--- ").append(f.getName()).append('\n');
          lines
              .subList(Math.max(0, lines.size() - 30), lines.size())
              .forEach(l -> sb.append(l).append('\n'));
        } catch (IOException e) {
          sb.append("--- ").append(f.getName()).append(": ").append(e).append('\n');
        }
      }
    }
    return sb.toString();
  }
}
