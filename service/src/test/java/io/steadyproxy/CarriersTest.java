package io.steadyproxy;

import static org.hamcrest.MatcherAssert.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

class CarriersTest {
  @Test
  void oneCpuGetsTwoCarriers() {
    assertThat(Carriers.parallelism(null, 1), is("2"));
  }

  @Test
  void twoOrMoreCpusKeepTheJdksDefault() {
    assertThat(Carriers.parallelism(null, 2), nullValue());
    assertThat(Carriers.parallelism(null, 16), nullValue());
  }

  @Test
  void aParallelismTheOperatorSetIsKept() {
    assertThat(Carriers.parallelism("1", 1), nullValue());
    assertThat(Carriers.parallelism("8", 2), nullValue());
  }
}
