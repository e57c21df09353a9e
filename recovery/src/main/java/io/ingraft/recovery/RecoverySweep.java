package io.ingraft.recovery;

import com.github.f4b6a3.ulid.UlidCreator;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.manifest.CommitInfo;
import io.ingraft.storage.manifest.CommitKind;
import io.ingraft.storage.manifest.FencedException;
import io.ingraft.storage.manifest.Manifest;
import io.ingraft.storage.manifest.ManifestChange;
import io.ingraft.storage.manifest.ManifestLog;
import io.ingraft.storage.manifest.TablePin;
import io.ingraft.storage.manifest.WriterEpoch;
import io.ingraft.storage.table.TableStore;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns every leftover intent of a graph into "published exactly once" or "never happened"
 * (docs/protocol.md, "The decision rule"), then repairs uncovered drift. Only the graph's current
 * owner may run it: it restores tables, which is only safe while no other writer is live, and the
 * epoch makes that so.
 *
 * <p>Per sidecar, oldest first, against a freshly read manifest:
 *
 * <ol>
 *   <li>if a manifest version after the sidecar's base already carries its operation id, the
 *       outcome was published: only the audit row and the sidecar delete remain;
 *   <li>otherwise each table is classified by its transaction uuid ({@link TableState});
 *   <li>any HEAD below its pin → stop with {@link SweepStoppedException}, keep the sidecar;
 *   <li>every table committed → roll forward: publish their versions and the recorded change;
 *   <li>otherwise → roll back: restore every moved table to its pin and publish the restored
 *       versions, so the manifest equals HEAD again;
 *   <li>record an audit row (idempotent by operation id), delete the sidecar.
 * </ol>
 *
 * Running the sweep again changes nothing and adds no audit row.
 */
public final class RecoverySweep {
  private static final Logger LOG = LoggerFactory.getLogger(RecoverySweep.class);

  /** The actor named in manifest commits and audit rows the sweep produces on its own. */
  public static final String REPAIR_KIND = "REPAIR";

  private final TableStore tables;
  private final SidecarStore sidecars;
  private final RecoveryAudit audit;
  private final Clock clock;

  public RecoverySweep(TableStore tables, SidecarStore sidecars, RecoveryAudit audit, Clock clock) {
    this.tables = tables;
    this.sidecars = sidecars;
    this.audit = audit;
    this.clock = clock;
  }

  /**
   * Takes a graph over for {@code writerId}: claims the next epoch, then sweeps.
   *
   * @return the owner's epoch, to be used by every write until the graph is lost
   */
  public TakeOver takeOver(ManifestLog log, String writerId) {
    Manifest claim = claim(log, writerId);
    List<RecoveryOutcome> outcomes = sweep(log, claim.writer());
    return new TakeOver(claim.writer(), outcomes);
  }

  /** Claims the graph's next epoch for {@code writerId} (an {@code EPOCH_CLAIM} version). */
  public Manifest claim(ManifestLog log, String writerId) {
    return log.claimEpoch(writerId, UlidCreator.getMonotonicUlid().toString());
  }

  /** The result of {@link #takeOver}. */
  public record TakeOver(WriterEpoch owner, List<RecoveryOutcome> outcomes) {}

  /** Recovers every sidecar of the graph, then repairs uncovered drift. */
  public List<RecoveryOutcome> sweep(ManifestLog log, WriterEpoch owner) {
    GraphId graph = log.graph();
    List<RecoveryOutcome> outcomes = new ArrayList<>();
    for (String key : sidecars.list(graph)) {
      Optional<Sidecar> sidecar = sidecars.read(key);
      if (sidecar.isEmpty()) {
        LOG.debug("graph {}: sidecar {} vanished after listing, skipped", graph, key);
        continue;
      }
      if (!sidecar.get().graph().equals(graph.value())) {
        throw new SidecarFormatException(key, "belongs to graph " + sidecar.get().graph(), null);
      }
      Manifest manifest = log.require();
      requireOwner(graph, manifest, owner);
      outcomes.add(recover(log, manifest, owner, sidecar.get()));
    }
    repairDrift(log, owner).ifPresent(outcomes::add);
    return outcomes;
  }

