package io.ingraft.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.ingraft.events.avro.CommitNotice;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

class CommitNoticeCodecTest {
  private final CommitNoticeCodec codec = new CommitNoticeCodec();

  static CommitNotice sample() {
    Map<String, Long> tables = new LinkedHashMap<>();
    tables.put("nodes/Person", 12L);
    tables.put("edges/Knows", 7L);
    return CommitNotice.newBuilder()
        .setGraph("social")
        .setManifestVersion(42)
        .setApplied(98)
        .setRejected(1)
        .setSkipped(1)
        .setFirstOffset(1000L)
        .setLastOffset(1099L)
        .setTables(tables)
        .setFreshnessMs(850L)
        .setPublishedAt(1_700_000_000_999L)
        .build();
  }

  @ParameterizedTest
  @EnumSource(
      value = EventFormat.class,
      names = {"AVRO", "JSON"})
  void roundTrips(EventFormat format) {
    CommitNotice notice = sample();
    assertThat(codec.decode(codec.encode(notice, format))).isEqualTo(notice);
    CommitNotice sparse =
        CommitNotice.newBuilder(notice)
            .setFirstOffset(null)
            .setLastOffset(null)
            .setFreshnessMs(null)
            .setTables(Map.of())
            .build();
    assertThat(codec.decode(codec.encode(sparse, format))).isEqualTo(sparse);
  }

  @Test
  void jsonIsPlainCamelCaseAndOmitsNulls() {
    CommitNotice sparse = CommitNotice.newBuilder(sample()).setFreshnessMs(null).build();
    assertThat(new String(codec.encode(sparse, EventFormat.JSON), UTF_8))
        .isEqualTo(
            "{\"graph\":\"social\",\"manifestVersion\":42,\"applied\":98,\"rejected\":1,"
                + "\"skipped\":1,\"firstOffset\":1000,\"lastOffset\":1099,"
                + "\"tables\":{\"nodes/Person\":12,\"edges/Knows\":7},\"publishedAt\":1700000000999,\"kind\":\"MUTATION\",\"recovered\":false}");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"manifestVersion\":1,\"applied\":0,\"rejected\":0,\"skipped\":0,\"tables\":{},"
            + "\"publishedAt\":1} | MISSING_FIELD | graph",
        "{\"graph\":\"g\",\"manifestVersion\":1,\"applied\":0,\"rejected\":0,\"skipped\":0,"
            + "\"publishedAt\":1} | MISSING_FIELD | tables",
        "{\"graph\":\"g\",\"manifestVersion\":-1,\"applied\":0,\"rejected\":0,\"skipped\":0,"
            + "\"tables\":{},\"publishedAt\":1} | BAD_FIELD | manifestVersion",
        "{\"graph\":\"g\",\"manifestVersion\":1,\"applied\":3000000000,\"rejected\":0,"
            + "\"skipped\":0,\"tables\":{},\"publishedAt\":1} | BAD_FIELD | applied",
        "{\"graph\":\"g\",\"manifestVersion\":1,\"applied\":0,\"rejected\":0,\"skipped\":0,"
            + "\"tables\":{\"nodes/P\":\"x\"},\"publishedAt\":1} | BAD_FIELD | tables.nodes/P",
        "{\"graph\":\"g\",\"manifestVersion\":1,\"applied\":0,\"rejected\":0,\"skipped\":0,"
            + "\"firstOffset\":9,\"lastOffset\":3,\"tables\":{},\"publishedAt\":1}"
            + " | BAD_FIELD | lastOffset",
        "{\"graph\":\"g\",\"manifestVersion\":1,\"applied\":0,\"rejected\":0,\"skipped\":0,"
            + "\"tables\":{},\"publishedAt\":1,\"extra\":1} | UNKNOWN_FIELD | extra"
      })
  void refusesInvalidNotices(String json, DecodeError code, String path) {
    EventDecodeException e =
        catchThrowableOfType(EventDecodeException.class, () -> codec.decode(json.getBytes(UTF_8)));
    assertThat(e.code()).as(e.getMessage()).isEqualTo(code);
    assertThat(e.path()).isEqualTo(path);
  }

  @Test
  void refusesTheConfluentFormat() {
    assertThatThrownBy(() -> codec.encode(sample(), EventFormat.CONFLUENT))
        .isInstanceOf(IllegalArgumentException.class);
    EventDecodeException e =
        catchThrowableOfType(
            EventDecodeException.class, () -> codec.decode(new byte[] {0, 0, 0, 0, 1, 2}));
    assertThat(e.code()).isEqualTo(DecodeError.UNSUPPORTED_FORMAT);
  }

  @Test
  void refusesAGraphEventWhereANoticeIsExpected() {
    byte[] event =
        new GraphEventCodec().encode(SampleEvents.all().get("deleteNode"), EventFormat.AVRO);
    assertThat(catchThrowableOfType(EventDecodeException.class, () -> codec.decode(event)).code())
        .isEqualTo(DecodeError.UNKNOWN_FINGERPRINT);
  }
}
