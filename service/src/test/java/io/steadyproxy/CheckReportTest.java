package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import io.steadyproxy.testing.TestProxies;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code --check} says about the admin token: file, value or none, never the token. */
class CheckReportTest {

  @Test
  void namesTheAdminTokensSourceButNeverTheToken(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("token");
    Files.writeString(file, "s3cret\n");
    String fromFile =
        CheckReport.text(
            TestProxies.settings(
                "--upstream", "http://127.0.0.1:9", "--admin-token-file", file.toString()));
    assertThat(
        fromFile,
        containsString(
            "  admin    bearer token from " + file + ", read again at each admin request\n"));
    assertThat(fromFile, not(containsString("s3cret")));

    String fromValue =
        CheckReport.text(
            TestProxies.settings("--upstream", "http://127.0.0.1:9", "--admin-token", "s3cret"));
    assertThat(fromValue, containsString("  admin    bearer token (admin_token)\n"));
    assertThat(fromValue, not(containsString("s3cret")));

    assertThat(
        CheckReport.text(TestProxies.settings("--upstream", "http://127.0.0.1:9")),
        containsString("  admin    no token: loopback clients only\n"));
  }
}
