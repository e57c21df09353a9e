package io.ingraft.it.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Producers that are not Java reach the broker: Debian's {@code kcat} (librdkafka) and {@code
 * python3-confluent-kafka} under {@code /usr/bin/python3} (the Debian packages do not load under a
 * pyenv {@code python3} on the PATH, docs/development.md). A missing tool fails the test rather
 * than skipping it: {@code .ci/run} installs both.
 */
@ExtendWith(KafkaTestBroker.Extension.class)
class ThirdPartyClientsTest {
  private static final long PROCESS_TIMEOUT_SECONDS = 60;
  private static final String PYTHON = "/usr/bin/python3";
  private static final String PYTHON_PRODUCER =
      """
      import json, sys
      from confluent_kafka import Producer

      bootstrap, topic = sys.argv[1], sys.argv[2]
      errors = []

      def on_delivery(err, msg):
          if err is not None:
              errors.append(str(err))

      producer = Producer({'bootstrap.servers': bootstrap, 'enable.idempotence': True})
      for i in range(10):
          value = json.dumps({'source': 'python', 'n': i}, separators=(',', ':'))
          producer.produce(topic, key='py-%d' % i, value=value, on_delivery=on_delivery)
      undelivered = producer.flush(30)
      if undelivered or errors:
          print('undelivered=%d errors=%s' % (undelivered, errors), file=sys.stderr)
          sys.exit(1)
      print('delivered 10')
      """;

  @TempDir Path tmp;

  @Test
  void kcatAndPythonProducersAreReadByTheJavaConsumer(KafkaTestBroker kafka) throws Exception {
    String topic = kafka.createTopic("third-party", 2);
    Map<String, String> expected = new HashMap<>();

    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < 10; i++) {
      String value = "{\"source\":\"kcat\",\"n\":" + i + "}";
      expected.put("kcat-" + i, value);
      lines.append("kcat-").append(i).append('|').append(value).append('\n');
    }
    run(
        "kcat",
        lines.toString(),
        "kcat",
        "-P",
        "-b",
        kafka.bootstrapServers(),
        "-t",
        topic,
        "-K",
        "|");

    Path script = tmp.resolve("produce.py");
    Files.writeString(script, PYTHON_PRODUCER, StandardCharsets.UTF_8);
    for (int i = 0; i < 10; i++) {
      expected.put("py-" + i, "{\"source\":\"python\",\"n\":" + i + "}");
    }
    String out =
        run(
            "python3-confluent-kafka",
            "",
            PYTHON,
            script.toString(),
            kafka.bootstrapServers(),
            topic);
    assertThat(out).contains("delivered 10");

    List<ConsumerRecord<String, String>> records =
        KafkaTestBrokerTest.consumeToEnd(kafka.clientConfig(), topic, 2, false);
    Map<String, String> received = new HashMap<>();
    records.forEach(r -> received.put(r.key(), r.value()));
    assertThat(records).as("each record exactly once").hasSize(20);
    assertThat(received).isEqualTo(expected);
  }

  /**
   * Runs a command with {@code stdin}, waits for it with a deadline (killing it on timeout), and
   * returns its merged output; fails the test if it cannot start or exits non-zero.
   */
  private String run(String tool, String stdin, String... command) throws Exception {
    Path output = Files.createTempFile(tmp, "out-", ".txt");
    Process process;
    try {
      process =
          new ProcessBuilder(command)
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
    } catch (IOException e) {
      return fail(
          tool
              + " is not installed ("
              + String.join(" ", command)
              + "); .ci/run installs it: apt-get install kcat python3-confluent-kafka",
          e);
    }
    try {
      try (OutputStream in = process.getOutputStream()) {
        in.write(stdin.getBytes(StandardCharsets.UTF_8));
      }
      if (!process.waitFor(PROCESS_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        fail(
            tool
                + " did not finish within "
                + PROCESS_TIMEOUT_SECONDS
                + " s: "
                + Files.readString(output));
      }
    } finally {
      if (process.isAlive()) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    }
    String text = Files.readString(output);
    assertThat(process.exitValue()).as("%s exit status; output:%n%s", tool, text).isZero();
    return text;
  }
}
