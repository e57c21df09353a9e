package io.ingraft.app.cdc;

import io.ingraft.app.config.IngraftConfig;

/**
 * With {@code ingraft.cdc.single-partition}, a change topic has more than one partition. That mode
 * reads every CDC topic in one task, whose stores' changelogs have one partition, so stage 1 does
 * not start.
 */
public final class ChangeTopicPartitionsException extends CdcTopicPartitionsException {
  public ChangeTopicPartitionsException(String topic, int partitions) {
    super(
        "the CDC change topic "
            + topic
            + " has "
            + partitions
            + " partitions, but "
            + IngraftConfig.CDC_SINGLE_PARTITION
            + "=true needs exactly 1 for every change topic; create the topics with one partition"
            + " or leave the setting off (docs/cdc.md, \"Single-partition change topics\")",
        topic,
        partitions);
  }
}
