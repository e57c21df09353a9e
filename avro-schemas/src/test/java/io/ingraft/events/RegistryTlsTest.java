package io.ingraft.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link RestSchemaRegistry} over TLS with its own truststore, against a registry served over HTTPS
 * with a certificate the JDK's {@code keytool} makes here; without the truststore the handshake
 * fails and the failure names the registry. An unreachable registry fails within its timeout,
 * naming the address.
 */
class RegistryTlsTest {
  private static final String PASSWORD = "store-password";
  private static final Schema SCHEMA =
      SchemaBuilder.record("Thing").namespace("t").fields().requiredString("id").endRecord();

  @TempDir Path dir;

  @Test
  void trustsTheRegistryThroughItsTruststore() throws Exception {
    Path keystore = dir.resolve("registry.p12");
    Path truststore = dir.resolve("trust.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "registry",
        "-keyalg",
        "RSA",
        "-keysize",
        "2048",
        "-validity",
        "2",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=ip:127.0.0.1,dns:localhost",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD,
        "-keypass",
        PASSWORD);
    Path cert = dir.resolve("registry.pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "registry",
        "-keystore",
        keystore.toString(),
        "-storepass",
        PASSWORD,
        "-file",
        cert.toString());
    keytool(
        "-importcert",
        "-noprompt",
        "-alias",
        "registry",
        "-file",
        cert.toString(),
        "-keystore",
        truststore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        PASSWORD);
    RegistryTls serverSide =
        new RegistryTls(null, null, null, keystore, "PKCS12", PASSWORD, PASSWORD);
    try (FakeRegistryServer server = new FakeRegistryServer(serverSide.sslContext())) {
      RegistryTls tls = new RegistryTls(truststore, "PKCS12", PASSWORD, null, null, null, null);
      RestSchemaRegistry trusting =
          new RestSchemaRegistry(
              server.uri(), Duration.ofSeconds(5), RegistryCredentials.NONE, tls);
      int id = trusting.register("things-value", SCHEMA);
      assertThat(trusting.schemaById(id)).isEqualTo(SCHEMA);
      assertThat(tls.toString()).doesNotContain(PASSWORD);

      RestSchemaRegistry untrusting = new RestSchemaRegistry(server.uri(), Duration.ofSeconds(5));
      assertThatThrownBy(() -> untrusting.register("things-value", SCHEMA))
          .isInstanceOfSatisfying(
              SchemaRegistryException.class,
              e -> {
                assertThat(e.kind()).isEqualTo(SchemaRegistryException.Kind.UNAVAILABLE);
                assertThat(e).hasCauseInstanceOf(SSLException.class);
              })
          .hasMessageContaining(server.uri().toString());
    }
  }

  @Test
  void anUnreachableRegistryFailsWithinItsTimeoutNamingTheAddress() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = socket.getLocalPort();
    }
    URI uri = URI.create("http://127.0.0.1:" + port);
    RestSchemaRegistry registry = new RestSchemaRegistry(uri, Duration.ofSeconds(2));
    assertThatThrownBy(() -> registry.schemaById(1))
        .isInstanceOfSatisfying(
            SchemaRegistryException.class,
            e -> {
              assertThat(e.kind()).isEqualTo(SchemaRegistryException.Kind.UNAVAILABLE);
              assertThat(e).hasCauseInstanceOf(java.net.ConnectException.class);
            })
        .hasMessageContaining(uri.toString());
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }
}
