package io.ingraft.app.connect;

import io.ingraft.app.AppException;
import java.time.Duration;

/**
 * Kafka could not be reached, or not used, within the bound ({@code ingraft.connect-timeout-ms}):
 * the message names the address and the cause (DNS, refused, timeout, TLS, authentication).
 */
public final class BrokerUnreachableException extends AppException {
  private final String address;
  private final ConnectionFailure failure;

  public BrokerUnreachableException(
      String address, ConnectionFailure failure, Duration bound, String hint, Throwable cause) {
    super(
        "cannot use Kafka broker "
            + address
            + ": "
            + failure.cause().text()
            + " ("
            + failure.detail()
            + ")"
            + (failure.cause() == ConnectionFailure.Cause.TIMEOUT
                ? " within " + bound.toMillis() + " ms"
                : "")
            + (hint == null ? "" : "; " + hint),
        cause);
    this.address = address;
    this.failure = failure;
  }

  /** The broker address (or bootstrap list) that failed. */
  public String address() {
    return address;
  }

  public ConnectionFailure failure() {
    return failure;
  }
}
