package io.ingraft.app;

import java.nio.file.Path;

/**
 * Every Streams state slot under a state directory is held by a running instance (see {@link
 * StateSlot}): far more instances of one application on one host than makes sense.
 */
public final class StateSlotsExhaustedException extends AppException {
  private static final long serialVersionUID = 1L;
  private final transient Path parent;
  private final int slots;

  StateSlotsExhaustedException(Path parent, int slots) {
    super(
        "all "
            + slots
            + " Streams state slots under "
            + parent
            + " are held by running "
            + "instances");
    this.parent = parent;
    this.slots = slots;
  }

  /** The directory holding the slots. */
  public Path parent() {
    return parent;
  }

  /** How many slots there are. */
  public int slots() {
    return slots;
  }
}
