package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/start-proxy's choice of AOT cache (src-docs/performance.md, "Start-up"). The launcher runs in
 * a copy of the project layout with a jar whose main class is missing and a cache file that is not
 * a cache: the JVM then reports whether it was asked to use the cache ("[aot]" error lines) and
 * whether it went on anyway ("main class NoSuchMain"), without starting a proxy. No nginx or
 * HAProxy equivalent: this is JDK 25's AOT cache, whose default (-XX:AOTMode=auto) starts without a
 * cache it cannot use.
 */
class LauncherAotTest {
  @TempDir Path home;
  private Path jar;
  private Path cache;
  private String jdkId;

  @BeforeEach
  void layout() throws Exception {
    Files.createDirectories(home.resolve("bin"));
    Files.createDirectories(home.resolve("scripts"));
    Files.createDirectories(home.resolve("service/target"));
    for (String f : new String[] {"bin/start-proxy", "scripts/find-jdk"}) {
      Path to = home.resolve(f);
      Files.copy(Path.of("..").resolve(f), to, StandardCopyOption.REPLACE_EXISTING);
      to.toFile().setExecutable(true);
    }
    jar = home.resolve("service/target/steadyproxy-service.jar");
    Manifest manifest = new Manifest();
    manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
    manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "NoSuchMain");
    try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar), manifest)) {
      out.flush(); // a valid jar whose main class is missing: the JVM starts, then stops
    }
    Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minusSeconds(600)));
    cache = home.resolve("service/target/steadyproxy.aot");
    Files.writeString(cache, "not an AOT cache");
    String javaHome = run(Map.of(), home.resolve("scripts/find-jdk").toString()).strip();
    javaHome = javaHome.substring(0, javaHome.lastIndexOf("\nexit=")).strip();
    String release = Files.readString(Path.of(javaHome, "release"));
    Matcher version = Pattern.compile("(?m)^JAVA_VERSION=\"(\\d+)").matcher(release);
    assumeTrue(
        version.find() && Integer.parseInt(version.group(1)) >= 25, "AOT cache needs JDK 25");
    Matcher runtime = Pattern.compile("(?m)^JAVA_RUNTIME_VERSION=.*$").matcher(release);
    assumeTrue(runtime.find(), "the JDK's release file names its build");
    jdkId = javaHome + " " + runtime.group();
    Files.writeString(home.resolve("service/target/steadyproxy.aot.jdk"), jdkId + "\n");
  }

  private static String run(Map<String, String> env, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().remove("PROXY_AOT");
    pb.environment().remove("PROXY_AOT_CACHE");
    pb.environment().remove("PROXY_JAVA_OPTS");
    pb.environment().putAll(env);
    Process p = pb.start();
    assertThat("finished", p.waitFor(60, TimeUnit.SECONDS), is(true));
    return new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
        + "\nexit="
        + p.exitValue();
  }

  private String launch(Map<String, String> env) throws Exception {
    return run(env, home.resolve("bin/start-proxy").toString());
  }

  @Test
  void aFreshCacheFromThisJdkIsUsedAndAnUnusableOneDoesNotStopTheJvm() throws Exception {
    String out = launch(Map.of());
    assertThat("the launcher passed -XX:AOTCache", out, containsString("[aot]"));
    assertThat("the JVM went on to the jar", out, containsString("main class NoSuchMain"));
  }

  @Test
  void aCacheOlderThanTheJarIsIgnored() throws Exception {
    Files.setLastModifiedTime(cache, FileTime.from(Instant.now().minusSeconds(3600)));
    String out = launch(Map.of());
    assertThat(out, not(containsString("[aot]")));
    assertThat(out, containsString("main class NoSuchMain"));
  }

  @Test
  void aCacheFromAnotherJdkBuildIsIgnored() throws Exception {
    Files.writeString(
        home.resolve("service/target/steadyproxy.aot.jdk"),
        jdkId.replace("JAVA_RUNTIME_VERSION=\"", "JAVA_RUNTIME_VERSION=\"0.") + "\n");
    String out = launch(Map.of());
    assertThat(out, not(containsString("[aot]")));
    assertThat(out, containsString("main class NoSuchMain"));
  }

  @Test
  void aCacheWithoutItsJdkFileIsIgnored() throws Exception {
    Files.delete(home.resolve("service/target/steadyproxy.aot.jdk"));
    assertThat(launch(Map.of()), not(containsString("[aot]")));
  }

  @Test
  void proxyAotOffIgnoresTheCache() throws Exception {
    assertThat(launch(Map.of("PROXY_AOT", "off")), not(containsString("[aot]")));
  }

  @Test
  void anUnknownProxyAotValueIsOneLineAndExitCode2() throws Exception {
    String out = launch(Map.of("PROXY_AOT", "sometimes"));
    assertThat(
        out, is("start-proxy: PROXY_AOT must be auto, off or train, got 'sometimes'\n\nexit=2"));
  }
}
