package io.ingraft.it.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.Test;

/**
 * Architecture rules over every Ingraft module on this classpath. The storage module is the one
 * adapter over Lance: its {@code TableStore} maps Lance's untyped errors and enforces the strict
 * commit rules, so no other module may reach around it into Lance (reads included: a stray read of
 * a table HEAD instead of the pinned version is exactly the bug this prevents).
 */
class LanceBoundaryTest {
  private static final JavaClasses PROJECT =
      new ClassFileImporter()
          .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
          .importPackages("io.ingraft");

  @Test
  void onlyStorageTouchesLance() {
    ArchRule rule =
        noClasses()
            .that()
            .resideOutsideOfPackage("io.ingraft.storage..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.lance..")
            .because(
                "the storage module's TableStore is the only Lance adapter"
                    + " (docs/architecture.md, \"Modules and layering\")");
    rule.check(PROJECT);
  }

  @Test
  void theEngineAndBelowKnowNothingOfKafka() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAnyPackage(
                "io.ingraft.storage..", "io.ingraft.recovery..", "io.ingraft.engine..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.apache.kafka..")
            .because(
                "the engine applies batches of events; where they come from is the app's business");
    rule.check(PROJECT);
  }

  @Test
  void onlyTheTableStorePackageTouchesLanceInsideStorage() {
    ArchRule rule =
        noClasses()
            .that()
            .resideInAPackage("io.ingraft.storage..")
            .and()
            .resideOutsideOfPackage("io.ingraft.storage.table..")
            .should()
            .dependOnClassesThat()
            .resideInAPackage("org.lance..")
            .because("Lance errors are mapped in one adapter, next to the only Lance calls");
    rule.check(PROJECT);
  }
}
