package io.ingraft.app.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.ingraft.app.config.IngraftConfig;
import io.ingraft.events.EventFormat;
import io.ingraft.events.GraphLogCodec;
import io.ingraft.events.avro.Seal;
import io.ingraft.events.avro.SealReason;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext.CapturedForward;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The sealing step on its own: what it does with a store restored after a restart. */
class SealingProcessorTest {
  private static final String STORE = "batches";
  private final GraphLogCodec codec = new GraphLogCodec();

  @Test
  void sealsBatchesLeftOpenBeforeARestartAndGoesOnWithTheirSequences() {
    MockProcessorContext<String, byte[]> context = new MockProcessorContext<>(props());
    KeyValueStore<String, BatchState> store = store(context);
    // As restored from the changelog: g1 open with 3 events since t=1000, next seal #7;
    // g2 sealed (nothing open) with next seal #2.
    store.put("g1", new BatchState(3, 900, 1_000, 7));
    store.put("g2", new BatchState(0, 0, 0, 2));

    SealingProcessor processor =
        new SealingProcessor(
            new IngraftConfig.Sealing(100, 1 << 20, Duration.ofMillis(250)), STORE);
    processor.init(context);
    assertThat(context.scheduledPunctuators())
        .singleElement()
        .satisfies(p -> assertThat(p.getInterval()).isEqualTo(Duration.ofMillis(20)));

    context.scheduledPunctuators().get(0).getPunctuator().punctuate(60_000);

    List<CapturedForward<? extends String, ? extends byte[]>> out = context.forwarded();
    assertThat(out)
        .singleElement()
        .satisfies(
            f -> {
              assertThat(f.record().key()).isEqualTo("g1");
              Seal seal = (Seal) codec.decode(f.record().value()).getEntry();
              assertThat(seal.getSequence()).isEqualTo(7);
              assertThat(seal.getEventCount()).isEqualTo(3);
              assertThat(seal.getReason()).isEqualTo(SealReason.LINGER);
              assertThat(f.record().timestamp()).isEqualTo(60_000);
            });
    assertThat(store.get("g1")).isEqualTo(new BatchState(0, 0, 0, 8));
    assertThat(store.get("g2")).isEqualTo(new BatchState(0, 0, 0, 2));

    // The next event of g2 opens batch #2; the sweep leaves it alone while it is young.
    context.resetForwards();
    context.setCurrentSystemTimeMs(70_000);
    byte[] logged =
        codec.encode(
            GraphLogCodec.logged(Events.mutation("g2", "m1"), "t", 0, 5), EventFormat.AVRO);
    processor.process(new Record<>("g2", logged, 70_000));
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(70_100);
    assertThat(context.forwarded()).hasSize(1);
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(70_250);
    assertThat(context.forwarded()).hasSize(2);
    Seal seal = (Seal) codec.decode(context.forwarded().get(1).record().value()).getEntry();
    assertThat(seal.getSequence()).isEqualTo(2);
  }

  @Test
  void aRecordWithoutTheKindHeaderIsDecodedToFindItsKind() {
    MockProcessorContext<String, byte[]> context = new MockProcessorContext<>(props());
    store(context);
    SealingProcessor processor =
        new SealingProcessor(
            new IngraftConfig.Sealing(100, 1 << 20, Duration.ofMillis(250)), STORE);
    processor.init(context);
    context.setCurrentSystemTimeMs(1);

    byte[] logged =
        codec.encode(GraphLogCodec.logged(Events.load("g1", "l1"), "t", 0, 0), EventFormat.AVRO);
    processor.process(new Record<>("g1", logged, 1));

    assertThat(context.forwarded()).hasSize(2);
    Seal seal = (Seal) codec.decode(context.forwarded().get(1).record().value()).getEntry();
    assertThat(seal.getReason()).isEqualTo(SealReason.LOAD);
  }

  @Test
  void putsAnOpenBatchEverySoManyEventsAndSealsItWithTheExactCount() {
    MockProcessorContext<String, byte[]> context = new MockProcessorContext<>(props());
    KeyValueStore<String, BatchState> store = store(context);
    IngraftConfig.Sealing sealing =
        new IngraftConfig.Sealing(1_000, 1 << 30, Duration.ofMillis(250));
    SealingProcessor processor = new SealingProcessor(sealing, STORE);
    processor.init(context);
    context.setCurrentSystemTimeMs(5_000);
    byte[] logged =
        codec.encode(
            GraphLogCodec.logged(Events.mutation("g1", "m1"), "t", 0, 0), EventFormat.AVRO);

    for (int i = 1; i <= 200; i++) {
      processor.process(new Record<>("g1", logged, 5_000));
      if (i == 1) {
        // The batch's opening is put at once, with its time and sequence.
        assertThat(store.get("g1")).isEqualTo(new BatchState(1, logged.length, 5_000, 0));
      }
    }
    // Then every PUT_EVERY_EVENTS events: 1, 65, 129, 193.
    int lastPut = 1 + 3 * SealingProcessor.PUT_EVERY_EVENTS;
    assertThat(store.get("g1"))
        .isEqualTo(new BatchState(lastPut, (long) lastPut * logged.length, 5_000, 0));

    // A task restored from this store goes on from the last put: its next seal comes a few events
    // later than it would have, with the same sequence, and closes every event the log holds.
    MockProcessorContext<String, byte[]> restored = new MockProcessorContext<>(props());
    restored.addStateStore(store);
    SealingProcessor afterRestore = new SealingProcessor(sealing, STORE);
    afterRestore.init(restored);
    restored.setCurrentSystemTimeMs(6_000);
    afterRestore.process(new Record<>("g1", logged, 6_000));
    restored.scheduledPunctuators().get(0).getPunctuator().punctuate(60_000);
    assertThat(restored.forwarded()).hasSize(2);
    Seal afterRestart =
        (Seal) codec.decode(restored.forwarded().get(1).record().value()).getEntry();
    assertThat(afterRestart.getSequence()).isZero();
    assertThat(afterRestart.getEventCount()).isEqualTo(lastPut + 1);

    // Without a restore, the linger's seal counts every event.
    context.resetForwards();
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(60_000);
    Seal seal = (Seal) codec.decode(context.forwarded().get(0).record().value()).getEntry();
    assertThat(seal.getEventCount()).isEqualTo(200);
    assertThat(seal.getSequence()).isZero();
    assertThat(store.get("g1")).isEqualTo(new BatchState(0, 0, 0, 1));
  }

  private static KeyValueStore<String, BatchState> store(MockProcessorContext<String, byte[]> c) {
    KeyValueStore<String, BatchState> store =
        Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(STORE), Serdes.String(), new BatchState.StoreSerde())
            .withLoggingDisabled()
            .build();
    store.init(c.getStateStoreContext(), store);
    c.addStateStore(store);
    return store;
  }

  /** Quiet settings: the mock's defaults make Kafka Streams warn about the global handler. */
  private static Properties props() {
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "sealing-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_GLOBAL_ENABLED_CONFIG, true);
    return props;
  }

  @Test
  void batchStateRoundTripsThroughItsSerde() {
    BatchState.StoreSerde serde = new BatchState.StoreSerde();
    BatchState state = new BatchState(12, 34_567_890_123L, 1_700_000_000_000L, Long.MAX_VALUE);

    assertThat(serde.deserialize("t", serde.serialize("t", state))).isEqualTo(state);
    assertThat(serde.serialize("t", null)).isNull();
    assertThatThrownBy(() -> serde.deserialize("t", new byte[] {2, 0, 0}))
        .isInstanceOf(SerializationException.class);
  }
}
