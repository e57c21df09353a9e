package io.ingraft.app.writer;

import io.ingraft.events.GraphLogHead;

/**
 * One logged event the writer holds until its batch is published: its graph-log offset, the
 * record's original key and value bytes, and the kind of its body (which is all batching needs).
 * The event is decoded from the value only when a worker applies its batch, so a backlog costs the
 * record bytes, not decoded events; a rejected or undecodable event is dead-lettered with exactly
 * these bytes.
 */
record BufferedEvent(long offset, byte[] key, byte[] value, GraphLogHead.Body body) {}
