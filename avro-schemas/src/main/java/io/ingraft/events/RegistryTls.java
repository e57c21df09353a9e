package io.ingraft.events;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS settings of {@link RestSchemaRegistry}: a truststore with the registry's CA (when the JVM's
 * default trust does not cover it) and a keystore for client certificates (mutual TLS), each a file
 * with its type ({@code PKCS12} or {@code JKS}) and password. Either may be absent. Passwords never
 * show in {@code toString}.
 *
 * @param truststore the truststore file, or null for the JVM's default trust
 * @param keystore the keystore file, or null for no client certificate
 * @param keyPassword the private key's password, or null for the keystore's
 */
public record RegistryTls(
    Path truststore,
    String truststoreType,
    String truststorePassword,
    Path keystore,
    String keystoreType,
    String keystorePassword,
    String keyPassword) {

  /** The SSL context these settings describe. */
  public SSLContext sslContext() {
    try {
      TrustManagerFactory trust = null;
      if (truststore != null) {
        trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(truststore, truststoreType, truststorePassword));
      }
      KeyManagerFactory keys = null;
      if (keystore != null) {
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        String password = keyPassword != null ? keyPassword : keystorePassword;
        keys.init(
            load(keystore, keystoreType, keystorePassword),
            password == null ? new char[0] : password.toCharArray());
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(
          keys == null ? null : keys.getKeyManagers(),
          trust == null ? null : trust.getTrustManagers(),
          null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      // The message of a wrong password ("keystore password was incorrect") holds no secret.
      throw new IllegalArgumentException("cannot set up TLS for the schema registry: " + e, e);
    }
  }

  private static KeyStore load(Path file, String type, String password)
      throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance(type == null ? "PKCS12" : type);
    try (InputStream in = Files.newInputStream(file)) {
      store.load(in, password == null ? null : password.toCharArray());
    }
    return store;
  }

  @Override
  public String toString() {
    return "RegistryTls[truststore="
        + truststore
        + ", keystore="
        + keystore
        + ", passwords=[hidden]]";
  }
}
