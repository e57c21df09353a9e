package io.ingraft.events;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.events.avro.CommitNotice;
import io.ingraft.events.avro.GraphEvent;
import io.ingraft.events.avro.GraphLogRecord;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.junit.jupiter.api.Test;

/**
 * docs/events.md is the producers' reference, so its examples must be accepted, its header table
 * must match the schemas, and its error table must list every code.
 */
class EventsDocTest {
  private static final Path DOC = Path.of("..", "docs", "events.md");
  private static final Pattern BLOCK =
      Pattern.compile("```json (event|log|commit)\\n(.*?)```", Pattern.DOTALL);
  private static final Pattern KCAT_LINE =
      Pattern.compile("^([a-z0-9._-]+)\\|(\\{.*)$", Pattern.MULTILINE);

  private final String doc = read();

  private static String read() {
    try {
      return Files.readString(DOC, UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot read " + DOC.toAbsolutePath(), e);
    }
  }

  @Test
  void everyJsonExampleDecodes() {
    Map<String, Integer> counts = new HashMap<>();
    Matcher block = BLOCK.matcher(doc);
    while (block.find()) {
      byte[] json = block.group(2).getBytes(UTF_8);
      switch (block.group(1)) {
        case "event" -> {
          GraphEvent event = new GraphEventCodec().decode(json);
          assertThat(event.getGraph()).isNotEmpty();
        }
        case "log" -> new GraphLogCodec().decode(json);
        default -> new CommitNoticeCodec().decode(json);
      }
      counts.merge(block.group(1), 1, Integer::sum);
    }
    assertThat(counts.get("event")).isGreaterThanOrEqualTo(13);
    assertThat(counts).containsKeys("log", "commit");
  }

  @Test
  void everyKcatLineDecodesWithItsKey() {
    Matcher line = KCAT_LINE.matcher(doc);
    int lines = 0;
    while (line.find()) {
      GraphEvent event =
          new GraphEventCodec()
              .decode(line.group(1).getBytes(UTF_8), line.group(2).getBytes(UTF_8));
      assertThat(event.getGraph()).isEqualTo(line.group(1));
      lines++;
    }
    assertThat(lines).isGreaterThanOrEqualTo(2);
  }

  @Test
  void theHeaderTableMatchesTheSchemas() {
    for (Schema schema :
        List.of(
            GraphEvent.getClassSchema(),
            GraphLogRecord.getClassSchema(),
            CommitNotice.getClassSchema())) {
      long fingerprint = SchemaNormalization.parsingFingerprint64(schema);
      StringBuilder header = new StringBuilder("c3 01");
      for (int i = 0; i < 8; i++) {
        header.append(String.format(" %02x", (fingerprint >>> (8 * i)) & 0xFF));
      }
      assertThat(doc)
          .as("fingerprint row of " + schema.getName())
          .contains(
              "| `"
                  + schema.getName()
                  + "` | `"
                  + String.format("%016x", fingerprint)
                  + "` | `"
                  + header
                  + "` |");
    }
  }

  @Test
  void theErrorTableListsEveryCode() {
    List<String> missing = new ArrayList<>();
    for (DecodeError code : DecodeError.values()) {
      Matcher row =
          Pattern.compile("^\\| `" + code.name() + "` \\|.*\\| (\\**yes|no)", Pattern.MULTILINE)
              .matcher(doc);
      if (!row.find()) {
        missing.add(code.name());
      } else {
        assertThat(row.group(1).contains("yes")).as(code.name()).isEqualTo(code.retriable());
      }
    }
    assertThat(missing).isEmpty();
  }
}
