package io.ingraft.app.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * An unusable broker address fails the check within its bound, naming the address and the cause: a
 * host that does not resolve, a port nobody listens on, and a listener that never answers.
 */
class BrokerCheckTest {
  private static final Duration BOUND = Duration.ofSeconds(2);

  @Test
  void aPortNobodyListensOnIsRefused() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    String address = "127.0.0.1:" + port;
    assertThatThrownBy(() -> check(address))
        .isInstanceOfSatisfying(
            BrokerUnreachableException.class,
            e -> {
              assertThat(e.address()).isEqualTo(address);
              assertThat(e.failure().cause()).isEqualTo(ConnectionFailure.Cause.REFUSED);
            })
        .hasMessageContaining(address)
        .hasMessageContaining("connection refused");
  }

  @Test
  void aHostThatDoesNotResolveIsDns() {
    // .invalid never resolves (RFC 6761).
    String address = "broker.ingraft.invalid:9092";
    assertThatThrownBy(() -> check(address))
        .isInstanceOfSatisfying(
            BrokerUnreachableException.class,
            e -> assertThat(e.failure().cause()).isEqualTo(ConnectionFailure.Cause.DNS))
        .hasMessageContaining(address)
        .hasMessageContaining("does not resolve");
  }

  @Test
  void aListenerThatNeverAnswersFailsWithinTheBound() throws Exception {
    // Accepts connections (the kernel does, from the backlog) but never speaks Kafka.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String address = "127.0.0.1:" + silent.getLocalPort();
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> check(address))
          .isInstanceOfSatisfying(
              BrokerUnreachableException.class,
              e -> assertThat(e.failure().cause()).isEqualTo(ConnectionFailure.Cause.TIMEOUT))
          .hasMessageContaining(address)
          .hasMessageContaining("within 2000 ms");
      // Bounded: the clients' own defaults would wait a minute or more.
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }
  }

  @Test
  void classifiesByTypeAlongTheCauseChain() {
    var sasl =
        new org.apache.kafka.common.KafkaException(
            "wrapped",
            new org.apache.kafka.common.errors.SaslAuthenticationException("bad credentials"));
    assertThat(ConnectionFailure.of(sasl))
        .isEqualTo(
            new ConnectionFailure(ConnectionFailure.Cause.AUTHENTICATION, "bad credentials"));
    var tls =
        new RuntimeException(
            new org.apache.kafka.common.errors.SslAuthenticationException("handshake"));
    assertThat(ConnectionFailure.of(tls).cause()).isEqualTo(ConnectionFailure.Cause.TLS);
    assertThat(ConnectionFailure.of(new IllegalStateException("x")).cause())
        .isEqualTo(ConnectionFailure.Cause.OTHER);
  }

  private static void check(String address) {
    new BrokerCheck(Map.of("bootstrap.servers", address), BOUND).check();
  }
}
