package io.ingraft.app.cli;

import io.ingraft.app.AppException;

/** The demo gave up: what it was waiting for did not happen before its {@code --timeout}. */
final class DemoTimeoutException extends AppException {
  private final String waitingFor;

  DemoTimeoutException(String waitingFor) {
    super("the demo timed out waiting for " + waitingFor);
    this.waitingFor = waitingFor;
  }

  String waitingFor() {
    return waitingFor;
  }
}