  private RecoveryOutcome recover(
      ManifestLog log, Manifest manifest, WriterEpoch owner, Sidecar sidecar) {
    GraphId graph = log.graph();
    Optional<Manifest> published = findPublished(log, sidecar, manifest);
    RecoveryOutcome outcome;
    if (published.isPresent()) {
      Manifest version = published.get();
      RecoveryDecision decision =
          version.commit().kind() == CommitKind.RECOVERY
              ? RecoveryDecision.ROLLED_BACK
              : RecoveryDecision.ROLLED_FORWARD;
      List<TableOutcome> moves = new ArrayList<>();
      for (SidecarTable table : sidecar.tables()) {
        moves.add(
            new TableOutcome(
                table.key(),
                table.expectedVersion(),
                version.table(table.key()).map(TablePin::version).orElse(table.expectedVersion())));
      }
      outcome =
          new RecoveryOutcome(
              sidecar.operationId(), sidecar.kind().name(), decision, moves, version.version());
    } else {
      List<TableState> states = new ArrayList<>();
      for (SidecarTable table : sidecar.tables()) {
        states.add(classify(manifest, table));
      }
      for (TableState state : states) {
        if (state.status() == TableState.Status.BROKEN) {
          throw new SweepStoppedException(
              graph.value(),
              sidecar.operationId(),
              state.table().key(),
              state.head(),
              state.pinned());
        }
      }
      boolean allCommitted =
          states.stream().allMatch(s -> s.status() == TableState.Status.COMMITTED);
      outcome =
          allCommitted
              ? rollForward(log, manifest, owner, sidecar, states)
              : rollBack(log, manifest, owner, sidecar, states);
    }
    audit.record(
        graph,
        new AuditRecord(
            outcome.operationId(),
            outcome.kind(),
            outcome.decision(),
            outcome.tables(),
            owner.epoch(),
            owner.writerId(),
            clock.instant(),
            outcome.manifestVersion()));
    sidecars.deleteQuietly(graph, sidecar.operationId());
    LOG.info(
        "graph {}: recovered operation {} ({}): {} at manifest version {}",
        graph,
        sidecar.operationId(),
        sidecar.kind(),
        outcome.decision(),
        outcome.manifestVersion());
    return outcome;
  }

  private RecoveryOutcome rollForward(
      ManifestLog log,
      Manifest manifest,
      WriterEpoch owner,
      Sidecar sidecar,
      List<TableState> states) {
    ManifestChange.Builder change = ManifestChange.builder(owner, sidecar.commit().asRecovery());
    List<TableOutcome> moves = new ArrayList<>();
    for (TableState state : states) {
      String path = state.table().path();
      change.pin(
          state.table().key(),
          new TablePin(path, state.committedAt(), tables.count(path, state.committedAt())));
      moves.add(new TableOutcome(state.table().key(), state.pinned(), state.committedAt()));
    }
    sidecar.removeTables().forEach(change::remove);
    for (Map.Entry<String, Long> source : sidecar.sources().entrySet()) {
      change.source(
          source.getKey(), Math.max(source.getValue(), manifest.nextOffset(source.getKey())));
    }
    change.schema(sidecar.schema());
    Failpoints.hit(Failpoints.SWEEP_BEFORE_PUBLISH);
    Manifest published = log.publish(manifest, change.build());
    Failpoints.hit(Failpoints.SWEEP_AFTER_PUBLISH);
    return new RecoveryOutcome(
        sidecar.operationId(),
        sidecar.kind().name(),
        RecoveryDecision.ROLLED_FORWARD,
        moves,
        published.version());
  }

  private RecoveryOutcome rollBack(
      ManifestLog log,
      Manifest manifest,
      WriterEpoch owner,
      Sidecar sidecar,
      List<TableState> states) {
    ManifestChange.Builder change =
        ManifestChange.builder(
            owner,
            new CommitInfo(
                CommitKind.RECOVERY, sidecar.operationId(), 0, null, null, owner.writerId(), true));
    List<TableOutcome> moves = new ArrayList<>();
    for (TableState state : states) {
      if (state.head() == state.pinned()) {
        continue;
      }
      if (state.pinned() == 0) {
        // A table this operation created and never published: it is not part of the graph, and
        // the next create of that table overwrites it.
        LOG.info(
            "graph {}: table {} created by rolled back operation {} stays unpublished",
            log.graph(),
            state.table().key(),
            sidecar.operationId());
        continue;
      }
      long restored =
          restore(log.graph(), state.table().path(), state.pinned(), sidecar.operationId());
      change.pin(
          state.table().key(),
          new TablePin(
              state.table().path(), restored, tables.count(state.table().path(), restored)));
      moves.add(new TableOutcome(state.table().key(), state.head(), restored));
    }
    Failpoints.hit(Failpoints.SWEEP_AFTER_RESTORE);
    long version = manifest.version();
    if (!moves.isEmpty()) {
      version = log.publish(manifest, change.build()).version();
      Failpoints.hit(Failpoints.SWEEP_AFTER_PUBLISH);
    }
    return new RecoveryOutcome(
        sidecar.operationId(), sidecar.kind().name(), RecoveryDecision.ROLLED_BACK, moves, version);
  }

