package io.ingraft.app.kafka;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Main class of the broker child JVM that {@link LocalKafkaBroker} starts. It does three things, in
 * this order:
 *
 * <ol>
 *   <li>starts a watchdog: a daemon thread reads standard input until end-of-file and then exits
 *       the JVM, which runs Kafka's own shutdown hook (a clean broker shutdown). The parent holds
 *       the other end of that pipe, so if the parent JVM dies in any way, even {@code kill -9}, the
 *       broker stops by itself instead of lingering as an orphan (measured: gone 2.3 s after the
 *       parent was killed; docs/architecture.md, "The distribution and the demo");
 *   <li>formats the storage directory, like {@code kafka-storage.sh format -t <id> -c <props>
 *       --ignore-formatted}. It runs in this JVM rather than in one of its own, which saves a JVM
 *       start (about 2.5 s); with the same cluster id an already formatted directory is kept;
 *   <li>runs {@code kafka.Kafka.main(<props>)}, the broker's own entry point.
 * </ol>
 *
 * <p>The broker classes are reached by reflection because the app only has them at run time
 * (kafka_2.13 is a runtime dependency: no app code compiles against broker internals).
 *
 * <p>Arguments: {@code <server.properties> <cluster id>}.
 */
public final class LocalKafkaBrokerMain {
  /** Exit status when the storage format fails (the reason is in the broker log). */
  static final int EXIT_FORMAT_FAILED = 3;

  private LocalKafkaBrokerMain() {}

  public static void main(String[] args) throws Throwable {
    if (args.length != 2) {
      System.err.println("usage: LocalKafkaBrokerMain <server.properties> <cluster id>");
      System.exit(2);
    }
    String properties = args[0];
    String clusterId = args[1];
    startStdinWatchdog(System.in);

    int formatted =
        (int)
            invokeStatic(
                "kafka.tools.StorageTool",
                "execute",
                new Class<?>[] {String[].class, PrintStream.class},
                new String[] {"format", "-t", clusterId, "-c", properties, "--ignore-formatted"},
                System.out);
    if (formatted != 0) {
      System.err.println("LocalKafkaBrokerMain: storage format failed with status " + formatted);
      System.out.flush();
      System.exit(EXIT_FORMAT_FAILED);
    }
    System.out.flush();
    invokeStatic(
        "kafka.Kafka", "main", new Class<?>[] {String[].class}, (Object) new String[] {properties});
  }

  private static void startStdinWatchdog(InputStream in) {
    Thread watchdog =
        new Thread(
            () -> {
              byte[] buffer = new byte[256];
              try {
                while (in.read(buffer) >= 0) {
                  // The parent never writes; anything it does write is ignored.
                }
              } catch (IOException e) {
                // A broken pipe means the parent is gone, same as end-of-file.
              }
              System.err.println(
                  "LocalKafkaBrokerMain: standard input closed (parent gone), stopping");
              System.exit(0);
            },
            "ingraft-parent-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  private static Object invokeStatic(
      String className, String method, Class<?>[] types, Object... arguments) throws Throwable {
    Method m = Class.forName(className).getMethod(method, types);
    try {
      return m.invoke(null, arguments);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
