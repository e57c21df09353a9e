package io.ingraft.it.cdc;

import io.ingraft.app.cli.CdcShop;
import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cdc.CdcMapping;
import io.ingraft.app.cdc.MappingReader;
import org.junit.jupiter.api.Test;

/** The proof's mapping is one the CDC core reads (strictly: no unknown key, no wrong type). */
class ShopMappingTest {
  @Test
  void theShopMappingReads() {
    CdcMapping mapping = MappingReader.of("shop-cdc-mapping.json", CdcShop.mappingJson("shop"))
        .read();
    assertThat(mapping.tables()).hasSize(4);
    assertThat(mapping.transactional()).isTrue();
    assertThat(mapping.newColumns()).isEqualTo(CdcMapping.NewColumns.EVOLVE);
  }
}
