package io.ingraft.recovery;

import com.github.f4b6a3.ulid.UlidCreator;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestChange;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.manifest.WriterEpoch;
import io.ingraft.storage.table.TableCommitter;
import io.ingraft.storage.table.TableMovedException;
import io.ingraft.storage.table.TableReader;
import io.ingraft.storage.table.TableStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The commit protocol (docs/protocol.md, steps 2–6) for one graph: write the sidecar, commit every
 * staged table write at exactly {@code pin + 1} with a pre-minted transaction uuid, publish one
 * manifest version, delete the sidecar. Any failure after the sidecar write leaves the sidecar in
 * place, and {@link RecoverySweep} later rolls the operation forward (every table committed) or
 * back (otherwise). Failpoints sit at every boundary.
 */
public final class GuardedCommit {
  private static final Logger LOG = LoggerFactory.getLogger(GuardedCommit.class);

  /** Transaction property keys written into every Lance commit the protocol makes. */
  public static final String PROP_GRAPH = "ingraft.graph";

  public static final String PROP_OPERATION = "ingraft.operation";
  public static final String PROP_EPOCH = "ingraft.epoch";
  public static final String PROP_WRITER = "ingraft.writer";
  public static final String PROP_TABLE = "ingraft.table";

  private final TableReader reader;
  private final TableCommitter committer;
  private final SidecarStore sidecars;
  private final Clock clock;

  public GuardedCommit(TableStore tables, SidecarStore sidecars, Clock clock) {
    this.reader = tables.reader();
    this.committer = tables.committer();
    this.sidecars = sidecars;
    this.clock = clock;
  }

  /**
   * Commits {@code plan} on top of {@code base} as {@code writer}.
   *
   * @return the published manifest version
   * @throws FencedException if another owner claimed the graph (the sidecar stays for its sweep)
   * @throws TableMovedException if a table moved under the plan; thrown before any effect when
   *     detected up front
   */
  public Manifest commit(ManifestLog log, Manifest base, WriterEpoch writer, CommitPlan plan) {
    Failpoints.hit(Failpoints.AFTER_STAGING);
    requireTablesAtPins(base, plan);
    requireHeadsAtPins(plan);
    Manifest latest = log.require();
    if (latest.epoch() > writer.epoch()) {
      // A zombie learns it lost the graph here, before moving any table.
      throw new FencedException(log.graph().value(), writer.epoch(), latest.epoch());
    }

    String operationId = UlidCreator.getMonotonicUlid().toString();
    List<SidecarTable> intent = new ArrayList<>();
    for (TableWrite write : plan.writes()) {
      intent.add(
          new SidecarTable(
              write.key(),
              write.staged().table(),
              write.staged().readVersion(),
              UUID.randomUUID()));
    }
    Sidecar sidecar =
        new Sidecar(
            Sidecar.FORMAT,
            operationId,
            log.graph().value(),
            plan.kind(),
            writer.writerId(),
            writer.epoch(),
            base.version(),
            clock.instant(),
            intent,
            plan.schema(),
            plan.removeTables(),
            plan.sources(),
            plan.commit().withOperationId(operationId));
    sidecars.write(sidecar);
    Failpoints.hit(Failpoints.AFTER_SIDECAR_WRITE);

    ManifestChange.Builder change = ManifestChange.builder(writer, sidecar.commit());
    for (int i = 0; i < plan.writes().size(); i++) {
      TableWrite write = plan.writes().get(i);
      SidecarTable table = intent.get(i);
      long version =
          committer.commit(write.staged(), table.transactionId(), properties(sidecar, table.key()));
      // The staged write knows exactly how many rows it adds and deletes: no need to reopen the
      // table for its count.
      long before = base.table(table.key()).map(TablePin::rowCount).orElse(0L);
      change.pin(
          table.key(), new TablePin(table.path(), version, before + write.staged().rowDelta()));
      if (i < plan.writes().size() - 1) {
        Failpoints.hit(Failpoints.BETWEEN_TABLE_COMMITS);
      }
    }
    Failpoints.hit(Failpoints.AFTER_TABLE_COMMITS);

    plan.removeTables().forEach(change::remove);
    plan.sources().forEach(change::source);
    change.schema(plan.schema());
    Manifest published = log.publish(base, change.build());
    Failpoints.hit(Failpoints.AFTER_PUBLISH);
    sidecars.deleteQuietly(log.graph(), operationId);
    LOG.debug(
        "graph {}: operation {} published version {}",
        log.graph(),
        operationId,
        published.version());
    return published;
  }

  /** Lance transaction properties: the operation that made a table version, readable forever. */
  static Map<String, String> properties(Sidecar sidecar, String tableKey) {
    Map<String, String> props = new HashMap<>();
    props.put(PROP_GRAPH, sidecar.graph());
    props.put(PROP_OPERATION, sidecar.operationId());
    props.put(PROP_EPOCH, Long.toString(sidecar.epoch()));
    props.put(PROP_WRITER, sidecar.writerId());
    props.put(PROP_TABLE, tableKey);
    return props;
  }

  /**
   * A HEAD ahead of its pin is uncovered drift (a zombie's commit, a crash the sweep has not seen):
   * committing on top of it would publish foreign rows. Refuse before any effect; the owner's sweep
   * repairs it.
   */
  private void requireHeadsAtPins(CommitPlan plan) {
    for (TableWrite write : plan.writes()) {
      String path = write.staged().table();
      long head = reader.headIfExists(path).orElse(0);
      if (head != write.staged().readVersion()) {
        throw new TableMovedException(path, write.staged().readVersion(), head);
      }
    }
  }

  private void requireTablesAtPins(Manifest base, CommitPlan plan) {
    for (TableWrite write : plan.writes()) {
      if (write.staged().kind() == io.ingraft.storage.table.StagedWrite.Kind.CREATE) {
        if (base.table(write.key()).isPresent()) {
          throw new IllegalArgumentException("table " + write.key() + " is already published");
        }
        continue; // a create is staged against the orphan at the path, if any
      }
      long pinned = base.table(write.key()).map(TablePin::version).orElse(0L);
      if (write.staged().readVersion() != pinned) {
        throw new IllegalArgumentException(
            "table "
                + write.key()
                + " was staged against version "
                + write.staged().readVersion()
                + " but the base manifest pins "
                + pinned);
      }
    }
  }
}
