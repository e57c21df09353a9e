package io.ingraft.recovery;

/**
 * What recovery did to one table: the version its manifest pin moved from and to. For a roll back,
 * {@code to} is the restore's new version, whose content equals {@code from}'s.
 */
public record TableOutcome(String table, long from, long to) {}
