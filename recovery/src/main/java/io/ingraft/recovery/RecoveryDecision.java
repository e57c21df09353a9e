package io.ingraft.recovery;

/** What the sweep did about one interrupted operation or one uncovered drift. */
public enum RecoveryDecision {
  /** Every table of the operation had committed: its publish was completed. */
  ROLLED_FORWARD,
  /** Some table had not committed: every moved table was restored to its pin and republished. */
  ROLLED_BACK,
  /** A table HEAD was ahead of its pin with no sidecar to explain it: restored to the pin. */
  REPAIRED
}
