package io.ingraft.it.cdc;

import static org.assertj.core.api.Assertions.assertThat;

import io.ingraft.app.cdc.CdcMapping;
import io.ingraft.app.cdc.MappingCheck;
import io.ingraft.app.cdc.MappingReader;
import io.ingraft.app.cli.CdcShop;
import org.junit.jupiter.api.Test;

/**
 * The mapping of the CDC proof, benchmark and demo is one the CDC core accepts without a problem,
 * against the schema it declares.
 */
class ShopMappingTest {
  @Test
  void theShopMappingChecksClean() {
    MappingReader reader = MappingReader.of("shop-cdc-mapping.json", CdcShop.mappingJson("shop"));
    CdcMapping mapping = reader.read();
    assertThat(MappingCheck.problems(reader, mapping, MappingCheck.declaredSchema(mapping)))
        .isEmpty();
    assertThat(mapping.transactional()).isTrue();
  }
}
