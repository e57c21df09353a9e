package io.ingraft.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.LoadBody;
import io.ingraft.events.avro.MutationBody;
import io.ingraft.events.avro.SchemaBody;
import io.ingraft.events.avro.SealReason;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GraphLogHeadTest {
  private final GraphLogCodec codec = new GraphLogCodec();

  @Test
  void readsTheGraphAndBodyKindOfEverySampleEvent() {
    for (Map.Entry<String, GraphEvent> sample : SampleEvents.all().entrySet()) {
      GraphEvent event = sample.getValue();
      byte[] value = avro(event);
      GraphLogHead head = GraphLogHead.read(value);
      assertThat(head).as(sample.getKey()).isNotNull();
      assertThat(head.graph()).isEqualTo(event.getGraph());
      assertThat(head.body()).as(sample.getKey()).isEqualTo(kind(event.getBody()));
    }
  }

  @Test
  void readsTheFastPathBytesOfStageOne() {
    GraphEvent event = SampleEvents.all().values().iterator().next();
    byte[] producer = new GraphEventCodec().encode(event, EventFormat.AVRO);
    byte[] logged = codec.encodeLogged(producer, event, "ingraft.mutations", 3, 77L);
    assertThat(GraphLogHead.read(logged)).isEqualTo(GraphLogHead.read(avro(event)));
  }

  @Test
  void readsNothingFromASealJsonOrBrokenBytes() {
    GraphEvent event = SampleEvents.all().values().iterator().next();
    byte[] value = avro(event);
    assertThat(GraphLogHead.read(null)).isNull();
    assertThat(
            GraphLogHead.read(
                codec.encode(
                    GraphLogCodec.seal("social", 1, 1, SealReason.COUNT), EventFormat.AVRO)))
        .isNull();
    assertThat(
            GraphLogHead.read(
                codec.encode(
                    GraphLogCodec.logged(event, "ingraft.mutations", 0, 0), EventFormat.JSON)))
        .isNull();
    for (int length = 0; length < 14; length++) {
      assertThat(GraphLogHead.read(Arrays.copyOf(value, length))).as("%d bytes", length).isNull();
    }
    byte[] otherSchema = value.clone();
    otherSchema[5] ^= 0x55;
    assertThat(GraphLogHead.read(otherSchema)).isNull();
    // A graph id that breaks the rule is not read: the full decode names the error.
    byte[] badGraph = value.clone();
    badGraph[12] = 'A';
    assertThat(GraphLogHead.read(badGraph)).isNull();
  }

  private byte[] avro(GraphEvent event) {
    return codec.encode(
        GraphLogCodec.logged(event, "ingraft.mutations", 2, 1234L), EventFormat.AVRO);
  }

  private static GraphLogHead.Body kind(Object body) {
    if (body instanceof SchemaBody) {
      return GraphLogHead.Body.SCHEMA;
    }
    if (body instanceof MutationBody) {
      return GraphLogHead.Body.MUTATION;
    }
    assertThat(body).isInstanceOf(LoadBody.class);
    return GraphLogHead.Body.LOAD;
  }
}
