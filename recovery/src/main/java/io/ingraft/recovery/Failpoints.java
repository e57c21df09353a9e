package io.ingraft.recovery;

import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The catalog of named failpoints at every boundary of the commit protocol and the recovery sweep,
 * and the switch that arms them. Tests arm a point to either throw an {@link
 * InjectedFailureException} (in-process) or halt the JVM with {@code Runtime.halt} (child-JVM crash
 * tests, armed through the {@value #SYSTEM_PROPERTY} system property, e.g. {@code
 * -Dingraft.failpoints=commit.after-table-commits=halt}).
 *
 * <p>This is the one piece of static mutable state in the project, on purpose: failpoints sit deep
 * inside the write path, and threading a test switch through every constructor would put test
 * concerns into production signatures. Unarmed, {@link #hit} costs one volatile read.
 */
public final class Failpoints {
  /** After every table write is staged, before the sidecar is written. */
  public static final String AFTER_STAGING = "commit.after-staging";

  /** After the sidecar is written, before the first table commit. */
  public static final String AFTER_SIDECAR_WRITE = "commit.after-sidecar-write";

  /** After a table commit when more tables remain to commit. */
  public static final String BETWEEN_TABLE_COMMITS = "commit.between-table-commits";

  /** After every table commit, before the manifest publish. */
  public static final String AFTER_TABLE_COMMITS = "commit.after-table-commits";

  /** After the manifest publish, before the sidecar delete. */
  public static final String AFTER_PUBLISH = "commit.after-publish";

  /** Inside the sweep, after deciding to roll forward, before its publish. */
  public static final String SWEEP_BEFORE_PUBLISH = "sweep.before-publish";

  /** Inside the sweep, after restoring tables for a roll back, before its publish. */
  public static final String SWEEP_AFTER_RESTORE = "sweep.after-restore";

  /** Inside the sweep, after its publish, before the audit row and the sidecar delete. */
  public static final String SWEEP_AFTER_PUBLISH = "sweep.after-publish";

  /**
   * In the graph writer, after an apply published its version(s), before their dead letters and
   * commit notices are queued for the next transaction.
   */
  public static final String WRITER_AFTER_PUBLISH = "writer.after-publish";

  /**
   * In the graph writer, after a takeover claimed the graph and swept it, before the versions a
   * crash left without side outputs are queued to be re-sent.
   */
  public static final String WRITER_AFTER_TAKEOVER = "writer.after-takeover";

  /**
   * In the graph writer, inside a Kafka transaction: dead letters, commit notices and offsets sent,
   * the transaction not yet committed.
   */
  public static final String WRITER_BEFORE_TRANSACTION_COMMIT = "writer.before-transaction-commit";

  /** In the graph writer, right after a transaction committed, before the writer records it. */
  public static final String WRITER_AFTER_TRANSACTION_COMMIT = "writer.after-transaction-commit";

  /** The failpoints of the commit protocol and the recovery sweep, in protocol order. */
  public static final Set<String> PROTOCOL =
      Collections.unmodifiableSet(
          new LinkedHashSet<>(
              java.util.List.of(
                  AFTER_STAGING,
                  AFTER_SIDECAR_WRITE,
                  BETWEEN_TABLE_COMMITS,
                  AFTER_TABLE_COMMITS,
                  AFTER_PUBLISH,
                  SWEEP_BEFORE_PUBLISH,
                  SWEEP_AFTER_RESTORE,
                  SWEEP_AFTER_PUBLISH)));

  /** The failpoints of the writer's side outputs, from the publish to the offset commit. */
  public static final Set<String> SIDE_OUTPUTS =
      Collections.unmodifiableSet(
          new LinkedHashSet<>(
              java.util.List.of(
                  WRITER_AFTER_PUBLISH,
                  WRITER_AFTER_TAKEOVER,
                  WRITER_BEFORE_TRANSACTION_COMMIT,
                  WRITER_AFTER_TRANSACTION_COMMIT)));

  /** Every failpoint name. */
  public static final Set<String> CATALOG = union(PROTOCOL, SIDE_OUTPUTS);

  /** {@code name=action[,name=action]} with action {@code throw} or {@code halt}. */
  public static final String SYSTEM_PROPERTY = "ingraft.failpoints";

  /** The exit status of a JVM halted by a failpoint, so a test can tell it from other deaths. */
  public static final int HALT_STATUS = 86;

  /** What an armed failpoint does when hit. */
  public enum Action {
    THROW,
    HALT
  }

  private static volatile Map<String, Action> armed = parse(System.getProperty(SYSTEM_PROPERTY));

  private Failpoints() {}

  /** Arms {@code name}; an unknown name is an error, so a typo never silently tests nothing. */
  public static synchronized void arm(String name, Action action) {
    requireKnown(name);
    Map<String, Action> next = new HashMap<>(armed);
    next.put(name, action);
    armed = Map.copyOf(next);
  }

  public static synchronized void disarm(String name) {
    requireKnown(name);
    Map<String, Action> next = new HashMap<>(armed);
    next.remove(name);
    armed = Map.copyOf(next);
  }

  public static synchronized void disarmAll() {
    armed = Map.of();
  }

  /** Called by the protocol at the named boundary. Does nothing unless the point is armed. */
  public static void hit(String name) {
    Map<String, Action> current = armed;
    if (current.isEmpty()) {
      return;
    }
    Action action = current.get(name);
    if (action == null) {
      return;
    }
    if (action == Action.HALT) {
      System.out.println("failpoint " + name + ": halting");
      System.out.flush();
      Runtime.getRuntime().halt(HALT_STATUS);
    }
    throw new InjectedFailureException(name);
  }

  private static Set<String> union(Set<String> a, Set<String> b) {
    Set<String> all = new LinkedHashSet<>(a);
    all.addAll(b);
    return Collections.unmodifiableSet(all);
  }

  private static void requireKnown(String name) {
    if (!CATALOG.contains(name)) {
      throw new UnknownFailpointException(name);
    }
  }

  static Map<String, Action> parse(String spec) {
    if (spec == null || spec.isBlank()) {
      return Map.of();
    }
    Map<String, Action> result = new HashMap<>();
    for (String item : spec.split(",")) {
      String[] parts = item.trim().split("=", 2);
      requireKnown(parts[0]);
      Action action =
          parts.length < 2
              ? Action.THROW
              : switch (parts[1].trim()) {
                case "throw" -> Action.THROW;
                case "halt" -> Action.HALT;
                default ->
                    throw new IllegalArgumentException(
                        SYSTEM_PROPERTY
                            + ": unknown action '"
                            + parts[1]
                            + "' for "
                            + parts[0]
                            + " (use throw or halt)");
              };
      result.put(parts[0], action);
    }
    return Map.copyOf(result);
  }
}
