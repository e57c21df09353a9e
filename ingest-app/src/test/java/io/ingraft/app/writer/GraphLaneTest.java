package io.ingraft.app.writer;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.engine.event.EventBody;
import io.ingraft.events.GraphLogHead;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** How a lane hands its queued batches out: in order, coalesced up to the cap, loads alone. */
class GraphLaneTest {
  static final TopicPartition P0 = new TopicPartition("graph-log", 0);

  final PartitionProgress progress = new PartitionProgress();
  final GraphLane lane = new GraphLane("g", P0, 5);
  long nextOffset;
  long nextSequence;

  @Test
  void theFirstBatchStartsARunnerAndLaterOnesQueueBehindIt() {
    assertThat(lane.offer(mutations(2))).isEqualTo(GraphLane.Offer.START);
    assertThat(lane.offer(mutations(2))).isEqualTo(GraphLane.Offer.QUEUED);
  }

  @Test
  void queuedMutationBatchesAreTakenTogetherUpToTheCap() {
    PendingBatch a = mutations(2);
    PendingBatch b = mutations(2);
    PendingBatch c = mutations(2);
    PendingBatch d = mutations(1);
    List.of(a, b, c, d).forEach(lane::offer);

    // 2 + 2 = 4 fits the cap of 5; adding c (6) would not.
    assertThat(lane.take(false).batches()).containsExactly(a, b);
    lane.finished();
    assertThat(lane.take(false).batches()).containsExactly(c, d);
    lane.finished();
    assertThat(lane.take(false)).isNull();
    assertThat(lane.idle()).isTrue();
  }

  @Test
  void aBatchLargerThanTheCapIsStillTakenAlone() {
    PendingBatch big = mutations(9);
    PendingBatch small = mutations(1);
    lane.offer(big);
    lane.offer(small);
    assertThat(lane.take(false).batches()).containsExactly(big);
    lane.finished();
    assertThat(lane.take(false).batches()).containsExactly(small);
  }

  @Test
  void loadsAndSchemaChangesAreNeverCoalesced() {
    PendingBatch a = mutations(1);
    PendingBatch load =
        batch(progress, new EventBody.Load(EventBody.LoadMode.MERGE, Map.of(), Map.of(), null));
    PendingBatch b = mutations(1);
    PendingBatch schema = batch(progress, new EventBody.SchemaChange("node A { k: String @key }"));
    PendingBatch c = mutations(1);
    List.of(a, load, b, schema, c).forEach(lane::offer);

    List<List<PendingBatch>> taken = new ArrayList<>();
    for (GraphLane.Work work = lane.take(false); work != null; work = lane.take(false)) {
      taken.add(work.batches());
      lane.finished();
    }
    assertThat(taken)
        .containsExactly(List.of(a), List.of(load), List.of(b), List.of(schema), List.of(c));
  }

  @Test
  void batchesOfAnEarlierAssignmentOfThePartitionAreNotMixedWithLaterOnes() {
    PendingBatch old = mutations(1);
    PendingBatch reassigned = batch(new PartitionProgress(), mutation());
    lane.offer(old);
    lane.offer(reassigned);
    assertThat(lane.take(false).batches()).containsExactly(old);
    lane.finished();
    assertThat(lane.take(false).batches()).containsExactly(reassigned);
  }

  @Test
  void aFailedWorkGoesBackInOrderAndIsRetriedWithWhatQueuedSince() {
    PendingBatch a = mutations(1);
    PendingBatch b = mutations(1);
    lane.offer(a);
    lane.offer(b);
    GraphLane.Work work = lane.take(false);
    assertThat(work.takeOver()).as("the first work takes the graph over").isTrue();
    PendingBatch c = mutations(1);
    lane.offer(c);

    assertThat(lane.failed(work, true, () -> null)).isEqualTo(1);
    GraphLane.Work retry = lane.take(false);
    assertThat(retry.batches()).containsExactly(a, b, c);
    assertThat(retry.takeOver()).as("asked for again by the failure").isTrue();
    lane.finished();
    assertThat(lane.failures()).isZero();
  }

  @Test
  void stoppingDropsTheQueue() {
    lane.offer(mutations(1));
    lane.offer(mutations(1));
    assertThat(lane.take(true)).isNull();
    assertThat(lane.idle()).isTrue();
  }

  private PendingBatch mutations(int events) {
    EventBody[] bodies = new EventBody[events];
    for (int i = 0; i < events; i++) {
      bodies[i] = mutation();
    }
    return batch(progress, bodies);
  }

  private static EventBody mutation() {
    return new EventBody.Mutation(List.of());
  }

  private PendingBatch batch(PartitionProgress owner, EventBody... bodies) {
    List<BufferedEvent> events = new ArrayList<>();
    for (EventBody body : bodies) {
      long offset = nextOffset++;
      GraphLogHead.Body kind =
          body instanceof EventBody.Mutation
              ? GraphLogHead.Body.MUTATION
              : body instanceof EventBody.Load ? GraphLogHead.Body.LOAD : GraphLogHead.Body.SCHEMA;
      events.add(new BufferedEvent(offset, new byte[0], new byte[0], kind));
    }
    return new PendingBatch("g", P0, owner, events, nextOffset++, ++nextSequence);
  }
}
