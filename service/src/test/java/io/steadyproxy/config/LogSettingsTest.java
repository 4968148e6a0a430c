package io.steadyproxy.config;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.steadyproxy.logging.LogFormat;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** log_format, and where the log goes when log_file is left at its default or set. */
class LogSettingsTest {
  @TempDir Path dir;

  private ConfigLoader.Result read(Map<String, String> env, String... flags) {
    return ConfigLoader.read(flags, env, dir);
  }

  @Test
  void logFormatIsTextByDefaultAndJsonFromAnySource() throws IOException {
    assertThat(read(Map.of()).settings().logging().format(), is(LogFormat.TEXT));
    assertThat(
        read(Map.of("PROXY_LOG_FORMAT", "JSON")).settings().logging().format(), is(LogFormat.JSON));
    assertThat(
        read(Map.of(), "--log-format", "json").settings().logging().format(), is(LogFormat.JSON));
    Files.writeString(dir.resolve("proxy_config.json"), "{\"log_format\": \"json\"}");
    assertThat(read(Map.of()).settings().logging().format(), is(LogFormat.JSON));
  }

  @Test
  void anUnknownLogFormatIsOneLineNamingKeyAndSource() {
    ConfigException e =
        assertThrows(ConfigException.class, () -> read(Map.of("PROXY_LOG_FORMAT", "logfmt")));
    assertThat(
        e.getMessage(),
        is(
            "invalid setting 'log_format' from env PROXY_LOG_FORMAT: must be text or json, got"
                + " 'logfmt'"));
  }

  @Test
  void theDefaultLogFileIsUsedWhereItCanBeWritten() {
    ConfigLoader.Result r = read(Map.of());
    assertThat(r.settings().logging().file(), is(Optional.of(dir.resolve("proxy.log"))));
    assertThat(r.notices(), is(empty()));
  }

  /**
   * The container case: the default proxy.log cannot be opened in the working directory (there a
   * read-only root or a non-root user; here, since tests may run as root, a directory in its way),
   * so the log goes to stdout only, and a note says so, instead of the proxy failing to start.
   */
  @Test
  void anUnwritableDefaultLogFileMeansStdoutOnlyWithANote() throws IOException {
    Files.createDirectory(dir.resolve("proxy.log"));
    ConfigLoader.Result r = read(Map.of());
    assertThat(r.settings().logging().file(), is(Optional.empty()));
    assertThat(
        r.notices(),
        contains(
            startsWith(
                "log_file: the default "
                    + dir.resolve("proxy.log").toAbsolutePath()
                    + " cannot be written here, so the log goes to stdout only")));
  }

  @Test
  void anExplicitLogFileMustBeWritable() throws IOException {
    Files.createDirectory(dir.resolve("taken"));
    ConfigException e =
        assertThrows(
            ConfigException.class,
            () -> read(Map.of(), "--log-file", dir.resolve("taken").toString()));
    assertThat(
        e.getMessage(),
        is(
            "invalid setting 'log_file' from flag --log-file: cannot write "
                + dir.resolve("taken")
                + " (not a writable regular file, or its directory is read-only)"));
    // a missing directory is fine: the log creates it
    Path nested = dir.resolve("logs/a/proxy.log");
    assertThat(
        read(Map.of(), "--log-file", nested.toString()).settings().logging().file(),
        is(Optional.of(nested)));
  }

  @Test
  void anEmptyLogFileMeansStdoutOnlyWithoutANote() {
    ConfigLoader.Result r = read(Map.of("PROXY_LOG_FILE", ""));
    assertThat(r.settings().logging().file(), is(Optional.empty()));
    assertThat(r.notices(), is(empty()));
  }
}
