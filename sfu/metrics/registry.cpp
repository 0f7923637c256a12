#include "sfu/metrics/registry.h"

#include <prometheus/text_serializer.h>

#include "sfu/metrics/process_metrics.h"

namespace sfu::metrics {

prometheus::Registry& registry() {
  static prometheus::Registry instance;
  return instance;
}

std::string serialize() {
  prometheus::TextSerializer serializer;
  auto families = registry().Collect();
  auto process = collectProcessMetrics();
  families.insert(families.end(), process.begin(), process.end());
  return serializer.Serialize(families);
}

}  // namespace sfu::metrics
