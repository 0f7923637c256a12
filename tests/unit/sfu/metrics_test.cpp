#include <gtest/gtest.h>
#include <prometheus/counter.h>

#include "sfu/metrics/registry.h"

namespace sfu::metrics {
namespace {

TEST(Metrics, SerializeIncludesRegistryAndProcessFamilies) {
  auto& family = prometheus::BuildCounter()
                     .Name("sfu_test_events_total")
                     .Help("Events counted by the metrics unit test.")
                     .Register(registry());
  family.Add({{"kind", "a"}}).Increment(3);
  std::string text = serialize();
  EXPECT_NE(text.find("sfu_test_events_total{kind=\"a\"} 3"), std::string::npos) << text;
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_NE(text.find("process_open_fds "), std::string::npos);
  EXPECT_EQ(text.find("process_resident_memory_bytes 0\n"), std::string::npos);
}

}  // namespace
}  // namespace sfu::metrics
