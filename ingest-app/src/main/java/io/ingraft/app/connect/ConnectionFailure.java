package io.ingraft.app.connect;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.util.IdentityHashMap;
import java.util.Map;
import javax.net.ssl.SSLException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedSaslMechanismException;

/**
 * Why a connection to a broker (or registry) failed, read from an exception's cause chain by the
 * types of the exceptions in it, never by their messages: the first cause in the chain that says
 * more than "it failed" decides ({@link #of(Throwable)}). {@link #detail()} is that cause's own
 * message, which for the types below names no secret.
 */
public record ConnectionFailure(Cause cause, String detail) {
  /** The kinds of failure an operator acts on differently. */
  public enum Cause {
    /** The host name does not resolve. */
    DNS("host name does not resolve"),
    /** Nothing listens there (connection refused) or no route to it. */
    REFUSED("connection refused"),
    /** No answer in time. */
    TIMEOUT("no answer in time"),
    /** The TLS handshake failed (untrusted certificate, wrong truststore or protocol). */
    TLS("TLS handshake failed"),
    /** The TLS settings cannot be used (a truststore or keystore that cannot be read). */
    TLS_SETTINGS("TLS settings cannot be used"),
    /** SASL authentication failed: wrong user or password, or an unsupported mechanism. */
    AUTHENTICATION("authentication failed"),
    /** Authenticated, but not allowed. */
    AUTHORIZATION("not authorised"),
    /** None of the above. */
    OTHER("failed");

    private final String text;

    Cause(String text) {
      this.text = text;
    }

    /** Words for messages: "connection refused", "authentication failed", ... */
    public String text() {
      return text;
    }
  }

  /** Classifies {@code failure} by the types in its cause chain (see the class doc). */
  public static ConnectionFailure of(Throwable failure) {
    Map<Throwable, Boolean> seen = new IdentityHashMap<>();
    for (Throwable t = failure; t != null && seen.put(t, true) == null; t = t.getCause()) {
      Cause cause = causeOf(t);
      if (cause != null) {
        return new ConnectionFailure(cause, String.valueOf(t.getMessage()));
      }
    }
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return new ConnectionFailure(Cause.OTHER, root.toString());
  }

  private static Cause causeOf(Throwable t) {
    if (t instanceof SaslAuthenticationException
        || t instanceof UnsupportedSaslMechanismException) {
      return Cause.AUTHENTICATION;
    }
    if (t instanceof SslAuthenticationException || t instanceof SSLException) {
      return Cause.TLS;
    }
    if (t instanceof GeneralSecurityException) {
      return Cause.TLS_SETTINGS;
    }
    if (t instanceof AuthorizationException) {
      return Cause.AUTHORIZATION;
    }
    if (t instanceof UnknownHostException) {
      return Cause.DNS;
    }
    if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
      return Cause.REFUSED;
    }
    if (t instanceof SocketTimeoutException
        || t instanceof TimeoutException
        || t instanceof java.util.concurrent.TimeoutException
        || t instanceof java.net.http.HttpTimeoutException) {
      return Cause.TIMEOUT;
    }
    return null;
  }
}
