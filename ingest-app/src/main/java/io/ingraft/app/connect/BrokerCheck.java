package io.ingraft.app.connect;

import io.ingraft.app.config.IngraftConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;

/**
 * Checks, before a command starts its real work, that the configured brokers can be used within
 * {@code ingraft.connect-timeout-ms}: every bootstrap address is resolved and connected to (which
 * tells DNS failures and refused connections apart, something Kafka's clients only log), then an
 * admin client with the full client settings asks for the cluster (which surfaces TLS and SASL
 * failures). Either failure is a {@link BrokerUnreachableException} naming the address and the
 * cause; without this check a client would retry silently until its own, much longer, timeouts.
 */
public final class BrokerCheck {
  private final Map<String, Object> clientProps;
  private final String bootstrap;
  private final Duration bound;

  public BrokerCheck(IngraftConfig config) {
    this(config.kafkaClientProps(), config.connectTimeout());
  }

  public BrokerCheck(Map<String, Object> clientProps, Duration bound) {
    this.clientProps = Map.copyOf(clientProps);
    this.bootstrap = String.valueOf(clientProps.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    this.bound = bound;
  }

  /**
   * Returns when a broker answered; throws {@link BrokerUnreachableException} within about the
   * bound otherwise.
   */
  public void check() {
    long deadline = System.nanoTime() + bound.toNanos();
    reachAnyAddress(deadline);
    describeCluster(deadline);
  }

  /** At least one bootstrap address must resolve and accept a TCP connection. */
  private void reachAnyAddress(long deadline) {
    List<String> addresses = new ArrayList<>();
    for (String item : bootstrap.split(",")) {
      if (!item.isBlank()) {
        addresses.add(item.trim());
      }
    }
    BrokerUnreachableException first = null;
    for (String address : addresses) {
      int colon = address.lastIndexOf(':');
      String host = colon < 0 ? address : address.substring(0, colon);
      int port;
      try {
        port = colon < 0 ? -1 : Integer.parseInt(address.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 0) {
        // Kafka's own configuration check rejects it with a clear message.
        return;
      }
      try (Socket socket = new Socket()) {
        InetAddress resolved = InetAddress.getByName(host.replace("[", "").replace("]", ""));
        int timeout = (int) Math.max(1, remainingMs(deadline));
        socket.connect(new InetSocketAddress(resolved, port), timeout);
        return;
      } catch (IOException e) {
        if (first == null) {
          first = failure(address, e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private void describeCluster(long deadline) {
    Map<String, Object> props = new HashMap<>(clientProps);
    int remaining = (int) Math.max(1_000, remainingMs(deadline));
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, remaining);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, remaining);
    Admin admin;
    try {
      admin = Admin.create(props);
    } catch (KafkaException e) {
      throw failure(bootstrap, e);
    }
    try {
      admin
          .describeCluster(new DescribeClusterOptions().timeoutMs(remaining))
          .nodes()
          .get(remaining + 1_000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw failure(bootstrap, e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw failure(bootstrap, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw failure(bootstrap, e);
    } finally {
      admin.close(Duration.ZERO);
    }
  }

  private BrokerUnreachableException failure(String address, Throwable e) {
    ConnectionFailure failure = ConnectionFailure.of(e);
    return new BrokerUnreachableException(address, failure, bound, hint(failure.cause()), e);
  }

  private static String hint(ConnectionFailure.Cause cause) {
    return switch (cause) {
      case DNS -> "check kafka.bootstrap.servers";
      case REFUSED -> "is a broker listening there? check kafka.bootstrap.servers";
      case TIMEOUT ->
          "check that kafka.security.protocol matches the listener (a TLS or SASL listener"
              + " spoken to in plaintext does not answer), or raise ingraft.connect-timeout-ms";
      case TLS -> "check kafka.ssl.truststore.* (the broker's certificate must be trusted)";
      case TLS_SETTINGS -> "check the kafka.ssl.* store locations, types and passwords";
      case AUTHENTICATION ->
          "check kafka.sasl.mechanism and the credentials in kafka.sasl.jaas.config";
      case AUTHORIZATION -> "check the principal's ACLs";
      case OTHER -> null;
    };
  }

  private static long remainingMs(long deadline) {
    return TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
  }
}