  /** Restores tables whose HEAD is ahead of their pin with no sidecar to explain it. */
  private Optional<RecoveryOutcome> repairDrift(ManifestLog log, WriterEpoch owner) {
    Manifest manifest = log.require();
    requireOwner(log.graph(), manifest, owner);
    String operationId = UlidCreator.getMonotonicUlid().toString();
    ManifestChange.Builder change =
        ManifestChange.builder(
            owner,
            new CommitInfo(
                CommitKind.RECOVERY, operationId, 0, null, null, owner.writerId(), true));
    List<TableOutcome> moves = new ArrayList<>();
    for (Map.Entry<String, TablePin> entry : manifest.tables().entrySet()) {
      TablePin pin = entry.getValue();
      long head = tables.headIfExists(pin.path()).orElse(0);
      if (head < pin.version()) {
        throw new SweepStoppedException(
            log.graph().value(), null, entry.getKey(), head, pin.version());
      }
      if (head > pin.version()) {
        long restored = restore(log.graph(), pin.path(), pin.version(), operationId);
        change.pin(entry.getKey(), new TablePin(pin.path(), restored, pin.rowCount()));
        moves.add(new TableOutcome(entry.getKey(), head, restored));
        LOG.warn(
            "graph {}: table {} HEAD {} was ahead of its pin {} with no sidecar; restored",
            log.graph(),
            entry.getKey(),
            head,
            pin.version());
      }
    }
    if (moves.isEmpty()) {
      return Optional.empty();
    }
    Manifest published = log.publish(manifest, change.build());
    RecoveryOutcome outcome =
        new RecoveryOutcome(
            operationId, REPAIR_KIND, RecoveryDecision.REPAIRED, moves, published.version());
    audit.record(
        log.graph(),
        new AuditRecord(
            operationId,
            REPAIR_KIND,
            RecoveryDecision.REPAIRED,
            moves,
            owner.epoch(),
            owner.writerId(),
            clock.instant(),
            published.version()));
    return Optional.of(outcome);
  }

  private TableState classify(Manifest manifest, SidecarTable table) {
    long head = tables.headIfExists(table.path()).orElse(0);
    long pinned = manifest.table(table.key()).map(TablePin::version).orElse(0L);
    long committedAt =
        head > table.expectedVersion()
            ? tables
                .findVersionByTransaction(
                    table.path(), table.expectedVersion(), table.transactionId())
                .orElse(-1)
            : -1;
    return new TableState(table, head, pinned, committedAt);
  }

  /** The manifest version after the sidecar's base that carries its operation id, if any. */
  private static Optional<Manifest> findPublished(
      ManifestLog log, Sidecar sidecar, Manifest latest) {
    for (long v = latest.version(); v > sidecar.baseManifestVersion(); v--) {
      Manifest version = log.read(v);
      if (version.commit().operationId().equals(sidecar.operationId())) {
        return Optional.of(version);
      }
    }
    return Optional.empty();
  }

  private long restore(GraphId graph, String path, long version, String operationId) {
    return tables.restore(
        path,
        version,
        UUID.randomUUID(),
        Map.of(
            GuardedCommit.PROP_GRAPH,
            graph.value(),
            GuardedCommit.PROP_OPERATION,
            operationId,
            "ingraft.reason",
            "recovery-restore"));
  }

  private static void requireOwner(GraphId graph, Manifest manifest, WriterEpoch owner) {
    if (manifest.epoch() != owner.epoch()) {
      throw new FencedException(graph.value(), owner.epoch(), manifest.epoch());
    }
  }
}
