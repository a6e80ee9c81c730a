package io.github.digitbridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.CommandSpec;

class DeclaredCommandsTest {
  @Test
  void everyCommandHasASpecOfItsOwnClassAndName() {
    assertEquals(Main.COMMANDS.keySet(), Main.DECLARED.keySet());
    Main.COMMANDS.forEach(
        (name, type) -> {
          CommandSpec spec = Main.DECLARED.get(name).get();
          assertEquals(name, spec.name());
          assertSame(type, spec.userObject().getClass(), name);
          assertSame(spec, ((Subcommand) spec.userObject()).spec, name);
        });
  }
}
