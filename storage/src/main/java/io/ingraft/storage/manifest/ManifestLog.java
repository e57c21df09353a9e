package io.ingraft.storage.manifest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.ingraft.storage.GraphId;
import io.ingraft.storage.GraphLayout;
import io.ingraft.storage.json.StrictJsonMapper;
import io.ingraft.storage.object.ObjectAlreadyExistsException;
import io.ingraft.storage.object.ObjectInfo;
import io.ingraft.storage.object.ObjectStore;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The versioned manifest log of one graph: {@code graphs/<id>/_manifest/<20-digit version>.json},
 * one immutable file per version, each created with the object store's atomic put-if-absent.
 *
 * <p>{@link #publish} is an optimistic compare-and-swap on the version number. On a lost race it
 * re-reads the latest version and then either rebases (when the winner moved nothing this change
 * touches and the epoch is unchanged), or fails with {@link FencedException} (a newer owner claimed
 * the graph), {@link ExpectedVersionMismatchException} (a touched table moved) or {@link
 * ConflictingManifestChangeException} (the schema or a touched source offset moved). It gives up
 * with {@link CommitFailedException} after the retry budget.
 *
 * <p>Manifest times never go backwards and source offsets never decrease, so both time travel
 * ({@link #asOf}) and offset travel ({@link #firstCovering}) are binary searches.
 */
public final class ManifestLog {
  private static final Logger LOG = LoggerFactory.getLogger(ManifestLog.class);

  /**
   * How many versions past the newest seen {@link #latest()} reads one by one before it lists the
   * rest instead (a handle far behind, such as a reader opened long ago).
   */
  private static final int MAX_LOOKUPS_AHEAD = 4;

  private final ObjectStore store;
  private final GraphLayout layout;
  private final ManifestCodec codec;
  private final PublishRetryPolicy retry;
  private final Clock clock;

  private final ObjectMapper floorJson = StrictJsonMapper.create();

  /** Newest version seen; lets {@link #latest()} look up the next one instead of listing. */
  private volatile Manifest newestSeen;

  public ManifestLog(ObjectStore store, GraphId graph) {
    this(store, graph, new ManifestCodec(), PublishRetryPolicy.DEFAULT, Clock.systemUTC());
  }

  public ManifestLog(
      ObjectStore store,
      GraphId graph,
      ManifestCodec codec,
      PublishRetryPolicy retry,
      Clock clock) {
    this.store = Objects.requireNonNull(store, "store");
    this.layout = new GraphLayout(Objects.requireNonNull(graph, "graph"));
    this.codec = Objects.requireNonNull(codec, "codec");
    this.retry = Objects.requireNonNull(retry, "retry");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public GraphId graph() {
    return layout.graph();
  }

  /**
   * The newest published version, or empty when the graph was never created.
   *
   * <p>Once this handle has seen a version it does not list the history again: versions are
   * published one after another and retention drops the oldest first, so the versions that exist
   * are one unbroken run, and the newest seen is still the latest when the next one is absent and
   * it is itself still there. That is two point lookups whatever the history's length; a listing
   * reads every version's name on a local disk (69-86 ms at 10,000 versions, docs/storage.md). When
   * the newest seen is gone (retention dropped it, and so every version up to the next one), or
   * many versions came after it, the rest is listed as before.
   */
  public Optional<Manifest> latest() {
    Manifest newest = newestSeen;
    if (newest == null) {
      return latestListedAfter(null);
    }
    for (int lookup = 0; lookup < MAX_LOOKUPS_AHEAD; lookup++) {
      Optional<Manifest> next = readIfExists(newest.version() + 1);
      if (next.isEmpty()) {
        if (store.stat(layout.manifestKey(newest.version())).isEmpty()) {
          break;
        }
        remember(newest);
        return Optional.of(newest);
      }
      newest = next.get();
    }
    return latestListedAfter(newest);
  }

  /**
   * The newest version listed after {@code known} (from the start when null), else {@code known}.
   */
  private Optional<Manifest> latestListedAfter(Manifest known) {
    String startAfter = known == null ? null : layout.manifestKey(known.version());
    long newest = -1;
    for (String key : store.list(layout.manifestDir(), startAfter)) {
      newest = Math.max(newest, layout.versionOf(key));
    }
    if (newest < 0) {
      if (known == null) {
        return Optional.empty();
      }
      remember(known);
      return Optional.of(known);
    }
    Manifest manifest = read(newest);
    remember(manifest);
    return Optional.of(manifest);
  }

  /** The newest version; the graph must exist. */
  public Manifest require() {
    return latest().orElseThrow(() -> new GraphNotFoundException(graph().value()));
  }

  /** One version. */
  public Manifest read(long version) {
    String key = layout.manifestKey(version);
    byte[] bytes =
        store
            .readIfExists(key)
            .orElseThrow(() -> new ManifestNotFoundException(graph().value(), version));
    Manifest manifest = codec.decode(key, bytes);
    if (manifest.version() != version || !manifest.graph().equals(graph().value())) {
      throw new CorruptManifestException(
          key, "file holds graph " + manifest.graph() + " version " + manifest.version(), null);
    }
    return manifest;
  }

  /** One version, or empty when it does not exist (never published, or dropped by retention). */
  public Optional<Manifest> readIfExists(long version) {
    try {
      return Optional.of(read(version));
    } catch (ManifestNotFoundException e) {
      return Optional.empty();
    }
  }

  /** Where the history starts after retention dropped older versions; empty if it never did. */
  public Optional<RetentionFloor> floor() {
    String key = layout.retentionFloorKey();
    Optional<byte[]> bytes = store.readIfExists(key);
    if (bytes.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(floorJson.readValue(bytes.get(), RetentionFloor.class));
    } catch (IOException e) {
      throw new CorruptManifestException(key, "unreadable retention floor: " + e.getMessage(), e);
    }
  }

  /**
   * Drops every version below {@code oldestKept}: first records the {@link RetentionFloor} (with
   * version 1's creation offsets and the CDC position the oldest kept version reflects), then
   * deletes the versions oldest first, so that a crash part-way leaves a contiguous history that a
   * second call finishes. The latest version is never dropped.
   *
   * @return the dropped manifests' objects (key and size), oldest first
   * @throws IllegalArgumentException if {@code oldestKept} is above the latest version
   */
  public List<ObjectInfo> dropBelow(long oldestKept) {
    Manifest latest = require();
    if (oldestKept > latest.version()) {
      throw new IllegalArgumentException(
          "cannot drop the latest version "
              + latest.version()
              + " (oldest kept "
              + oldestKept
              + ")");
    }
    List<Long> doomed = new ArrayList<>();
    for (long v = oldestVersion(); v < oldestKept; v++) {
      doomed.add(v);
    }
    Optional<RetentionFloor> previous = floor();
    if (doomed.isEmpty()) {
      return List.of();
    }
    Map<String, Long> created =
        readIfExists(1)
            .filter(first -> first.commit().kind() == CommitKind.CREATE)
            .map(Manifest::sources)
            .orElse(previous.map(RetentionFloor::createdSources).orElse(Map.of()));
    CdcPosition cdc = cdcPosition(read(oldestKept)).orElse(null);
    long floorVersion = Math.max(oldestKept, previous.map(RetentionFloor::oldestKept).orElse(0L));
    try {
      store.put(
          layout.retentionFloorKey(),
          floorJson.writeValueAsBytes(
              new RetentionFloor(floorVersion, created, cdc, clock.instant())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot encode the retention floor", e);
    }
    List<ObjectInfo> dropped = new ArrayList<>();
    for (long v : doomed) {
      String key = layout.manifestKey(v);
      store.stat(key).ifPresent(dropped::add);
      store.delete(key);
    }
    LOG.info("graph {}: dropped {} manifest versions below {}", graph(), doomed.size(), oldestKept);
    return dropped;
  }

  /**
   * The oldest version stored, found without listing the history: the {@link RetentionFloor}'s
   * oldest kept version (1 when nothing was ever dropped), lowered past the versions just below it
   * that an interrupted {@link #dropBelow} left (it deletes oldest first, so they are one unbroken
   * run up to the floor). Versions run unbroken from it to the latest.
   */
  public long oldestVersion() {
    long oldest = floor().map(RetentionFloor::oldestKept).orElse(1L);
    while (oldest > 1 && store.stat(layout.manifestKey(oldest - 1)).isPresent()) {
      oldest--;
    }
    return oldest;
  }

  /** Every stored version number, ascending (a listing of the manifest folder). */
  public List<Long> versions() {
    List<Long> versions = new ArrayList<>();
    for (String key : store.list(layout.manifestDir())) {
      long version = layout.versionOf(key);
      if (version >= 0) {
        versions.add(version);
      }
    }
    return versions;
  }

  /** The newest version published at or before {@code time}, or empty if the graph is younger. */
  public Optional<Manifest> asOf(Instant time) {
    List<Long> versions = versions();
    int after = firstIndexWhere(versions, m -> m.time().isAfter(time));
    return after == 0 ? Optional.empty() : Optional.of(read(versions.get(after - 1)));
  }

  /**
   * The first version in which the event at {@code offset} of {@code source} is applied (its
   * recorded next offset is above it), or empty if no version covers it yet.
   */
  public Optional<Manifest> firstCovering(String source, long offset) {
    List<Long> versions = versions();
    int first = firstIndexWhere(versions, m -> m.nextOffset(source) > offset);
    return first == versions.size() ? Optional.empty() : Optional.of(read(versions.get(first)));
  }

  /**
   * The CDC position {@code manifest} reflects: its own commit's, or else that of the newest
   * earlier version that has one (epoch claims, maintenance and recovery versions carry none, and
   * change nothing a CDC feed wrote). Empty when no version up to it came from a CDC feed.
   */
  public Optional<CdcPosition> cdcPosition(Manifest manifest) {
    requireSameGraph(manifest);
    Manifest current = manifest;
    while (true) {
      if (current.commit().cdc() != null) {
        return Optional.of(current.commit().cdc());
      }
      if (current.version() == 1) {
        return Optional.empty();
      }
      Optional<Manifest> parent = readIfExists(current.version() - 1);
      if (parent.isEmpty()) {
        // History below here was dropped by retention: the floor carries the position forward.
        return floor().map(RetentionFloor::cdc);
      }
      current = parent.get();
    }
  }

  /**
   * The graph as of a CDC source position: the newest version whose reflected position ({@link
   * #cdcPosition}) is at or before {@code lsn}, or empty if none is (the graph had not reached that
   * point of the source yet, or has no CDC position at all). Positions never go back from one
   * version to the next, so this is a binary search.
   */
  public Optional<Manifest> asOfCdc(long lsn) {
    List<Long> versions = versions();
    int after =
        firstIndexWhere(
            versions, m -> cdcPosition(m).map(position -> position.lsn() > lsn).orElse(false));
    if (after == 0) {
      return Optional.empty();
    }
    Manifest found = read(versions.get(after - 1));
    return cdcPosition(found).isPresent() ? Optional.of(found) : Optional.empty();
  }

  /**
   * The version {@code selector} picks.
   *
   * @throws GraphNotFoundException if the graph was never created
   * @throws ManifestNotFoundException for an {@link VersionSelector.Exact} version that does not
   *     exist
   * @throws NoMatchingVersionException when no version matches a time, offset or CDC position
   * @throws AmbiguousSourceException for an offset whose partition several recorded topics have
   */
  public Manifest resolve(VersionSelector selector) {
    Objects.requireNonNull(selector, "selector");
    Optional<Manifest> found;
    if (selector instanceof VersionSelector.Latest) {
      found = Optional.of(require());
    } else if (selector instanceof VersionSelector.Exact exact) {
      found = Optional.of(read(exact.version()));
    } else if (selector instanceof VersionSelector.AtOrBefore at) {
      found = requireExisting(asOf(at.time()));
    } else if (selector instanceof VersionSelector.CoveringOffset covering) {
      Optional<String> source = sourceOf(covering);
      Map<String, Long> recorded = require().sources();
      if (source.isEmpty() || !recorded.containsKey(source.get())) {
        // A partition the graph never read: say which ones it did.
        throw new NoMatchingVersionException(
            graph().value(),
            selector,
            recorded.isEmpty()
                ? "it has applied no events"
                : "it records the graph-log partitions " + recorded.keySet());
      }
      found = firstCovering(source.get(), covering.offset());
    } else if (selector instanceof VersionSelector.AtOrBeforeCdc cdc) {
      found = requireExisting(asOfCdc(cdc.lsn()));
    } else {
      throw new IllegalArgumentException("unknown selector " + selector);
    }
    return found.orElseThrow(() -> new NoMatchingVersionException(graph().value(), selector));
  }

  /** {@code found}, or, when it is empty, a check that the graph exists at all. */
  private Optional<Manifest> requireExisting(Optional<Manifest> found) {
    if (found.isEmpty()) {
      require();
    }
    return found;
  }

  /**
   * The recorded source ({@code topic:partition}) an offset selector means: the one it names, or
   * the one source of the latest version with that partition; empty when there is none.
   */
  private Optional<String> sourceOf(VersionSelector.CoveringOffset covering) {
    if (covering.topic() != null) {
      require();
      return Optional.of(covering.topic() + ":" + covering.partition());
    }
    String suffix = ":" + covering.partition();
    List<String> candidates =
        require().sources().keySet().stream().filter(s -> s.endsWith(suffix)).sorted().toList();
    if (candidates.size() > 1) {
      throw new AmbiguousSourceException(graph().value(), covering.partition(), candidates);
    }
    return candidates.stream().findFirst();
  }

  /**
   * Binary search: the index of the first version for which {@code predicate} holds, or the number
   * of versions if none does. The predicate must be monotone over versions (false, then true),
   * which holds for "time after t" and "next offset above o" because neither goes back.
   */
  private int firstIndexWhere(List<Long> versions, Predicate<Manifest> predicate) {
    int lo = 0;
    int hi = versions.size();
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (predicate.test(read(versions.get(mid)))) {
        hi = mid;
      } else {
        lo = mid + 1;
      }
    }
    return lo;
  }

  /**
   * Creates the graph: publishes version 1 from {@code change} applied to an empty state.
   *
   * @throws GraphAlreadyExistsException if version 1 exists
   */
  public Manifest create(ManifestChange change) {
    if (!change.removeTables().isEmpty()) {
      throw new IllegalArgumentException("a new graph has no tables to remove");
    }
    // Version 0 is never stored: it is the empty graph every graph starts from.
    Manifest first =
        new Manifest(
            Manifest.FORMAT,
            graph().value(),
            1,
            0,
            clock.instant(),
            change.writer(),
            change.schema(),
            change.setTables(),
            change.sources(),
            change.commit());
    try {
      store.putIfAbsent(layout.manifestKey(1), codec.encode(first));
    } catch (ObjectAlreadyExistsException e) {
      throw new GraphAlreadyExistsException(graph().value());
    }
    remember(first);
    return first;
  }

  /**
   * Publishes {@code change} as the version after {@code base}, rebasing over versions that touched
   * nothing this change touches.
   *
   * @return the published manifest
   */
  public Manifest publish(Manifest base, ManifestChange change) {
    requireSameGraph(base);
    long epoch = change.writer().epoch();
    if (base.epoch() > epoch) {
      throw new FencedException(graph().value(), epoch, base.epoch());
    }
    if (base.epoch() < epoch) {
      throw new IllegalArgumentException(
          "epoch "
              + epoch
              + " was never claimed: base version "
              + base.version()
              + " has epoch "
              + base.epoch());
    }
    for (Map.Entry<String, Long> source : change.sources().entrySet()) {
      if (source.getValue() < base.nextOffset(source.getKey())) {
        throw new IllegalArgumentException(
            "source "
                + source.getKey()
                + " would go back from "
                + base.nextOffset(source.getKey())
                + " to "
                + source.getValue());
      }
    }
    for (Map.Entry<String, TablePin> pin : change.setTables().entrySet()) {
      // gc keeps each table's versions from its pin in the oldest kept manifest up (GraphGc):
      // that holds only while no later manifest pins an older version of the same table.
      base.table(pin.getKey())
          .filter(old -> old.path().equals(pin.getValue().path()))
          .filter(old -> pin.getValue().version() < old.version())
          .ifPresent(
              old -> {
                throw new IllegalArgumentException(
                    "table "
                        + pin.getKey()
                        + " would go back from version "
                        + old.version()
                        + " to "
                        + pin.getValue().version());
              });
    }
    Manifest current = base;
    for (int attempt = 1; ; attempt++) {
      Manifest next = change.applyTo(current, nextTime(current));
      try {
        store.putIfAbsent(layout.manifestKey(next.version()), codec.encode(next));
        remember(next);
        return next;
      } catch (ObjectAlreadyExistsException lostRace) {
        Manifest latest = require();
        if (latest.epoch() != epoch) {
          throw new FencedException(graph().value(), epoch, latest.epoch());
        }
        requireNoConflict(base, latest, change);
        if (attempt >= retry.maxAttempts()) {
          throw new CommitFailedException(graph().value(), base.version(), attempt);
        }
        LOG.debug(
            "graph {}: version {} was taken, rebasing onto {} (attempt {})",
            graph(),
            next.version(),
            latest.version(),
            attempt);
        backoff(attempt);
        current = latest;
      }
    }
  }

  /**
   * Claims the graph for {@code writerId}: publishes a version that only raises the epoch by one.
   * From then on, every publisher with an older epoch is fenced.
   *
   * @return the claim version; its {@link Manifest#writer()} is the new owner's epoch
   */
  public Manifest claimEpoch(String writerId, String operationId) {
    for (int attempt = 1; ; attempt++) {
      Manifest latest = require();
      WriterEpoch owner = new WriterEpoch(writerId, latest.epoch() + 1);
      ManifestChange claim =
          ManifestChange.builder(
                  owner, CommitInfo.of(CommitKind.EPOCH_CLAIM, operationId, writerId))
              .build();
      Manifest next = claim.applyTo(latest, nextTime(latest));
      try {
        store.putIfAbsent(layout.manifestKey(next.version()), codec.encode(next));
        remember(next);
        LOG.info(
            "graph {}: {} claimed epoch {} at version {}",
            graph(),
            writerId,
            owner.epoch(),
            next.version());
        return next;
      } catch (ObjectAlreadyExistsException lostRace) {
        if (attempt >= retry.maxAttempts()) {
          throw new CommitFailedException(graph().value(), latest.version(), attempt);
        }
        backoff(attempt);
      }
    }
  }

  private void requireNoConflict(Manifest base, Manifest latest, ManifestChange change) {
    for (String table : change.touchedTables()) {
      TablePin before = base.tables().get(table);
      TablePin now = latest.tables().get(table);
      if (!Objects.equals(before, now)) {
        throw new ExpectedVersionMismatchException(
            graph().value(),
            table,
            before == null ? -1 : before.version(),
            now == null ? -1 : now.version());
      }
    }
    for (String source : change.sources().keySet()) {
      if (base.nextOffset(source) != latest.nextOffset(source)) {
        throw new ConflictingManifestChangeException(
            graph().value(),
            "source " + source,
            "next offset " + base.nextOffset(source),
            "next offset " + latest.nextOffset(source));
      }
    }
    if (change.schema() != null && !Objects.equals(base.schema(), latest.schema())) {
      throw new ConflictingManifestChangeException(
          graph().value(),
          "schema",
          String.valueOf(base.schema()),
          String.valueOf(latest.schema()));
    }
  }

  private Instant nextTime(Manifest parent) {
    Instant now = clock.instant();
    return now.isBefore(parent.time()) ? parent.time() : now;
  }

  private void requireSameGraph(Manifest base) {
    if (!base.graph().equals(graph().value())) {
      throw new IllegalArgumentException(
          "base manifest is of graph " + base.graph() + ", this log is graph " + graph());
    }
  }

  private void remember(Manifest manifest) {
    synchronized (this) {
      if (newestSeen == null || newestSeen.version() < manifest.version()) {
        newestSeen = manifest;
      }
    }
  }

  private void backoff(int attempt) {
    long max = retry.backoffAfter(attempt).toMillis();
    long millis = max <= 0 ? 0 : ThreadLocalRandom.current().nextLong(max / 2, max + 1);
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CommitFailedException(graph().value(), -1, attempt);
    }
  }
}
